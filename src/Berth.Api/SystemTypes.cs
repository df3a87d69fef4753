using System.Text.Json.Serialization;

namespace Berth.Api;

// Docker Engine API wire types: property names exactly as moby's Go JSON tags.

public sealed class ErrorResponse
{
    [JsonPropertyName("message")] public string Message { get; set; } = "";
}

public sealed class ComponentVersion
{
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    public Dictionary<string, string>? Details { get; set; }
}

public sealed class VersionResponse
{
    public PlatformInfo Platform { get; set; } = new();
    public List<ComponentVersion> Components { get; set; } = [];
    public string Version { get; set; } = "";
    public string ApiVersion { get; set; } = "";
    public string MinAPIVersion { get; set; } = "";
    public string GitCommit { get; set; } = "";
    public string GoVersion { get; set; } = "";
    public string Os { get; set; } = "linux";
    public string Arch { get; set; } = "amd64";
    public string KernelVersion { get; set; } = "";
    public bool Experimental { get; set; }
    public string BuildTime { get; set; } = "";
}

public sealed class PlatformInfo
{
    public string Name { get; set; } = "";
}

public sealed class SwarmInfo
{
    public string NodeID { get; set; } = "";
    public string NodeAddr { get; set; } = "";
    public string LocalNodeState { get; set; } = "inactive";
    public bool ControlAvailable { get; set; }
    public string Error { get; set; } = "";
}

public sealed class CommitInfo
{
    public string ID { get; set; } = "";
}

public sealed class RuntimeInfo
{
    [JsonPropertyName("path")] public string Path { get; set; } = "";
}

public sealed class InfoResponse
{
    public string ID { get; set; } = "";
    public int Containers { get; set; }
    public int ContainersRunning { get; set; }
    public int ContainersPaused { get; set; }
    public int ContainersStopped { get; set; }
    public int Images { get; set; }
    public string Driver { get; set; } = "overlay";
    public List<string[]> DriverStatus { get; set; } = [];
    /// <summary>Only what berthd really provides so far.</summary>
    public Dictionary<string, List<string>?> Plugins { get; set; } = new()
    {
        ["Volume"] = [], ["Network"] = [], ["Authorization"] = null, ["Log"] = [],
    };
    public bool MemoryLimit { get; set; } = true;
    public bool SwapLimit { get; set; }
    public bool CpuCfsPeriod { get; set; } = true;
    public bool CpuCfsQuota { get; set; } = true;
    public bool CPUShares { get; set; } = true;
    public bool CPUSet { get; set; } = true;
    public bool PidsLimit { get; set; } = true;
    public bool IPv4Forwarding { get; set; } = true;
    public bool Debug { get; set; }
    public int NFd { get; set; }
    public int NGoroutines { get; set; }
    public string SystemTime { get; set; } = "";
    public string LoggingDriver { get; set; } = "json-file";
    public string CgroupDriver { get; set; } = "cgroupfs";
    public string CgroupVersion { get; set; } = "1";
    public int NEventsListener { get; set; }
    public string KernelVersion { get; set; } = "";
    public string OperatingSystem { get; set; } = "";
    public string OSVersion { get; set; } = "";
    public string OSType { get; set; } = "linux";
    public string Architecture { get; set; } = "x86_64";
    public string IndexServerAddress { get; set; } = "https://index.docker.io/v1/";
    public int NCPU { get; set; }
    public long MemTotal { get; set; }
    public string DockerRootDir { get; set; } = "";
    public string Name { get; set; } = "";
    public List<string> Labels { get; set; } = [];
    public bool ExperimentalBuild { get; set; }
    public string ServerVersion { get; set; } = ApiVersions.EngineVersion;
    public Dictionary<string, RuntimeInfo> Runtimes { get; set; } = [];
    public string DefaultRuntime { get; set; } = "berth-runtime";
    public SwarmInfo Swarm { get; set; } = new();
    public bool LiveRestoreEnabled { get; set; }
    public string Isolation { get; set; } = "";
    public string InitBinary { get; set; } = "";
    public CommitInfo ContainerdCommit { get; set; } = new();
    public CommitInfo RuncCommit { get; set; } = new();
    public CommitInfo InitCommit { get; set; } = new();
    public List<string> SecurityOptions { get; set; } = ["name=seccomp,profile=builtin"];
    public List<string> Warnings { get; set; } = [];
}
