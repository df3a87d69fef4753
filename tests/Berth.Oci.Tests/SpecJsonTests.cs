using System.Text;
using System.Text.Json;
using Berth.Core;

namespace Berth.Oci.Tests;

public sealed class SpecJsonTests
{
    private static RuntimeSpec ReadFixture() => OciJson.ReadSpec(new MemoryStream(Encoding.UTF8.GetBytes(Fixtures.FullConfig)));

    [Fact]
    public void FullConfig_ReadsEveryArea()
    {
        RuntimeSpec spec = ReadFixture();

        Assert.Equal("1.2.0", spec.OciVersion);
        Process p = spec.Process!;
        Assert.True(p.Terminal);
        Assert.Equal(25u, p.ConsoleSize!.Height);
        Assert.Equal((1000u, 1000u, 18u), (p.User.UID, p.User.GID, p.User.Umask!.Value));
        Assert.Equal([5u, 6u], p.User.AdditionalGids!);
        Assert.Equal(["/bin/sh", "-c", "echo hi"], p.Args!);
        Assert.Equal("/srv", p.Cwd);
        Assert.Equal(["CAP_KILL"], p.Capabilities!.Ambient!);
        Assert.Empty(p.Capabilities.Inheritable!);
        Assert.Equal(ulong.MaxValue, p.Rlimits![0].Hard);
        Assert.Equal(1024ul, p.Rlimits[0].Soft);
        Assert.True(p.NoNewPrivileges);
        Assert.Equal(-500, p.OOMScoreAdj);
        Assert.Equal("IOPRIO_CLASS_BE", p.IOPriority!.Class);
        Assert.Equal(20000000ul, p.Scheduler!.Deadline);
        Assert.Equal("0-3,7", p.ExecCPUAffinity!.Final);

        Assert.Equal(("rootfs", true), (spec.Root!.Path, spec.Root.Readonly));
        Assert.Equal("web-1", spec.Hostname);
        Assert.Equal("example.org", spec.Domainname);
        Mount data = spec.Mounts![1];
        Assert.Equal(("/data", "bind", "/srv/data"), (data.Destination, data.Type, data.Source));
        Assert.Equal(100000u, data.UIDMappings![0].HostID);

        Assert.Equal(["fix-mounts", "arg1"], spec.Hooks!.Prestart![0].Args!);
        Assert.Equal(5, spec.Hooks.CreateRuntime![0].Timeout);
        Assert.Null(spec.Hooks.CreateContainer![0].Timeout);
        Assert.Equal("/usr/sbin/cleanup.sh", spec.Hooks.Poststop![0].Path);
        Assert.Equal("value1", spec.Annotations!["com.example.key1"]);
    }

    [Fact]
    public void FullConfig_ReadsLinuxSection()
    {
        Linux linux = ReadFixture().Linux!;

        Assert.Equal(200000u, linux.GIDMappings![0].HostID);
        Assert.Equal(65536u, linux.UIDMappings![0].Size);
        Assert.Equal("1", linux.Sysctl!["net.ipv4.ip_forward"]);
        Assert.Equal("/myRuntime/myContainer", linux.CgroupsPath);
        Assert.Equal("/var/run/netns/web", linux.Namespaces!.Single(n => n.Type == "network").Path);
        Assert.Equal(438u, linux.Devices![0].FileMode);
        Assert.Null(linux.Devices[1].UID);
        Assert.Equal("rslave", linux.RootfsPropagation);
        Assert.Equal(["/proc/kcore", "/proc/keys"], linux.MaskedPaths!);
        Assert.Equal(["/proc/sys", "/proc/sysrq-trigger"], linux.ReadonlyPaths!);
        Assert.StartsWith("system_u:object_r", linux.MountLabel);
        Assert.Equal("guaranteed_group", linux.IntelRdt!.ClosID);
        Assert.True(linux.IntelRdt.EnableMonitoring);
        Assert.Equal("LINUX32", linux.Personality!.Domain);
        Assert.Equal(3600, linux.TimeOffsets!["monotonic"].Secs);

        LinuxSeccomp seccomp = linux.Seccomp!;
        Assert.Equal(("SCMP_ACT_ERRNO", 1u), (seccomp.DefaultAction, seccomp.DefaultErrnoRet!.Value));
        Assert.Equal("/run/seccomp-agent.sock", seccomp.ListenerPath);
        Assert.Equal(38u, seccomp.Syscalls![1].ErrnoRet);
        LinuxSeccompArg masked = seccomp.Syscalls[1].Args![1];
        Assert.Equal((1u, 255ul, 4ul, "SCMP_CMP_MASKED_EQ"), (masked.Index, masked.Value, masked.ValueTwo, masked.Op));
    }

