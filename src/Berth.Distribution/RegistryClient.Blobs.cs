using System.Buffers;
using System.Net.Http.Headers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution;

public sealed partial class RegistryClient
{
    private const int CopyBufferSize = 128 * 1024;

    /// <summary>
    /// Downloads the blob <paramref name="descriptor"/> names into <paramref name="destination"/>, verifying
    /// size and digest as it streams (security case 3B-12): never more than <c>descriptor.Size</c> bytes are
    /// accepted, and a short body or wrong digest is an error once the transfer ends.
    /// </summary>
    /// <param name="resumeOffset">
    /// Bytes of the blob <paramref name="destination"/> already holds from an earlier, interrupted
    /// download. They are re-read from the destination (which must then be readable and seekable) to
    /// carry the digest, and the rest is asked for with a Range request; a registry that ignores Range
    /// sends the whole blob and its first bytes are skipped. New bytes are written from that offset on.
    /// </param>
    /// <remarks>
    /// Follows redirects (blobs are often served from storage hosts) without sending credentials to other
    /// hosts. A transfer that breaks (reset, stall, 5xx, 429) is retried with backoff, resuming from the
    /// last byte written. Foreign-layer <c>urls</c> are never fetched (CVE-2020-15157).
    /// On failure the destination holds whatever was written; the caller discards or resumes it.
    /// </remarks>
    public Task FetchBlobAsync(string registry, string repository, Descriptor descriptor, Stream destination,
        long resumeOffset = 0, CancellationToken cancellationToken = default)
        => FetchBlobCoreAsync(registry, repository, descriptor, destination, resumeOffset, verifyDigest: true, cancellationToken);

    /// <summary>
    /// Downloads bytes [<paramref name="offset"/>, size) of a blob into <paramref name="destination"/>, for a
    /// caller that hashes the whole blob itself (a content-store ingest that re-hashed its partial data).
    /// The size is enforced exactly as in <see cref="FetchBlobAsync"/>; the digest is the caller's to check.
    /// </summary>
    public Task FetchBlobRangeAsync(string registry, string repository, Descriptor descriptor, Stream destination,
        long offset, CancellationToken cancellationToken = default)
        => FetchBlobCoreAsync(registry, repository, descriptor, destination, offset, verifyDigest: false, cancellationToken);

