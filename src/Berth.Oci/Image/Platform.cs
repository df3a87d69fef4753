using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using Berth.Core;

namespace Berth.Oci.Image;

/// <summary>The platform an image targets, as an index entry describes it (OCI image-spec "platform").</summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")]
    public string Architecture { get; init; } = "";

    [JsonPropertyName("os")]
    public string Os { get; init; } = "";

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    public Platform() { }

    public Platform(string os, string architecture, string? variant = null)
    {
        Os = os;
        Architecture = architecture;
        Variant = variant;
    }

    /// <summary>The platform of this process: what an image must be built for to run here.</summary>
    public static Platform Current { get; } = new("linux", RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "loong64",
        var other => other.ToString().ToLowerInvariant(),
    }, RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm ? "v7" : null);

    /// <summary>Parses <c>os/arch[/variant]</c> (e.g. <c>linux/arm64/v8</c>); a bare <c>arch</c> means linux.</summary>
    public static Platform Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        string[] parts = s.Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid platform \"{s}\": expected os/arch[/variant]");
        return parts.Length switch
        {
            1 => new Platform("linux", parts[0]).Normalize(),
            2 => new Platform(parts[0], parts[1]).Normalize(),
            _ => new Platform(parts[0], parts[1], parts[2]).Normalize(),
        };
    }

    /// <summary>
    /// Canonical spelling: lower case, architecture aliases folded (x86_64 → amd64, aarch64 → arm64),
    /// and each architecture's default variant written the one way (arm64 "v8" and amd64 "v1" → none; arm → "v7").
    /// </summary>
    public Platform Normalize()
    {
        string os = Os.ToLowerInvariant();
        string arch = Architecture.ToLowerInvariant();
        string? variant = string.IsNullOrEmpty(Variant) ? null : Variant.ToLowerInvariant();
        switch (arch)
        {
            case "x86_64" or "x86-64" or "amd64":
                arch = "amd64";
                if (variant == "v1") variant = null;
                break;
            case "aarch64" or "arm64":
                arch = "arm64";
                if (variant is "v8" or "8") variant = null;
                break;
            case "armhf":
                arch = "arm";
                variant = "v7";
                break;
            case "armel":
                arch = "arm";
                variant = "v6";
                break;
            case "arm":
                variant = variant switch { null or "7" => "v7", "5" => "v5", "6" => "v6", "8" => "v8", _ => variant };
                break;
            case "i386" or "i686" or "x86":
                arch = "386";
                break;
        }
        return this with { Os = os, Architecture = arch, Variant = variant };
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}

/// <summary>Chooses the manifest for a platform from an index.</summary>
public static class PlatformMatcher
{
    /// <summary>
    /// The index entry that best fits <paramref name="wanted"/>: same OS and architecture, and the
    /// requested variant or the nearest older one the platform can also run (arm v7 runs v6 and v5;
    /// amd64 v3 runs v2 and v1). Entries without a platform, or that are not manifests or indexes
    /// (attestations, artifacts), are skipped. Ties go to the earlier entry. Null when nothing fits.
    /// </summary>
    public static Descriptor? Choose(IReadOnlyList<Descriptor> manifests, Platform wanted)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        ArgumentNullException.ThrowIfNull(wanted);
        Platform want = wanted.Normalize();
        Descriptor? best = null;
        int bestRank = int.MaxValue;
        foreach (Descriptor d in manifests)
        {
            if (d.Platform is null) continue;
            if (!MediaTypes.IsManifest(d.MediaType) && !MediaTypes.IsIndex(d.MediaType)) continue;
            int rank = Rank(d.Platform.Normalize(), want);
            if (rank >= 0 && rank < bestRank)
            {
                best = d;
                bestRank = rank;
            }
        }
        return best;
    }

    /// <summary>0 for an exact fit, larger for a less exact fit, -1 for no fit.</summary>
    internal static int Rank(Platform candidate, Platform want)
    {
        if (candidate.Os != want.Os || candidate.Architecture != want.Architecture) return -1;
        if (candidate.Variant == want.Variant) return 0;
        // Only the architectures whose variants form a compatible series fall back.
        (int min, int defaultLevel) = want.Architecture switch
        {
            "arm" => (5, 7),
            "amd64" => (1, 1),
            "arm64" => (8, 8),
            _ => (-1, -1),
        };
        if (min < 0) return -1;
        int wantLevel = Level(want.Variant, defaultLevel);
        int haveLevel = Level(candidate.Variant, defaultLevel);
        if (wantLevel < 0 || haveLevel < 0 || haveLevel > wantLevel || haveLevel < min) return -1;
        return wantLevel - haveLevel;
    }

    private static int Level(string? variant, int defaultLevel)
    {
        if (variant is null) return defaultLevel;
        if (variant.Length >= 2 && variant[0] == 'v' && int.TryParse(variant.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
            return n;
        return -1;
    }
}
