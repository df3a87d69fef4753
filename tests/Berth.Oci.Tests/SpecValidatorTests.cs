using System.Text;
using Berth.Core;

namespace Berth.Oci.Tests;

public sealed class SpecValidatorTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("berth-bundle-").FullName;

    public SpecValidatorTests() => Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    private static RuntimeSpec Full() => OciJson.ReadSpec(new MemoryStream(Encoding.UTF8.GetBytes(Fixtures.FullConfig)));

    private void AssertRejected(RuntimeSpec spec, string expected)
    {
        var e = Assert.Throws<BerthException>(() => SpecValidator.Validate(spec, _bundle));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void FullConfig_IsValid() => SpecValidator.Validate(Full(), _bundle);

    [Fact]
    public void AbsoluteRootPath_IsValid()
    {
        RuntimeSpec spec = Full();
        spec.Root!.Path = Path.Combine(_bundle, "rootfs");
        SpecValidator.Validate(spec, _bundle);
    }

    [Theory]
    [InlineData("", "ociVersion must be set")]
    [InlineData("2.0.0", "unsupported ociVersion \"2.0.0\"")]
    [InlineData("0.5.0", "unsupported ociVersion")]
    [InlineData("10.0", "unsupported ociVersion")]
    public void Version(string version, string expected)
    {
        RuntimeSpec spec = Full();
        spec.OciVersion = version;
        AssertRejected(spec, expected);
    }

    [Fact]
    public void Version_1xPrerelease_IsValid()
    {
        RuntimeSpec spec = Full();
        spec.OciVersion = "1.3.0-rc.1";
        SpecValidator.Validate(spec, _bundle);
    }

    public static TheoryData<string, Action<RuntimeSpec>> Rejections => new()
    {
        { "process must be set", s => s.Process = null },
        { "process.args must not be empty", s => s.Process!.Args = [] },
        { "process.args must not be empty", s => s.Process!.Args = null },
        { "process.cwd must be an absolute path", s => s.Process!.Cwd = "srv" },
        { "process.cwd must be an absolute path", s => s.Process!.Cwd = "" },
        { "root.path must be set", s => s.Root = null },
        { "root.path must be set", s => s.Root!.Path = "" },
        { "mounts[1].destination \"data\" must be an absolute path", s => s.Mounts![1].Destination = "data" },
        { "linux.namespaces[0]: unknown namespace type \"pids\"", s => s.Linux!.Namespaces![0].Type = "pids" },
        { "linux.namespaces: duplicate namespace type \"ipc\"", s => s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "ipc" }) },
        { "require a user namespace", s => s.Linux!.Namespaces!.RemoveAll(n => n.Type == "user") },
        { "a new user namespace requires linux.uidMappings", s => s.Linux!.UIDMappings = null },
        { "a new user namespace requires linux.gidMappings", s => s.Linux!.GIDMappings = [] },
        { "process.rlimits: unknown rlimit type \"RLIMIT_FOO\"", s => s.Process!.Rlimits![0].Type = "RLIMIT_FOO" },
        { "process.rlimits: duplicate rlimit type \"RLIMIT_NOFILE\"", s => s.Process!.Rlimits![1].Type = "RLIMIT_NOFILE" },
        { "RLIMIT_CORE soft limit 5 is greater than hard limit 0", s => s.Process!.Rlimits![1].Soft = 5 },
        { "process.capabilities.effective: unknown capability \"CAP_FLY\"", s => s.Process!.Capabilities!.Effective!.Add("CAP_FLY") },
        { "process.capabilities.ambient: unknown capability \"kill\"", s => s.Process!.Capabilities!.Ambient = ["kill"] },
        { "unable to set hostname without a private UTS namespace", s => s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts") },
        { "unable to set domainname without a private UTS namespace", s => { s.Hostname = null; s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts"); } },
        { "sysctl \"kernel.shmmax\" is not allowed in the host's IPC namespace", s => { s.Linux!.Sysctl!.Remove("fs.mqueue.msg_max"); s.Linux.Namespaces!.RemoveAll(n => n.Type == "ipc"); } },
        { "sysctl \"fs.mqueue.msg_max\" is not allowed in the host's IPC namespace", s => { s.Linux!.Sysctl!.Remove("kernel.shmmax"); s.Linux.Namespaces!.RemoveAll(n => n.Type == "ipc"); } },
        { "sysctl \"net.ipv4.ip_forward\" is not allowed in the host's network namespace", s => s.Linux!.Namespaces!.RemoveAll(n => n.Type == "network") },
        { "sysctl \"kernel.domainname\" is not allowed in the host's UTS namespace", s => { s.Hostname = s.Domainname = null; s.Linux!.Sysctl!["kernel.domainname"] = "x"; s.Linux.Namespaces!.RemoveAll(n => n.Type == "uts"); } },
        { "sysctl \"vm.swappiness\" is not in a separate kernel namespace", s => s.Linux!.Sysctl!["vm.swappiness"] = "0" },
        { "sysctl \"kernel.pid_max\" is not in a separate kernel namespace", s => s.Linux!.Sysctl!["kernel.pid_max"] = "9999" },
        { "hooks.poststart[0].path \"notify-start\" must be an absolute path", s => s.Hooks!.Poststart![0].Path = "notify-start" },
        { "hooks.createRuntime[0].timeout must be greater than zero", s => s.Hooks!.CreateRuntime![0].Timeout = -1 },
        { "hooks.prestart[0].timeout must be greater than zero", s => s.Hooks!.Prestart![0].Timeout = 0 },
        { "linux.timeOffsets requires a time namespace", s => s.Linux!.Namespaces!.RemoveAll(n => n.Type == "time") },
        { "linux.rootfsPropagation: invalid propagation mode \"sideways\"", s => s.Linux!.RootfsPropagation = "sideways" },
        { "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_EXPLODE\"", s => s.Linux!.Seccomp!.DefaultAction = "SCMP_ACT_EXPLODE" },
        { "linux.seccomp.syscalls[1].args: unknown operator \"SCMP_CMP_XX\"", s => s.Linux!.Seccomp!.Syscalls![1].Args![0].Op = "SCMP_CMP_XX" },
        { "linux.seccomp.flags: unknown flag \"FLAG\"", s => s.Linux!.Seccomp!.Flags = ["FLAG"] },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Rejects(string expected, Action<RuntimeSpec> breakIt)
    {
        RuntimeSpec spec = Full();
        breakIt(spec);
        AssertRejected(spec, expected);
    }

    [Fact]
    public void MissingRootfs_SaysRootfsDoesNotExist()
    {
        RuntimeSpec spec = Full();
        spec.Root!.Path = "missing";

        AssertRejected(spec, $"rootfs {Path.Combine(_bundle, "missing")} does not exist");
    }

    [Fact]
    public void RootfsThatIsAFile_IsRejected()
    {
        File.WriteAllText(Path.Combine(_bundle, "file"), "");
        RuntimeSpec spec = Full();
        spec.Root!.Path = "file";

        AssertRejected(spec, "is not a directory");
    }

    [Fact]
    public void JoinedUserNamespace_NeedsNoMappings()
    {
        RuntimeSpec spec = Full();
        spec.Linux!.Namespaces!.Single(n => n.Type == "user").Path = "/proc/42/ns/user";
        spec.Linux.UIDMappings = spec.Linux.GIDMappings = null;

        SpecValidator.Validate(spec, _bundle);
    }

    [Fact]
    public void MinimalSpec_WithoutLinuxSection_IsValid()
    {
        var spec = new RuntimeSpec
        {
            OciVersion = "1.0.2",
            Process = new Process { Args = ["sh"], Cwd = "/" },
            Root = new Root { Path = "rootfs" },
        };
        SpecValidator.Validate(spec, _bundle);
    }

    [Fact]
    public void ValidateProcess_ChecksAnExecProcessAlone()
    {
        var e = Assert.Throws<BerthException>(() => SpecValidator.ValidateProcess(new Process { Args = ["ls"], Cwd = "tmp" }));
        Assert.Equal("process.cwd must be an absolute path", e.Message);
    }
}
