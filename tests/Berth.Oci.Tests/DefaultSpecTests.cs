using System.Text.Json;

namespace Berth.Oci.Tests;

public sealed class DefaultSpecTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("berth-bundle-").FullName;

    public DefaultSpecTests() => Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    [Fact]
    public void Rootful_Validates() => SpecValidator.Validate(DefaultSpec.Create(rootless: false), _bundle);

    [Fact]
    public void Rootless_Validates() => SpecValidator.Validate(DefaultSpec.Create(rootless: true), _bundle);

    [Fact]
    public void Rootful_SerializesRuncsTemplate()
    {
        using JsonDocument doc = JsonDocument.Parse(OciJson.WriteIndented(DefaultSpec.Create(rootless: false)));
        JsonElement root = doc.RootElement;

        Assert.Equal(["ociVersion", "process", "root", "hostname", "mounts", "linux"], Keys(root));
        Assert.Equal("1.2.0", root.GetProperty("ociVersion").GetString());
        Assert.Equal("berth", root.GetProperty("hostname").GetString());

        JsonElement process = root.GetProperty("process");
        Assert.Equal(["terminal", "user", "args", "env", "cwd", "capabilities", "rlimits", "noNewPrivileges"], Keys(process));
        Assert.True(process.GetProperty("terminal").GetBoolean());
        Assert.Equal("""{"uid":0,"gid":0}""", process.GetProperty("user").GetRawText().Replace(" ", "").ReplaceLineEndings(""));
        Assert.Equal(["bounding", "effective", "permitted"], Keys(process.GetProperty("capabilities")));
        Assert.Equal("""[{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]""", Compact(process.GetProperty("rlimits")));

        Assert.Equal("""{"path":"rootfs","readonly":true}""", Compact(root.GetProperty("root")));
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"], Destinations(root));
        Assert.Equal("""{"destination":"/proc","type":"proc","source":"proc"}""", Compact(root.GetProperty("mounts")[0]));

        JsonElement linux = root.GetProperty("linux");
        Assert.Equal(["resources", "namespaces", "maskedPaths", "readonlyPaths"], Keys(linux));
        Assert.Equal("""{"devices":[{"allow":false,"access":"rwm"}]}""", Compact(linux.GetProperty("resources")));
        Assert.Equal(["pid", "network", "ipc", "uts", "mount", "cgroup"], Types(linux));
        Assert.Equal(11, linux.GetProperty("maskedPaths").GetArrayLength());
        Assert.Equal(5, linux.GetProperty("readonlyPaths").GetArrayLength());
    }

    [Fact]
    public void Rootless_MapsTheCallerAndDropsWhatNeedsPrivilege()
    {
        RuntimeSpec spec = DefaultSpec.CreateRootless(1000, 1001);
        Linux linux = spec.Linux!;

        Assert.Equal(["pid", "ipc", "uts", "mount", "cgroup", "user"], linux.Namespaces!.Select(n => n.Type));
        Assert.Equal((0u, 1000u, 1u), (linux.UIDMappings![0].ContainerID, linux.UIDMappings[0].HostID, linux.UIDMappings[0].Size));
        Assert.Equal(1001u, linux.GIDMappings![0].HostID);
        Assert.Null(linux.Resources);
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"], spec.Mounts!.Select(m => m.Destination));
        Assert.DoesNotContain("gid=5", spec.Mounts![2].Options!);
        Mount sys = spec.Mounts[^1];
        Assert.Equal(("none", "/sys"), (sys.Type, sys.Source));
        Assert.Equal(["rbind", "nosuid", "noexec", "nodev", "ro"], sys.Options!);
    }

    [Fact]
    public void Create_ReturnsIndependentInstances()
    {
        RuntimeSpec a = DefaultSpec.Create(rootless: false);
        a.Process!.Capabilities!.Bounding!.Add("CAP_SYS_ADMIN");

        Assert.Equal(3, DefaultSpec.Create(rootless: false).Process!.Capabilities!.Bounding!.Count);
        Assert.Equal(3, a.Process.Capabilities.Effective!.Count);
    }

    private static List<string> Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToList();

    private static List<string> Destinations(JsonElement root)
        => root.GetProperty("mounts").EnumerateArray().Select(m => m.GetProperty("destination").GetString()!).ToList();

    private static List<string> Types(JsonElement linux)
        => linux.GetProperty("namespaces").EnumerateArray().Select(n => n.GetProperty("type").GetString()!).ToList();

    private static string Compact(JsonElement e)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) e.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
