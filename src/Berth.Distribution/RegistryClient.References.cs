using Berth.Core;
using Berth.Images;
using Berth.Oci.Image;

namespace Berth.Distribution;

/// <summary>Overloads taking an <see cref="ImageReference"/> (as users write them) instead of (registry, repository, reference).</summary>
public sealed partial class RegistryClient
{
    /// <summary>
    /// Resolves a parsed reference; the digest wins over the tag when both are given, and a name-only
    /// reference means <c>:latest</c>.
    /// </summary>
    public Task<ResolvedImage> ResolveAsync(ImageReference reference, Platform? platform = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return ResolveAsync(RegistryOf(reference), reference.Path, TagOrDigest(reference), platform, cancellationToken);
    }

    public Task FetchBlobAsync(ImageReference repository, Descriptor descriptor, Stream destination, long resumeOffset = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return FetchBlobAsync(RegistryOf(repository), repository.Path, descriptor, destination, resumeOffset, cancellationToken);
    }

    public Task<IReadOnlyList<string>> ListTagsAsync(ImageReference repository, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return ListTagsAsync(RegistryOf(repository), repository.Path, cancellationToken);
    }

    /// <summary>The tag or digest to ask the registry for.</summary>
    public static string TagOrDigest(ImageReference reference)
        => reference.Digest?.ToString() ?? reference.Tag ?? ImageReference.DefaultTag;

    private static string RegistryOf(ImageReference reference)
        => reference.Domain.Length > 0 ? reference.Domain
            : throw new BerthException(ErrorKind.InvalidArgument, $"reference \"{reference}\" names no registry; normalize it first");
}