    [Fact]
    public void FullConfig_ReadsResources()
    {
        LinuxResources r = ReadFixture().Linux!.Resources!;

        Assert.False(r.Devices![0].Allow);
        Assert.Null(r.Devices[0].Major);
        Assert.Equal(("c", 10L, 229L, "rw"), (r.Devices[1].Type, r.Devices[1].Major!.Value, r.Devices[1].Minor!.Value, r.Devices[1].Access));
        Assert.Equal(536870912L, r.Memory!.Limit);
        Assert.Equal(-1L, r.Memory.KernelTCP);
        Assert.Equal(0ul, r.Memory.Swappiness);
        Assert.False(r.Memory.DisableOOMKiller);
        Assert.True(r.Memory.CheckBeforeUpdate);
        Assert.Equal(50000L, r.Cpu!.Quota);
        Assert.Equal(10000ul, r.Cpu.Burst);
        Assert.Equal("2-3", r.Cpu.Cpus);
        Assert.Equal(0L, r.Cpu.Idle);
        Assert.Equal(32771L, r.Pids!.Limit);
        Assert.Equal((ushort)10, r.BlockIO!.Weight);
        Assert.Null(r.BlockIO.WeightDevice![1].LeafWeight);
        Assert.Equal(6000ul, r.BlockIO.ThrottleReadIOPSDevice![0].Rate);
        Assert.Equal(16L, r.BlockIO.ThrottleWriteIOPSDevice![0].Minor);
        Assert.Equal(("2MB", 9223372036854772000ul), (r.HugepageLimits![0].Pagesize, r.HugepageLimits[0].Limit));
        Assert.Equal(1048577u, r.Network!.ClassID);
        Assert.Equal(10000u, r.Rdma!["mlx5_1"].HcaObjects);
        Assert.Equal("max", r.Unified!["memory.high"]);
    }

    [Fact]
    public void FullConfig_RoundTripsToTheSameDocument()
    {
        RuntimeSpec spec = ReadFixture();
        string once = OciJson.WriteIndented(spec);
        string twice = OciJson.WriteIndented(OciJson.ReadSpec(new MemoryStream(Encoding.UTF8.GetBytes(once))));

        Assert.Equal(once, twice);
        // Spot-check the JSON names that are not plain camelCase of the C# names.
        foreach (string key in new[] { "\"containerID\"", "\"hostID\"", "\"blockIO\"", "\"hugepageLimits\"", "\"pageSize\"",
                     "\"oomScoreAdj\"", "\"ioPriority\"", "\"execCPUAffinity\"", "\"kernelTCP\"", "\"disableOOMKiller\"",
                     "\"throttleReadIOPSDevice\"", "\"classID\"", "\"closID\"", "\"l3CacheSchema\"", "\"uid\"", "\"valueTwo\"" })
        {
            Assert.Contains(key, once);
        }
        Assert.DoesNotContain("someFutureField", once);
    }

