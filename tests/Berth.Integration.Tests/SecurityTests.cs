using Berth.Integration.Tests.Infrastructure;

namespace Berth.Integration.Tests;

/// <summary>File descriptors and the runtime binary as seen from the container (CVE-2019-5736, CVE-2024-21626).</summary>
public sealed class SecurityTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    /// <summary>Runs the container in the foreground from bash, after <paramref name="setup"/> (e.g. opening fds).</summary>
    private RunResult RunFromBash(Container c, string setup, params string[] flags) =>
        Runtime.Bash($"{setup}; exec \"$BERTH_RUNTIME\" --root '{_sb.Root}' run --bundle '{c.Bundle}' {string.Join(' ', flags)} '{c.Id}'", _sb.Dir);

    [RootFact]
    public void Process_gets_only_stdio()
    {
        // ls's own directory fd is 3: anything more is a leaked fd.
        var r = _sb.NewContainer("ls", "/proc/self/fd").Run().Ok();
        Assert.Equal(["0", "1", "2", "3"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Fds_open_in_the_caller_do_not_reach_the_process()
    {
        string file = Path.Combine(_sb.HostDir("fds", ("secret", "host secret\n")), "secret");
        var r = RunFromBash(_sb.NewContainer("ls", "/proc/self/fd"), $"exec 3<'{file}' 5<'{file}' 9<'{file}'").Ok();
        Assert.Equal(["0", "1", "2", "3"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Preserve_fds_passes_fd_3_through()
    {
        string file = Path.Combine(_sb.HostDir("fds", ("passed", "passed through fd 3\n")), "passed");
        var r = RunFromBash(_sb.NewContainer("cat", "/proc/self/fd/3"), $"exec 3<'{file}'", "--preserve-fds", "1").Ok();
        Assert.Equal("passed through fd 3", r.Out);
    }

    [RootFact]
    public void Preserve_fds_passes_exactly_the_requested_fds()
    {
        string file = Path.Combine(_sb.HostDir("fds", ("f", "x")), "f");
        var r = RunFromBash(_sb.NewContainer("ls", "/proc/self/fd"), $"exec 3<'{file}' 4<'{file}' 5<'{file}'", "--preserve-fds", "2").Ok();
        // 3 and 4 preserved; 5 is ls's own directory fd.
        Assert.Equal(["0", "1", "2", "3", "4", "5"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Created_container_init_does_not_run_from_the_on_disk_runtime_binary()
    {
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        string? exe = HostProcesses.Link($"/proc/{c.Pid}/exe");
        Assert.NotNull(exe);
        string onDisk = Path.GetFullPath(Runtime.BinaryPath);
        Assert.NotEqual(onDisk, exe);
        // Either a sealed memfd, or a copy on a read-only mount: nothing can be written through /proc/1/exe.
        Assert.True(exe.StartsWith("/memfd:", StringComparison.Ordinal) || IsOnReadonlyMount(exe),
            $"init of a created container runs from {exe}, which is writable; a container process could reopen it through /proc/1/exe (CVE-2019-5736)");
    }

    private static bool IsOnReadonlyMount(string path)
    {
        var mount = File.ReadLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .Where(f => path == f[4] || path.StartsWith(f[4].TrimEnd('/') + "/", StringComparison.Ordinal))
            .MaxBy(f => f[4].Length);
        return mount is not null && mount[5].Split(',').Contains("ro");
    }

    [RootFact]
    public void Process_cwd_is_inside_the_container()
    {
        var r = _sb.NewContainer("sh", "-c", "pwd; readlink /proc/self/cwd; readlink /proc/self/root").Run().Ok();
        Assert.Equal(["/", "/", "/"], r.Out.Split('\n'));
    }
}
