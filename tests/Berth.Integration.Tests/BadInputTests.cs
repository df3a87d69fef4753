using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>
/// Broken bundles and arguments: each fails with one clear error line and a non-zero exit, and leaves
/// no state directory, no cgroup (cgroupsPath is "/berth-it-&lt;id&gt;") and no process behind.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private void CreateFails(Container c, string fragment)
    {
        c.Create().FailsWith(fragment);
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Malformed_config_json()
    {
        var c = _sb.NewContainer("true");
        File.WriteAllText(c.ConfigPath, "{ \"ociVersion\": \"1.2.0\", \"process\": ");
        CreateFails(c, "config.json");
    }

    [RootFact]
    public void Missing_config_json()
    {
        var c = _sb.NewContainer("true");
        File.Delete(c.ConfigPath);
        CreateFails(c, "config.json");
    }

    [RootFact]
    public void Missing_rootfs()
    {
        var c = _sb.NewContainer("true");
        Directory.Delete(c.Rootfs, recursive: true);
        CreateFails(c, "rootfs");
    }

    [RootFact]
    public void Empty_args()
    {
        CreateFails(_sb.NewContainer("true").Edit(s => s.Process!.Args = []), "args");
    }

    [RootFact]
    public void Relative_cwd()
    {
        CreateFails(_sb.NewContainer("true").Edit(s => s.Process!.Cwd = "relative/dir"), "cwd");
    }

    [RootFact]
    public void Executable_not_found_in_PATH()
    {
        CreateFails(_sb.NewContainer("no-such-program-xyz"), "executable file not found in $PATH");
    }

    [RootFact]
    public void Absolute_executable_that_does_not_exist()
    {
        CreateFails(_sb.NewContainer("/no/such/program"), "no such file or directory");
    }

    [RootFact]
    public void Run_with_a_missing_executable_fails_the_same_way()
    {
        var c = _sb.NewContainer("no-such-program-xyz");
        c.Run().FailsWith("executable file not found in $PATH");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Unknown_capability()
    {
        CreateFails(_sb.NewContainer("true").Edit(s => s.Process!.Capabilities!.Bounding!.Add("CAP_BOGUS")), "CAP_BOGUS");
    }

    [RootFact]
    public void Unknown_rlimit()
    {
        CreateFails(_sb.NewContainer("true").Edit(s => s.Process!.Rlimits = [new PosixRlimit { Type = "RLIMIT_BOGUS", Soft = 1, Hard = 1 }]), "RLIMIT_BOGUS");
    }

    [RootFact]
    public void Bind_mount_source_that_does_not_exist()
    {
        string missing = Path.Combine(_sb.Dir, "no-such-source");
        CreateFails(_sb.NewContainer("true").Edit(s => s.Mounts!.Add(new Mount { Destination = "/mnt", Type = "bind", Source = missing, Options = ["rbind"] })), missing);
    }

    [RootFact]
    public void Mount_destination_below_a_regular_file()
    {
        // Fails inside init (creating the mount point), not in the runtime's own validation.
        CreateFails(_sb.NewContainer("true").Edit(s => s.Mounts!.Add(new Mount { Destination = "/etc/passwd/sub", Type = "tmpfs", Source = "tmpfs" })), "/etc/passwd/sub");
    }

    [RootFact]
    public void Unknown_namespace_type()
    {
        CreateFails(_sb.NewContainer("true").Edit(s => s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "bogus" })), "bogus");
    }

    [RootFact]
    public void Terminal_without_console_socket()
    {
        CreateFails(_sb.NewContainer("true").Edit(s => s.Process!.Terminal = true), "console socket");
    }

    [RootFact]
    public void Unknown_signal_for_kill_fails_and_leaves_the_container_alone()
    {
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        c.Kill("SIGBOGUS").FailsWith("BOGUS");
        c.Kill("99").FailsWith("99");
        Assert.Equal("created", c.Status);
    }

    [RootTheory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("has space")]
    [InlineData("..")]
    public void Invalid_container_id(string id)
    {
        var c = _sb.NewContainer("true");
        _sb.Rt("create", "--bundle", c.Bundle, id).FailsWith("invalid container ID");
        Assert.False(Directory.Exists(_sb.Root) && Directory.EnumerateFileSystemEntries(_sb.Root).Any(), "something was created under --root");
        Assert.False(Path.Exists(Path.Combine(_sb.Dir, "escape")), "create wrote outside --root");
        c.AssertNothingLeft();
    }
}
