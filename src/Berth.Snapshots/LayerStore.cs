using System.Text;
using Berth.Archive;
using Berth.Core;

namespace Berth.Snapshots;

/// <summary>
/// Image layers unpacked once each, shared by every image that has them: &lt;root&gt;/&lt;chain id&gt;/fs.
/// A layer's directory is keyed by its chain id (its diff id combined with all its parents'), so the same
/// layer on a different base is a different directory, as overlay needs. Unpacking happens in a temp
/// directory that becomes visible by rename only after the diff id is verified.
/// </summary>
public sealed class LayerStore
{
    private const string TempPrefix = ".tmp-";

    /// <summary>
    /// Overlay accepts at most 500 lower layers; docker load refuses images of more than 125, and a chain longer
    /// than this can only be a loop or a corrupted store.
    /// </summary>
    public const int MaxLayers = 500;

    private readonly string _root;

    /// <summary>The snapshots directory: layers by chain id, writable snapshots under active/ (<see cref="Snapshotter"/>).</summary>
    public string Root => _root;

    public LayerStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>OCI image-spec: chainID(L1) = diffID(L1); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)).</summary>
    public static Digest ChainId(Digest? parentChain, Digest diffId) =>
        parentChain is { } p ? Digest.Sha256(Encoding.ASCII.GetBytes($"{p} {diffId}")) : diffId;

    /// <summary>Chain ids of every layer of an image, bottom first.</summary>
    public static IReadOnlyList<Digest> ChainIds(IEnumerable<Digest> diffIds)
    {
        var result = new List<Digest>();
        Digest? parent = null;
        foreach (var diff in diffIds)
        {
            parent = ChainId(parent, diff);
            result.Add(parent.Value);
        }
        return result;
    }

    public string DirOf(Digest chainId) => Path.Combine(_root, chainId.Encoded);

    /// <summary>The layer's files: one lowerdir of an overlay.</summary>
    public string FsOf(Digest chainId) => Path.Combine(DirOf(chainId), "fs");

    public bool Has(Digest chainId) => Directory.Exists(FsOf(chainId));

    /// <summary>
    /// Unpacks a (possibly compressed) layer on top of <paramref name="parentChain"/>, verifies its diff id and
    /// publishes it. Returns the chain id. An existing identical layer is kept and the new copy discarded.
    /// </summary>
    public Digest Unpack(Digest? parentChain, Digest expectedDiffId, Stream layer, LayerApplyOptions? options = null, CancellationToken ct = default)
    {
        Digest chain = ChainId(parentChain, expectedDiffId);
        if (Has(chain)) return chain;
        if (parentChain is { } p && !Has(p)) throw new BerthException(ErrorKind.FailedPrecondition, $"parent layer {p} is not unpacked");
        string tmp = Path.Combine(_root, TempPrefix + Guid.NewGuid().ToString("N"));
        string fs = Path.Combine(tmp, "fs");
        Directory.CreateDirectory(fs);
        try
        {
            var result = LayerApplier.Apply(layer, fs, options ?? LayerApplyOptions.Default, ct);
            if (result.DiffId != expectedDiffId.ToString())
                throw new BerthException(ErrorKind.InvalidArgument, $"layer diff id is {result.DiffId}, the image config says {expectedDiffId}");
            if (parentChain is { } parent) File.WriteAllText(Path.Combine(tmp, "parent"), parent.ToString());
            try { Directory.Move(tmp, DirOf(chain)); }
            catch (IOException) when (Has(chain)) { } // a concurrent unpack of the same layer won
            return chain;
        }
        finally
        {
            if (Directory.Exists(tmp)) Delete(tmp);
        }
    }

    public Digest? ParentOf(Digest chainId)
    {
        string path = Path.Combine(DirOf(chainId), "parent");
        return File.Exists(path) ? Digest.Parse(File.ReadAllText(path).Trim()) : null;
    }

    /// <summary>Unpacked layers; other directories here (active/, temp directories) are not layers.</summary>
    public IEnumerable<Digest> List() => Directory.EnumerateDirectories(_root)
        .Select(Path.GetFileName)
        .Where(n => n is { Length: 64 } && n.All(char.IsAsciiHexDigitLower))
        .Select(n => new Digest(Digest.Sha256Algorithm, n!));

    /// <summary>Removes a layer no image uses any more (the caller's garbage collector decides).</summary>
    public void Remove(Digest chainId)
    {
        string dir = DirOf(chainId);
        if (!Directory.Exists(dir)) return;
        // Hide it first (rename is atomic), then delete at leisure: a crash leaves only a temp dir.
        string doomed = Path.Combine(_root, TempPrefix + "rm-" + chainId.Encoded);
        Directory.Move(dir, doomed);
        Delete(doomed);
    }

    /// <summary>Temp directories left by a crash (unpacks, removals, overlay trial mounts): removed at start-up.</summary>
    public void RemoveLeftovers() => ActiveSnapshots.RemoveLeftovers(_root);

    /// <summary>Deletes a tree that may hold read-only directories from images, never following its symlinks.</summary>
    private static void Delete(string dir) => ActiveSnapshots.Delete(dir);
}
