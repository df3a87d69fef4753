using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Berth.Core;

namespace Berth.Content.Tests;

public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-content-" + Guid.NewGuid().ToString("N"));
    private readonly ContentStore _store;

    public ContentStoreTests() => _store = new ContentStore(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static byte[] Bytes(int n, int seed = 1)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    private string BlobFile(Digest d) => Path.Combine(_root, "content", "blobs", d.Algorithm, d.Encoded);
    private string IngestsDir => Path.Combine(_root, "content", "ingest");
    private string[] BlobFiles() => Directory.GetFiles(Path.Combine(_root, "content", "blobs"), "*", SearchOption.AllDirectories);

    private static BerthException Kind(ErrorKind kind, Action a)
    {
        var e = Assert.Throws<BerthException>(a);
        Assert.Equal(kind, e.Kind);
        return e;
    }

    // ---- ingest, commit, read ----

    [Fact]
    public void Ingest_commit_read()
    {
        byte[] data = Bytes(300_000);
        Digest d = Digest.Sha256(data);
        using (IngestWriter w = _store.OpenIngest("layer-1", d, data.Length))
        {
            Assert.Equal(0, w.Offset);
            w.Write(data.AsSpan(0, 1000));
            w.Write(data.AsSpan(1000));
            Assert.False(_store.Exists(d));          // nothing visible before commit
            Assert.Empty(BlobFiles());
            Assert.True(w.Commit());
        }
        Assert.True(_store.Exists(d));
        Assert.Equal(data.Length, _store.SizeOf(d));
        using (Stream s = _store.OpenRead(d))
        {
            var ms = new MemoryStream();
            s.CopyTo(ms);
            Assert.Equal(data, ms.ToArray());
        }
        Assert.Equal(BlobFile(d), _store.BlobPath(d));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(BlobFile(d)));
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));   // the ingest is gone
        Assert.True(_store.Verify(d));
        Assert.Equal([(d, (long)data.Length)], _store.List().ToArray());
    }

    [Fact]
    public async Task Ingest_async_and_CopyFrom()
    {
        byte[] data = Bytes(1 << 20, 2);
        Digest d = Digest.Sha256(data);
        await using (IngestWriter w = _store.OpenIngest("k", d, data.Length))
        {
            await w.WriteAsync(data.AsMemory(0, 10));
            await w.CopyFromAsync(new MemoryStream(data, 10, data.Length - 10));
            Assert.True(w.Commit());
        }
        Assert.True(_store.Verify(d));
    }

    [Fact]
    public void Empty_blob()
    {
        Digest d = Digest.Sha256([]);
        Assert.True(_store.Put(d, []));
        Assert.Equal(0, _store.SizeOf(d));
    }

    [Fact]
    public void Sha512_blobs_live_under_their_algorithm()
    {
        byte[] data = Bytes(1000);
        Digest d = Digest.FromHash("sha512", SHA512.HashData(data));
        Assert.True(_store.Put(d, data));
        Assert.True(File.Exists(Path.Combine(_root, "content", "blobs", "sha512", d.Encoded)));
        Assert.Contains((d, 1000L), _store.List());
        Assert.True(_store.Verify(d));
    }

    [Fact]
    public void Missing_content_is_NotFound()
    {
        Digest d = Digest.Sha256("nope"u8);
        Assert.False(_store.Exists(d));
        Assert.Null(_store.SizeOf(d));
        Assert.Equal($"content {d}: not found", Kind(ErrorKind.NotFound, () => _store.OpenRead(d)).Message);
        Kind(ErrorKind.NotFound, () => _store.Delete(d));
        Kind(ErrorKind.NotFound, () => _store.ReadAllBytes(d, 100));
    }

    // ---- verification ----

    [Fact]
    public void Digest_mismatch_discards_the_ingest()
    {
        byte[] data = Bytes(5000);
        Digest claimed = Digest.Sha256("something else"u8);
        IngestWriter w = _store.OpenIngest("bad", claimed, data.Length);
        w.Write(data);
        var e = Kind(ErrorKind.FailedPrecondition, () => w.Commit());
        Assert.Equal($"unexpected commit digest {Digest.Sha256(data)}, expected {claimed}", e.Message);
        w.Dispose();
        Assert.False(_store.Exists(claimed));
        Assert.False(_store.Exists(Digest.Sha256(data)));
        Assert.Empty(BlobFiles());
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
        // the key is free again and starts from zero
        using IngestWriter again = _store.OpenIngest("bad", claimed, data.Length);
        Assert.Equal(0, again.Offset);
    }

    [Fact]
    public void Short_commit_fails_and_keeps_the_ingest()
    {
        byte[] data = Bytes(10);
        Digest d = Digest.Sha256(data);
        using IngestWriter w = _store.OpenIngest("short", d, data.Length);
        w.Write(data.AsSpan(0, 5));
        Assert.Equal("unexpected commit size 5, expected 10", Kind(ErrorKind.FailedPrecondition, () => w.Commit()).Message);
        Assert.False(_store.Exists(d));
        w.Write(data.AsSpan(5));
        Assert.True(w.Commit());
        Assert.True(_store.Verify(d));
    }

    // SECURITY-CASES 3B.12: at most the declared size is accepted.
    [Fact]
    public void Writing_past_the_declared_size_is_refused()
    {
        byte[] data = Bytes(100);
        Digest d = Digest.Sha256(data);
        using IngestWriter w = _store.OpenIngest("long", d, data.Length);
        w.Write(data.AsSpan(0, 60));
        Assert.Equal("content exceeds its declared size 100", Kind(ErrorKind.InvalidArgument, () => w.Write(new byte[41])).Message);
        Assert.Equal(60, w.Offset);
        Assert.Equal(60, new FileInfo(Path.Combine(_store.IngestPath("long"), "data")).Length);
        w.Write(data.AsSpan(60));
        Assert.True(w.Commit());
    }

    [Fact]
    public async Task CopyFrom_an_overlong_stream_stops_at_the_declared_size()
    {
        byte[] data = Bytes(100_000);
        Digest d = Digest.Sha256(data.AsSpan(0, 1000));
        await using IngestWriter w = _store.OpenIngest("endless", d, 1000);
        var e = await Assert.ThrowsAsync<BerthException>(() => w.CopyFromAsync(new MemoryStream(data)));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(w.Offset <= 1000);
        w.Abort();
        Assert.Empty(BlobFiles());
    }

    [Fact]
    public void Negative_size_and_bad_keys_are_rejected()
    {
        Digest d = Digest.Sha256("x"u8);
        Assert.Equal($"invalid expected size -1 for {d}", Kind(ErrorKind.InvalidArgument, () => _store.OpenIngest("k", d, -1)).Message);
        Kind(ErrorKind.InvalidArgument, () => _store.OpenIngest("", d, 1));
        Kind(ErrorKind.InvalidArgument, () => _store.OpenIngest("a\nb", d, 1));
        Kind(ErrorKind.InvalidArgument, () => _store.OpenIngest(new string('k', 1025), d, 1));
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
    }

    // SECURITY-CASES 3B.10: a digest is validated before it becomes a path.
    [Theory]
    [InlineData("sha256", "../../../../etc/passwd")]
    [InlineData("sha256", "../../../escape")]
    [InlineData("sha256", "")]
    [InlineData("sha256", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85")]
    [InlineData("../sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("md5", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData(null, null)]
    public void Malformed_digests_never_become_paths(string? algorithm, string? encoded)
    {
        var d = new Digest(algorithm!, encoded!);
        Kind(ErrorKind.InvalidArgument, () => _store.Exists(d));
        Kind(ErrorKind.InvalidArgument, () => _store.SizeOf(d));
        Kind(ErrorKind.InvalidArgument, () => _store.OpenRead(d));
        Kind(ErrorKind.InvalidArgument, () => _store.Delete(d));
        Kind(ErrorKind.InvalidArgument, () => _store.OpenIngest("k", d, 0));
        Kind(ErrorKind.InvalidArgument, () => _store.Put(d, []));
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
        Assert.Equal(["content"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void Already_stored_content_is_not_an_error()
    {
        byte[] data = Bytes(1234);
        Digest d = Digest.Sha256(data);
        Assert.True(_store.Put(d, data));
        using (IngestWriter w = _store.OpenIngest("second", d, data.Length))
        {
            w.Write(data);
            Assert.False(w.Commit());
        }
        Assert.False(_store.Put(d, data));
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
        Assert.True(_store.Verify(d));
    }

    [Fact]
    public void Abort_discards()
    {
        byte[] data = Bytes(100);
        Digest d = Digest.Sha256(data);
        IngestWriter w = _store.OpenIngest("abort", d, data.Length);
        w.Write(data.AsSpan(0, 50));
        w.Abort();
        w.Dispose();
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
        Assert.Throws<InvalidOperationException>(() => w.Write(data));
        using IngestWriter again = _store.OpenIngest("abort", d, data.Length);
        Assert.Equal(0, again.Offset);
    }

    // ---- resume ----

    [Fact]
    public void Dispose_keeps_partial_data_and_reopen_resumes()
    {
        byte[] data = Bytes(200_000);
        Digest d = Digest.Sha256(data);
        using (IngestWriter w = _store.OpenIngest("resume", d, data.Length))
        {
            w.Write(data.AsSpan(0, 123_457));
        }
        Assert.Contains(_store.ListIngests(), s => s.Key == "resume" && s.Offset == 123_457 && s.Total == data.Length && s.Expected == d);
        using (IngestWriter w = _store.OpenIngest("resume", d, data.Length))
        {
            Assert.Equal(123_457, w.Offset);
            w.Write(data.AsSpan((int)w.Offset));
            Assert.True(w.Commit());   // the partial hash was rebuilt from disk, so the digest still verifies
        }
        Assert.True(_store.Verify(d));
    }

    /// <summary>What a writer killed mid-ingest leaves behind: meta, partial data, and an unlocked lock file (or none).</summary>
    private void WriteCrashedIngest(string key, Digest expected, long total, ReadOnlySpan<byte> partial, bool withLockFile)
    {
        string dir = _store.IngestPath(key);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "meta"), $"{key}\n{expected}\n{total}\n");
        File.WriteAllBytes(Path.Combine(dir, "data"), partial.ToArray());
        if (withLockFile) File.WriteAllBytes(Path.Combine(dir, "lock"), []);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_crashed_ingest_resumes_at_its_offset_and_still_verifies(bool withLockFile)
    {
        byte[] data = Bytes(70_000);
        Digest d = Digest.Sha256(data);
        WriteCrashedIngest("crashed", d, data.Length, data.AsSpan(0, 40_000), withLockFile);
        Assert.Empty(BlobFiles());
        using IngestWriter w = _store.OpenIngest("crashed", d, data.Length);
        Assert.Equal(40_000, w.Offset);
        w.Write(data.AsSpan(40_000));
        Assert.True(w.Commit());
        Assert.True(_store.Verify(d));
    }

    [Fact]
    public void A_crashed_ingest_with_corrupt_bytes_fails_verification()
    {
        byte[] data = Bytes(70_000);
        Digest d = Digest.Sha256(data);
        byte[] corrupt = data[..40_000];
        corrupt[17] ^= 0xff;   // e.g. a torn write
        WriteCrashedIngest("torn", d, data.Length, corrupt, withLockFile: true);
        using IngestWriter w = _store.OpenIngest("torn", d, data.Length);
        Assert.Equal(40_000, w.Offset);
        w.Write(data.AsSpan(40_000));
        Kind(ErrorKind.FailedPrecondition, () => w.Commit());
        Assert.Empty(BlobFiles());
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
    }

    [Fact]
    public void A_crashed_ingest_with_too_much_data_restarts()
    {
        byte[] data = Bytes(100);
        Digest d = Digest.Sha256(data);
        WriteCrashedIngest("big", d, data.Length, Bytes(150), withLockFile: true);
        using IngestWriter w = _store.OpenIngest("big", d, data.Length);
        Assert.Equal(0, w.Offset);
        w.Write(data);
        Assert.True(w.Commit());
    }

    [Fact]
    public void Reopening_for_different_content_restarts()
    {
        byte[] a = Bytes(100, 1), b = Bytes(100, 2);
        using (IngestWriter w = _store.OpenIngest("reused", Digest.Sha256(a), a.Length)) w.Write(a.AsSpan(0, 50));
        using (IngestWriter w = _store.OpenIngest("reused", Digest.Sha256(b), b.Length))
        {
            Assert.Equal(0, w.Offset);
            w.Write(b);
            Assert.True(w.Commit());
        }
        Assert.True(_store.Verify(Digest.Sha256(b)));
        Assert.False(_store.Exists(Digest.Sha256(a)));
    }

    [Fact]
    public void A_crash_between_chmod_and_link_is_recovered()
    {
        byte[] data = Bytes(500);
        Digest d = Digest.Sha256(data);
        WriteCrashedIngest("late", d, data.Length, data, withLockFile: true);
        File.SetUnixFileMode(Path.Combine(_store.IngestPath("late"), "data"), UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using IngestWriter w = _store.OpenIngest("late", d, data.Length);
        Assert.Equal(data.Length, w.Offset);
        Assert.True(w.Commit());
        Assert.True(_store.Verify(d));
    }

    [Fact]
    public void A_crash_between_link_and_cleanup_is_recovered()
    {
        byte[] data = Bytes(500);
        Digest d = Digest.Sha256(data);
        Assert.True(_store.Put(d, data));
        WriteCrashedIngest("linked", d, data.Length, data, withLockFile: true);
        using IngestWriter w = _store.OpenIngest("linked", d, data.Length);
        Assert.Equal(data.Length, w.Offset);
        Assert.False(w.Commit());
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
    }

    // ---- locking ----

    [Fact]
    public void Same_key_is_locked_until_released()
    {
        Digest d = Digest.Sha256("abc"u8);
        IngestWriter first = _store.OpenIngest("same", d, 3);
        first.Write("ab"u8);
        var e = Kind(ErrorKind.Unavailable, () => _store.OpenIngest("same", d, 3));
        Assert.Equal("ingest \"same\" is locked by another writer", e.Message);
        using (IngestWriter other = _store.OpenIngest("other-key", d, 3)) { }   // a different key is independent
        first.Dispose();
        using IngestWriter second = _store.OpenIngest("same", d, 3);
        Assert.Equal(2, second.Offset);
        second.Write("c"u8);
        Assert.True(second.Commit());
    }

    [Fact]
    public void The_lock_is_a_flock_seen_across_processes_and_dies_with_its_holder()
    {
        Digest d = Digest.Sha256("abc"u8);
        string dir = _store.IngestPath("xproc");
        Directory.CreateDirectory(dir);
        string lockFile = Path.Combine(dir, "lock");
        // One process that takes the lock with flock(1) on fd 9 and then becomes `sleep` still holding it,
        // so killing that one pid is exactly "the holder died".
        using var holder = Process.Start(new ProcessStartInfo("sh", ["-c", "exec 9>\"$1\" && flock -x 9 && exec sleep 60", "sh", lockFile]) { UseShellExecute = false })!;
        try
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using IngestWriter w = _store.OpenIngest("xproc", d, 3);
                    Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "flock(1) never took the lock");
                    Thread.Sleep(20);   // flock(1) has not locked yet
                }
                catch (BerthException e) when (e.Kind == ErrorKind.Unavailable)
                {
                    break;   // another process holds it: we are refused
                }
            }
            holder.Kill();
            holder.WaitForExit();
            using IngestWriter after = _store.OpenIngest("xproc", d, 3);   // the kernel dropped the dead holder's lock
            after.Write("abc"u8);
            Assert.True(after.Commit());
        }
        finally
        {
            if (!holder.HasExited) holder.Kill();
        }
    }

    [Fact]
    public async Task Different_keys_ingest_concurrently()
    {
        byte[] a = Bytes(4 << 20, 1), b = Bytes(4 << 20, 2);
        IngestWriter wa = _store.OpenIngest("a", Digest.Sha256(a), a.Length);
        IngestWriter wb = _store.OpenIngest("b", Digest.Sha256(b), b.Length);
        async Task Feed(IngestWriter w, byte[] data)
        {
            for (int off = 0; off < data.Length; off += 64 << 10)
            {
                await w.WriteAsync(data.AsMemory(off, Math.Min(64 << 10, data.Length - off)));
                await Task.Yield();
            }
            Assert.True(w.Commit());
            w.Dispose();
        }
        await Task.WhenAll(Task.Run(() => Feed(wa, a)), Task.Run(() => Feed(wb, b)));
        Assert.True(_store.Verify(Digest.Sha256(a)));
        Assert.True(_store.Verify(Digest.Sha256(b)));
    }

    [Fact]
    public void Contending_writers_of_one_key_never_overlap()
    {
        // Writers race to open, write some, then commit, abort or walk away; commit and abort delete the
        // lock file itself, which is where a naive lock would let two writers in at once.
        byte[] data = Bytes(20_000);
        Digest d = Digest.Sha256(data);
        int inside = 0, commits = 0, entries = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var rng = new Random(worker);
            for (int i = 0; i < 300; i++)
            {
                IngestWriter w;
                try { w = _store.OpenIngest("contended", d, data.Length); }
                catch (BerthException e) when (e.Kind == ErrorKind.Unavailable) { continue; }
                catch (Exception e) { errors.Enqueue(e); continue; }
                try
                {
                    if (Interlocked.Increment(ref inside) != 1) errors.Enqueue(new Exception("two writers hold one key"));
                    Interlocked.Increment(ref entries);
                    int n = rng.Next(0, (int)(data.Length - w.Offset) + 1);
                    w.Write(data.AsSpan((int)w.Offset, n));
                    switch (rng.Next(3))
                    {
                        case 0:
                            w.Write(data.AsSpan((int)w.Offset));
                            Interlocked.Decrement(ref inside);
                            w.Commit();
                            Interlocked.Increment(ref commits);
                            break;
                        case 1:
                            Interlocked.Decrement(ref inside);
                            w.Abort();
                            break;
                        default:
                            Interlocked.Decrement(ref inside);
                            break;
                    }
                }
                catch (Exception e) { errors.Enqueue(e); }
                finally { w.Dispose(); }
            }
        });
        Assert.Empty(errors);
        Assert.True(entries > 0);
        Assert.True(commits > 0);
        Assert.True(_store.Verify(d));
    }

    // ---- delete, list, sweep ----

    [Fact]
    public void Delete_and_list()
    {
        var digests = Enumerable.Range(0, 5).Select(i => { byte[] b = Bytes(100 + i, i); Digest d = Digest.Sha256(b); _store.Put(d, b); return d; }).ToList();
        Assert.Equal(digests.OrderBy(x => x.Encoded), _store.List().Select(x => x.Digest).OrderBy(x => x.Encoded));
        _store.Delete(digests[0]);
        Assert.False(_store.Exists(digests[0]));
        Assert.Equal(4, _store.List().Count());
        // stray files that are not digests are not listed
        File.WriteAllText(Path.Combine(_root, "content", "blobs", "sha256", "not-a-digest"), "x");
        Assert.Equal(4, _store.List().Count());
    }

    [Fact]
    public void Sweep_removes_unreachable_blobs_and_stale_ingests()
    {
        byte[] a = Bytes(100, 1), b = Bytes(200, 2), c = Bytes(300, 3);
        Digest da = Digest.Sha256(a), db = Digest.Sha256(b), dc = Digest.Sha256(c);
        _store.Put(da, a);
        _store.Put(db, b);
        _store.Put(dc, c);

        DateTime old = DateTime.UtcNow - TimeSpan.FromHours(48);
        void Age(string key)
        {
            string dir = _store.IngestPath(key);
            foreach (string f in Directory.GetFiles(dir)) File.SetLastWriteTimeUtc(f, old);
            Directory.SetLastWriteTimeUtc(dir, old);
        }
        using (IngestWriter w = _store.OpenIngest("stale", dc, c.Length)) w.Write(c.AsSpan(0, 10));
        Age("stale");
        using (IngestWriter w = _store.OpenIngest("fresh", dc, c.Length)) w.Write(c.AsSpan(0, 10));
        IngestWriter held = _store.OpenIngest("stale-but-held", dc, c.Length);
        held.Write(c.AsSpan(0, 10));
        Age("stale-but-held");

        GcResult r = _store.Sweep(new HashSet<Digest> { da });
        Assert.Equal(new[] { db, dc }.OrderBy(x => x.Encoded), r.RemovedBlobs.OrderBy(x => x.Encoded));
        Assert.Equal(500, r.BytesFreed);
        Assert.Equal(["stale"], r.RemovedIngests);
        Assert.True(_store.Exists(da));
        Assert.False(_store.Exists(db));
        Assert.Equal(["fresh", "stale-but-held"], _store.ListIngests().Select(s => s.Key).Order());

        held.Write(c.AsSpan(10));
        Assert.True(held.Commit());   // the held ingest was untouched
        held.Dispose();
    }

    [Fact]
    public void Sweep_spares_young_blobs_when_asked()
    {
        byte[] a = Bytes(100);
        Digest d = Digest.Sha256(a);
        _store.Put(d, a);
        Assert.Empty(_store.Sweep(new HashSet<Digest>(), minBlobAge: TimeSpan.FromHours(1)).RemovedBlobs);
        Assert.True(_store.Exists(d));
        File.SetLastWriteTimeUtc(BlobFile(d), DateTime.UtcNow - TimeSpan.FromHours(2));
        Assert.Equal([d], _store.Sweep(new HashSet<Digest>(), minBlobAge: TimeSpan.FromHours(1)).RemovedBlobs);
    }

    [Fact]
    public void Sweep_removes_a_stale_ingest_with_no_lock_file()
    {
        byte[] data = Bytes(100);
        WriteCrashedIngest("orphan", Digest.Sha256(data), 100, data.AsSpan(0, 5), withLockFile: false);
        Assert.Equal(["orphan"], _store.Sweep(new HashSet<Digest>(), staleIngestAge: TimeSpan.Zero).RemovedIngests);
        Assert.Empty(Directory.GetFileSystemEntries(IngestsDir));
    }

    // ---- small documents ----

    [Fact]
    public void ReadAllBytes_refuses_oversized_documents()
    {
        byte[] data = Encoding.UTF8.GetBytes("{\"schemaVersion\":2}");
        Digest d = Digest.Sha256(data);
        _store.Put(d, data);
        Assert.Equal(data, _store.ReadAllBytes(d, data.Length));
        Kind(ErrorKind.InvalidArgument, () => _store.ReadAllBytes(d, data.Length - 1));
    }

    [Fact]
    public void Verify_detects_corruption_on_disk()
    {
        byte[] data = Bytes(1000);
        Digest d = Digest.Sha256(data);
        _store.Put(d, data);
        string path = BlobFile(d);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write)) fs.WriteByte((byte)(data[0] ^ 1));
        Assert.False(_store.Verify(d));
    }
}