    [Fact]
    public void Write_OmitsNullsAndGoZeroValues()
    {
        var spec = new RuntimeSpec
        {
            OciVersion = "1.2.0",
            Process = new Process { Args = ["true"], Cwd = "/" },
            Root = new Root { Path = "rootfs" },
        };

        string json = OciJson.Write(spec);

        Assert.Equal("""{"ociVersion":"1.2.0","process":{"user":{"uid":0,"gid":0},"args":["true"],"cwd":"/"},"root":{"path":"rootfs"}}""", json);
    }

    [Fact]
    public void WriteIndented_UsesTwoSpacesAndDoesNotEscapePlusOrNonAscii()
    {
        var spec = new RuntimeSpec { OciVersion = "1.2.0+dev", Hostname = "café" };

        string json = OciJson.WriteIndented(spec);

        Assert.Equal("{\n  \"ociVersion\": \"1.2.0+dev\",\n  \"hostname\": \"café\"\n}", json.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Read_IgnoresUnknownFieldsAndMatchesNamesCaseInsensitively()
    {
        const string json = """{"ociVersion":"1.0.0","futureThing":{"a":[1,{"b":null}]},"Process":{"args":["x"],"cwd":"/","newField":true}}""";

        RuntimeSpec spec = OciJson.ReadSpec(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(["x"], spec.Process!.Args!);
    }

    [Theory]
    [InlineData("", "config.json: file is empty")]
    [InlineData("  \n ", "config.json: file is empty")]
    [InlineData("null", "config.json: document is null")]
    [InlineData("{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\"args\": [\"sh\",]}\n}", "config.json: invalid JSON at line 3")]
    [InlineData("{\"ociVersion\": 1}", "config.json: invalid JSON at line 1, column 17 ($.ociVersion)")]
    [InlineData("{\"ociVersion\": \"1.0.0\"", "config.json: invalid JSON at line 1")]
    public void Read_MalformedJson_IsInvalidArgumentWithPosition(string json, string expectedStart)
    {
        var e = Assert.Throws<BerthException>(() => OciJson.ReadSpec(new MemoryStream(Encoding.UTF8.GetBytes(json))));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith(expectedStart, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Read_NullForARequiredObject_IsRejected()
    {
        byte[] json = """{"ociVersion": "1.0.0", "process": {"user": null, "cwd": "/"}}"""u8.ToArray();

        var e = Assert.Throws<BerthException>(() => OciJson.Read(json, OciJsonContext.Default.RuntimeSpec, "config.json"));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("($.process.user)", e.Message);
    }

    [Fact]
    public void ReadSpec_FromPath_NamesTheFile()
    {
        string dir = Directory.CreateTempSubdirectory("berth-oci-").FullName;
        try
        {
            string path = Path.Combine(dir, "config.json");
            File.WriteAllText(path, "{ \"ociVersion\": [ }");

            var invalid = Assert.Throws<BerthException>(() => OciJson.ReadSpec(path));
            var missing = Assert.Throws<BerthException>(() => OciJson.ReadSpec(Path.Combine(dir, "nope.json")));

            Assert.Equal(ErrorKind.InvalidArgument, invalid.Kind);
            Assert.StartsWith("config.json: invalid JSON at line 1", invalid.Message);
            Assert.Equal(ErrorKind.NotFound, missing.Kind);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReadProcess_ReadsAnExecProcessDocument()
    {
        const string json = """{"terminal":false,"user":{"uid":33,"gid":33},"args":["ps","aux"],"env":["A=1"],"cwd":"/tmp"}""";

        Process p = OciJson.ReadProcess(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        Assert.Equal((33u, "/tmp"), (p.User.UID, p.Cwd));
    }

    [Fact]
    public void Context_CoversResourcesAndPidLists()
    {
        var resources = new LinuxResources { Pids = new LinuxPids { Limit = 10 } };

        Assert.Equal("""{"pids":{"limit":10}}""", JsonSerializer.Serialize(resources, OciJsonContext.Default.LinuxResources));
        Assert.Equal([1, 2], JsonSerializer.Deserialize("[1,2]", OciJsonContext.Default.ListInt32)!);
    }
}