    private async Task FetchBlobCoreAsync(string registry, string repository, Descriptor descriptor, Stream destination,
        long resumeOffset, bool verifyDigest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(destination);
        Names.CheckRepository(repository);
        Names.CheckDigest(descriptor.Digest, "blob");
        if (descriptor.Size < 0)
            throw new BerthException(ErrorKind.InvalidArgument, $"blob {descriptor.Digest} has a negative size {descriptor.Size}");
        if (resumeOffset < 0 || resumeOffset > descriptor.Size)
            throw new ArgumentOutOfRangeException(nameof(resumeOffset), $"resume offset {resumeOffset} is outside the blob's size {descriptor.Size}");
        RegistryEndpoint ep = Endpoint(registry);
        var target = new RequestTarget("fetching blob", registry, repository, descriptor.Digest.ToString());

        // A sink that only hashes: it carries the digest across the bytes already present and the new ones,
        // and its Limit refuses anything past the declared size.
        using var hasher = new DigestingStream(Stream.Null, verifyDigest ? descriptor.Size : descriptor.Size - resumeOffset, descriptor.Digest.Algorithm);
        var progress = new StrongBox<long>(resumeOffset); // survives a transfer that throws half-way
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            if (resumeOffset > 0 && verifyDigest)
                await HashExistingPrefixAsync(destination, resumeOffset, hasher, buffer, target, cancellationToken).ConfigureAwait(false);

            var request = new Request
            {
                Method = HttpMethod.Get,
                Uri = ep.ApiUri($"v2/{repository}/blobs/{descriptor.Digest}"),
                Scopes = [PullScope(repository)],
                Target = target,
            };
            for (int attempt = 1; progress.Value < descriptor.Size; attempt++)
            {
                long written = progress.Value;
                request.RangeFrom = written > 0 ? written : null;
                HttpResponseMessage response = await SendAsync(ep, request, cancellationToken).ConfigureAwait(false);
                long skip;
                using (response)
                {
                    if (!response.IsSuccessStatusCode) throw await ErrorAsync(ep, response, target, cancellationToken).ConfigureAwait(false);
                    skip = BodyStart(ep, response, descriptor, written, target);
                    try
                    {
                        await CopyBodyAsync(ep, response, destination, hasher, buffer, descriptor, progress, skip, target, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (Retry.IsTransient(e, cancellationToken) && e is not BerthException)
                    {
                        if (attempt >= _options.MaxAttempts)
                            throw new RegistryException(ErrorKind.Unavailable,
                                $"{target.Operation} {target}: transfer failed after {progress.Value} of {descriptor.Size} bytes: {Retry.Describe(e)} (after {attempt} attempts)",
                                registry, repository, target.Reference, inner: e);
                        await Task.Delay(Retry.Backoff(_options, attempt), cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                if (progress.Value < descriptor.Size)
                {
                    // The body ended early but cleanly: try again from where it stopped.
                    if (attempt >= _options.MaxAttempts)
                        throw new RegistryException(ErrorKind.Unavailable,
                            $"{target.Operation} {target}: the registry sent {progress.Value} of {descriptor.Size} bytes (truncated, after {attempt} attempts)",
                            registry, repository, target.Reference);
                    await Task.Delay(Retry.Backoff(_options, attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (DestinationFailedException e)
        {
            // The caller's stream failed (disk full, say): theirs to handle, and not worth a retry.
            ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (progress.Value != descriptor.Size)
            throw new RegistryException(ErrorKind.FailedPrecondition,
                $"{target.Operation} {target}: got {progress.Value} bytes, expected {descriptor.Size}", registry, repository, target.Reference);
        if (!verifyDigest) return;
        Digest actual = hasher.Digest;
        if (actual != descriptor.Digest)
            throw new RegistryException(ErrorKind.FailedPrecondition,
                $"{target.Operation} {target}: digest mismatch: the content hashes to {actual}", registry, repository, target.Reference);
    }

    /// <summary>
    /// Reads a blob of at most <see cref="RegistryClientOptions.MaxConfigSize"/> bytes (an image config, say)
    /// into memory, verified.
    /// </summary>
    public async Task<byte[]> ReadBlobAsync(string registry, string repository, Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Size > _options.MaxConfigSize)
            throw new RegistryException(ErrorKind.FailedPrecondition,
                $"fetching blob {new RequestTarget("", registry, repository, descriptor.Digest.ToString())}: {descriptor.Size} bytes is more than the {_options.MaxConfigSize} byte limit for in-memory blobs",
                registry, repository, descriptor.Digest.ToString());
        using var memory = new MemoryStream(checked((int)Math.Max(descriptor.Size, 0)));
        await FetchBlobAsync(registry, repository, descriptor, memory, 0, cancellationToken).ConfigureAwait(false);
        return memory.ToArray();
    }

    private static async Task HashExistingPrefixAsync(Stream destination, long length, DigestingStream hasher, byte[] buffer, RequestTarget target, CancellationToken ct)
    {
        if (!destination.CanSeek || !destination.CanRead)
            throw new BerthException(ErrorKind.InvalidArgument,
                $"{target.Operation} {target}: resuming needs a readable, seekable destination to re-hash the {length} bytes it holds");
        destination.Position = 0;
        long left = length;
        while (left > 0)
        {
            int n = await destination.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
            if (n == 0)
                throw new BerthException(ErrorKind.InvalidArgument,
                    $"{target.Operation} {target}: cannot resume at {length}: the destination holds only {length - left} bytes");
            await hasher.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            left -= n;
        }
        destination.Position = length;
    }

    /// <summary>
    /// Where the response body starts relative to what we need: the number of leading bytes to skip.
    /// 206 must start exactly at <paramref name="written"/>; 200 is the whole blob (Range ignored).
    /// </summary>
    private static long BodyStart(RegistryEndpoint ep, HttpResponseMessage response, Descriptor descriptor, long written, RequestTarget target)
    {
        long? length = response.Content.Headers.ContentLength;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            ContentRangeHeaderValue? range = response.Content.Headers.ContentRange;
            if (range is null || !range.HasRange || range.From != written
                || (range.HasLength && range.Length != descriptor.Size)
                || (range.To is long to && to >= descriptor.Size))
                throw new RegistryException(ErrorKind.FailedPrecondition,
                    $"{target.Operation} {target}: asked for bytes {written}- of {descriptor.Size} but the registry sent range \"{range}\"",
                    ep.Name, target.Repository, target.Reference, response.StatusCode);
            if (length is long l && written + l > descriptor.Size)
                throw TooLarge(ep, target, descriptor, written + l);
            return 0;
        }
        if (length is long full && full > descriptor.Size) throw TooLarge(ep, target, descriptor, full);
        return written; // the whole blob: skip what we already have
    }

    private static RegistryException TooLarge(RegistryEndpoint ep, RequestTarget target, Descriptor descriptor, long size) => new(ErrorKind.FailedPrecondition,
        $"{target.Operation} {target}: the registry sent more than the descriptor's {descriptor.Size} bytes{(size > descriptor.Size ? $" ({size})" : "")}",
        ep.Name, target.Repository, target.Reference);

    /// <summary>Copies the body into the destination and hasher, advancing <paramref name="progress"/> (blob bytes written) as it goes.</summary>
    private static async Task CopyBodyAsync(RegistryEndpoint ep, HttpResponseMessage response, Stream destination, DigestingStream hasher,
        byte[] buffer, Descriptor descriptor, StrongBox<long> progress, long skip, RequestTarget target, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(ep.ReadTimeout);
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no data for {ep.ReadTimeout.TotalSeconds:0.#} s");
        }
        await using (body.ConfigureAwait(false))
        {
            while (true)
            {
                idle.CancelAfter(ep.ReadTimeout);
                int n;
                try
                {
                    n = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {ep.ReadTimeout.TotalSeconds:0.#} s after {progress.Value} bytes");
                }
                if (n == 0) return;
                int start = 0;
                if (skip > 0)
                {
                    int drop = (int)Math.Min(skip, n);
                    skip -= drop;
                    start = drop;
                    if (start == n) continue;
                }
                int count = n - start;
                if (progress.Value + count > descriptor.Size) throw TooLarge(ep, target, descriptor, progress.Value + count);
                ReadOnlyMemory<byte> chunk = buffer.AsMemory(start, count);
                try
                {
                    await destination.WriteAsync(chunk, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new DestinationFailedException(e);
                }
                await hasher.WriteAsync(chunk, ct).ConfigureAwait(false);
                progress.Value += count;
            }
        }
    }

    /// <summary>Carries a failure of the caller's destination stream past the retry logic.</summary>
    private sealed class DestinationFailedException(Exception inner) : Exception(inner.Message, inner);
}
