namespace Berth.Api;

/// <summary>What berthd advertises: API 1.44 (what docker CLI 29 and Testcontainers need), down to 1.24.</summary>
public static class ApiVersions
{
    public const string Current = "1.44";
    public const string Minimum = "1.24";
    public const string EngineVersion = "0.1.0";

    /// <summary>Versions below the minimum are refused (400), as Docker does; newer ones are served, as Podman does.</summary>
    public static bool IsTooOld(string version) =>
        Version.TryParse(version, out var v) && v < Version.Parse(Minimum);
}
