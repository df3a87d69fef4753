using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Berth.Api;

/// <summary>/_ping, /version and /info: what every client asks first.</summary>
public static class SystemEndpoints
{
    public static void MapSystem(this IEndpointRouteBuilder app, DaemonInfo daemon)
    {
        app.MapMethods("/_ping", ["GET", "HEAD"], (HttpContext http) =>
        {
            var h = http.Response.Headers;
            h.CacheControl = "no-cache, no-store, must-revalidate";
            h.Pragma = "no-cache";
            h["Swarm"] = "inactive";
            http.Response.ContentType = "text/plain; charset=utf-8";
            if (HttpMethods.IsHead(http.Request.Method))
            {
                http.Response.ContentLength = 0;
                return Task.CompletedTask;
            }
            return http.Response.WriteAsync("OK");
        });

        app.MapGet("/version", (HttpContext http) =>
        {
            var details = new Dictionary<string, string>
            {
                ["ApiVersion"] = ApiVersions.Current, ["MinAPIVersion"] = ApiVersions.Minimum, ["GitCommit"] = "",
                ["GoVersion"] = $".NET {Environment.Version}", ["Os"] = "linux", ["Arch"] = "amd64",
                ["BuildTime"] = "", ["KernelVersion"] = HostFacts.KernelVersion, ["Experimental"] = "false",
            };
            return http.WriteJson(new VersionResponse
            {
                Platform = new PlatformInfo { Name = "Berth" },
                Components = [new ComponentVersion { Name = "Engine", Version = ApiVersions.EngineVersion, Details = details }],
                Version = ApiVersions.EngineVersion,
                ApiVersion = ApiVersions.Current,
                MinAPIVersion = ApiVersions.Minimum,
                GoVersion = details["GoVersion"],
                KernelVersion = HostFacts.KernelVersion,
            }, ApiJsonContext.Default.VersionResponse);
        });

        app.MapGet("/info", (HttpContext http) => http.WriteJson(new InfoResponse
        {
            ID = daemon.Id,
            Images = daemon.ImageCount(),
            Driver = daemon.StorageDriver(),
            DriverStatus = daemon.StorageDriverStatus(),
            KernelVersion = HostFacts.KernelVersion,
            OperatingSystem = HostFacts.OperatingSystem,
            NCPU = Environment.ProcessorCount,
            MemTotal = HostFacts.MemTotal,
            DockerRootDir = daemon.Root,
            Name = Environment.MachineName,
            SystemTime = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffK", CultureInfo.InvariantCulture),
            CgroupVersion = HostFacts.CgroupVersion,
            Runtimes = new() { ["berth-runtime"] = new RuntimeInfo { Path = daemon.RuntimePath } },
        }, ApiJsonContext.Default.InfoResponse));
    }
}

/// <summary>What the daemon tells /info about itself; counts come from the engine.</summary>
public sealed class DaemonInfo
{
    public required string Id { get; init; }
    public required string Root { get; init; }
    public required string RuntimePath { get; init; }
    public Func<int> ImageCount { get; init; } = () => 0;

    /// <summary>docker info's "Storage Driver".</summary>
    public Func<string> StorageDriver { get; init; } = () => "overlay";

    /// <summary>The lines docker info prints under the storage driver, as [name, value] pairs.</summary>
    public Func<List<string[]>> StorageDriverStatus { get; init; } = () => [];
}

/// <summary>Facts about the host, read once.</summary>
public static class HostFacts
{
    public static readonly string KernelVersion = ReadOr("/proc/sys/kernel/osrelease", "unknown");

    public static readonly string OperatingSystem =
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "Linux"
            : "Linux";

    public static readonly long MemTotal = ReadMemTotal();

    /// <summary>"2" when /sys/fs/cgroup is cgroup2 (cgroup.controllers at its root), else "1".</summary>
    public static readonly string CgroupVersion = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1";

    private static string ReadOr(string path, string fallback)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return fallback; }
    }

    private static long ReadMemTotal()
    {
        string? line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        return line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out long kb) ? kb * 1024 : 0;
    }
}
