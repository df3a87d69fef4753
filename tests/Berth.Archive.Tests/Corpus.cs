using Berth.Core;

namespace Berth.Archive.Tests;

internal enum Outcome
{
    /// <summary>The whole layer fails with BerthException(InvalidArgument, "layer: ...").</summary>
    Refused,

    /// <summary>The layer applies, and what it wrote stays inside the root (checked by a validator).</summary>
    Contained,
}

/// <summary>
/// Runs one malicious layer in every variant: per-layer overlay extraction into an empty root; a
/// merged-tree apply (WhiteoutMode.Remove) onto the case's own lower layer; the same onto a root that
/// also holds SECURITY-CASES' hostile lower layer (symlinks to "/", far up, and to the victim) —
/// each with openat2 resolution (when the kernel has it) and with the portable openat walk. Every variant
/// asserts that nothing outside the root changed and no probed host path appeared.
/// </summary>
internal static class Corpus
{
    public sealed record Case
    {
        public required Func<Sandbox, byte[]> Layer { get; init; }
        public required Outcome Outcome { get; init; }
        /// <summary>Checks the root after a contained apply.</summary>
        public Action<Sandbox>? Validate { get; init; }
        /// <summary>containerd's "apply": a lower layer written straight to disk before the layer.</summary>
        public Action<Sandbox>? Lower { get; init; }
        /// <summary>Text the refusal message must contain.</summary>
        public string? Reason { get; init; }
        public ErrorKind Kind { get; init; } = ErrorKind.InvalidArgument;
        public LayerApplyOptions Options { get; init; } = LayerApplyOptions.Default;
        /// <summary>Skip the hostile-lower variant (for cases whose expectation depends on an empty tree).</summary>
        public bool EmptyRootOnly { get; init; }
        public WhiteoutMode[] Modes { get; init; } = [WhiteoutMode.Overlay, WhiteoutMode.Remove];
    }

    public static void Run(Case c)
    {
        var variants = new List<(string Name, WhiteoutMode Mode, bool Hostile, bool Openat2)>();
        foreach (bool openat2 in RootFs.Openat2Available ? new[] { true, false } : [false])
        {
            string r = openat2 ? "openat2" : "walk";
            if (c.Modes.Contains(WhiteoutMode.Overlay) && c.Lower is null) variants.Add(($"overlay/empty/{r}", WhiteoutMode.Overlay, false, openat2));
            if (c.Modes.Contains(WhiteoutMode.Remove))
            {
                variants.Add(($"remove/{(c.Lower is null ? "empty" : "lower")}/{r}", WhiteoutMode.Remove, false, openat2));
                if (!c.EmptyRootOnly) variants.Add(($"remove/hostile-lower/{r}", WhiteoutMode.Remove, true, openat2));
            }
        }
        Assert.NotEmpty(variants);
        foreach (var v in variants)
        {
            using var sb = new Sandbox();
            try
            {
                if (v.Hostile) sb.PopulateHostileLower();
                c.Lower?.Invoke(sb);
                byte[] layer = c.Layer(sb);
                sb.TakeSnapshot();
                LayerApplyOptions options = c.Options with { Whiteouts = v.Mode, DisableOpenat2 = !v.Openat2 };
                Exception? error = null;
                try
                {
                    LayerApplier.Apply(new MemoryStream(layer, writable: false), sb.Root, options);
                }
                catch (Exception e)
                {
                    error = e;
                }
                sb.AssertOutsideUntouched();
                if (c.Outcome == Outcome.Refused)
                {
                    Assert.True(error is not null, "expected the layer to be refused, but it applied");
                    BerthException be = Assert.IsType<BerthException>(error, exactMatch: false);
                    Assert.Equal(c.Kind, be.Kind);
                    Assert.StartsWith("layer: ", be.Message);
                    if (c.Reason is not null) Assert.Contains(c.Reason, be.Message);
                }
                else
                {
                    if (error is not null) throw new Xunit.Sdk.XunitException($"expected a contained apply, got {error}");
                    c.Validate?.Invoke(sb);
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException || !e.Message.StartsWith('['))
            {
                throw new Xunit.Sdk.XunitException($"[{v.Name}] {e.Message}");
            }
        }
    }

    // containerd-style validators

    public static void FileValue(Sandbox sb, string path, string content) =>
        Assert.Equal(content, File.ReadAllText(Path.Combine(sb.Root, path)));

    public static void NotExists(Sandbox sb, string path) =>
        Assert.False(T.LExists(Path.Combine(sb.Root, path)), $"{path} exists in the root");

    public static void SameFile(Sandbox sb, string a, string b) =>
        Assert.True(T.SameFileInRoot(sb.Root, a, b), $"{a} and {b} are not the same file inside the root");

    public static void IsSymlink(Sandbox sb, string path, string? target = null)
    {
        var fi = new FileInfo(Path.Combine(sb.Root, path));
        Assert.NotNull(fi.LinkTarget);
        if (target is not null) Assert.Equal(target, fi.LinkTarget);
    }
}
