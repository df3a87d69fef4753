using Berth.Integration.Tests.Infrastructure;
using Berth.Oci;

namespace Berth.Integration.Tests;

/// <summary>linux.seccomp and the user namespace, proven by what the process can and cannot do.</summary>
public sealed class ConfinementTests : IDisposable
{
    private const uint HostBase = 100000;

    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    private static readonly List<string> AllX86Arches = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];

    private static LinuxSeccomp AllowAllBut(params LinuxSyscall[] rules) =>
        new() { DefaultAction = "SCMP_ACT_ALLOW", Architectures = AllX86Arches, Syscalls = [.. rules] };

    private static Mount Tmpfs(string destination) =>
        new() { Destination = destination, Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "nodev", "size=1m", "mode=1777"] };

    // --- seccomp --------------------------------------------------------------------------------

    [RootFact]
    public void Errno_rule_makes_mkdir_fail_with_EPERM_while_other_syscalls_work()
    {
        var r = _sb.NewContainer("sh", "-c", "mkdir /tmp/x; echo mkdir $?; touch /tmp/y && echo touched; ls /tmp; cat /proc/self/status | grep ^Seccomp:")
            .Edit(s =>
            {
                s.Mounts!.Add(Tmpfs("/tmp"));
                s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 });
            })
            .Run().Ok();
        Assert.Equal(["mkdir 1", "touched", "y", "Seccomp:\t2"], r.Out.Split('\n'));
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public void Errno_rule_without_errnoRet_returns_EPERM()
    {
        // runc's default errno for SCMP_ACT_ERRNO is EPERM.
        var r = _sb.NewContainer("sh", "-c", "mkdir /tmp/x; echo mkdir $?")
            .Edit(s =>
            {
                s.Mounts!.Add(Tmpfs("/tmp"));
                s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO" });
            })
            .Run().Ok();
        Assert.Equal("mkdir 1", r.Out);
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public void Errno_rule_with_another_errno_returns_that_errno()
    {
        var r = _sb.NewContainer("sh", "-c", "mkdir /tmp/x; echo mkdir $?")
            .Edit(s =>
            {
                s.Mounts!.Add(Tmpfs("/tmp"));
                s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 28 });
            })
            .Run().Ok();
        Assert.Equal("mkdir 1", r.Out);
        Assert.Contains("No space left on device", r.Stderr, StringComparison.Ordinal);
    }

    [RootFact]
    public void Argument_condition_limits_the_rule_to_matching_calls()
    {
        // personality(0xffffffff) only queries; block any other argument with EPERM. busybox setarch/linux32
        // calls personality(PER_LINUX32 = 8).
        var r = _sb.NewContainer("sh", "-c", "linux32 true; echo linux32 $?; true; echo plain $?")
            .Edit(s => s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall
            {
                Names = ["personality"],
                Action = "SCMP_ACT_ERRNO",
                ErrnoRet = 1,
                Args = [new LinuxSeccompArg { Index = 0, Value = 8, Op = "SCMP_CMP_EQ" }],
            }))
            .Run().Ok();
        Assert.Equal(["linux32 1", "plain 0"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Kill_process_rule_kills_with_SIGSYS()
    {
        // sync(2) is not something sh needs (static binaries may call uname at start-up); the sync applet is.
        var r = _sb.NewContainer("sh", "-c", "echo before; sync; echo child $?; exec sync")
            .Edit(s => s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall { Names = ["sync", "syncfs"], Action = "SCMP_ACT_KILL_PROCESS" }))
            .Run();
        Assert.True(r.ExitCode == 128 + 31, $"expected 159 (SIGSYS), got {r}");
        Assert.Equal(["before", "child 159"], r.Out.Split('\n'));
    }

    [RootFact]
    public void Default_errno_with_an_allow_list_that_lacks_execve_fails_visibly_and_leaves_nothing()
    {
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Architectures = AllX86Arches,
            Syscalls = [new LinuxSyscall { Names = [.. EverySyscallBut("execve", "execveat")], Action = "SCMP_ACT_ALLOW" }],
        });
        var r = c.Run();
        Assert.True(r.ExitCode != 0, $"the process cannot even be executed, yet run succeeded: {r}");
        Assert.True(r.Stderr.Contains("exec", StringComparison.Ordinal) && r.Stderr.Contains("operation not permitted", StringComparison.OrdinalIgnoreCase),
            $"expected an exec: EPERM error, got {r}");
        c.Delete(force: true);
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Default_errno_with_a_tiny_allow_list_fails_with_a_message_not_a_crash()
    {
        // Even opening the exec fifo is denied: init must still say why, without a .NET stack trace.
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Architectures = AllX86Arches,
            Syscalls = [new LinuxSyscall { Names = ["read", "write", "close", "exit", "exit_group", "futex", "brk", "mmap", "munmap"], Action = "SCMP_ACT_ALLOW" }],
        });
        var r = c.Run();
        Assert.True(r.ExitCode != 0, $"run succeeded: {r}");
        Assert.True(r.Stderr.Contains("operation not permitted", StringComparison.OrdinalIgnoreCase), $"expected an EPERM error, got {r}");
        Assert.DoesNotContain("Unhandled exception", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        c.Delete(force: true);
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Default_errno_with_defaultErrnoRet_is_what_denied_syscalls_return()
    {
        // Everything allowed except by default; the shell itself works, only mkdir hits the default.
        var c = _sb.NewContainer("sh", "-c", "mkdir /tmp/x; echo mkdir $?").Edit(s =>
        {
            s.Mounts!.Add(Tmpfs("/tmp"));
            s.Linux!.Seccomp = new LinuxSeccomp
            {
                DefaultAction = "SCMP_ACT_ERRNO",
                DefaultErrnoRet = 13,
                Architectures = AllX86Arches,
                Syscalls = [new LinuxSyscall { Names = [.. EverySyscallBut("mkdir", "mkdirat")], Action = "SCMP_ACT_ALLOW" }],
            };
        });
        var r = c.Run().Ok();
        Assert.Equal("mkdir 1", r.Out);
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
    }

    /// <summary>x86_64 syscall names from the kernel headers' list, minus <paramref name="except"/>.</summary>
    private static IEnumerable<string> EverySyscallBut(params string[] except)
    {
        string header = new[] { "/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h" }.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("no unistd_64.h to take syscall names from");
        return File.ReadLines(header)
            .Where(l => l.StartsWith("#define __NR_", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]["__NR_".Length..])
            .Except(except);
    }

    [RootFact]
    public void Unknown_action_fails_create_with_one_clear_line_and_leaves_nothing()
    {
        var c = _sb.NewContainer("true").Edit(s => s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_BOGUS" }));
        c.Create().FailsWith("SCMP_ACT_BOGUS");
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Unknown_syscall_name_is_skipped_as_runc_does()
    {
        // runc (libseccomp) ignores names it does not know, so newer profiles work on older kernels.
        var r = _sb.NewContainer("sh", "-c", "echo ran")
            .Edit(s => s.Linux!.Seccomp = AllowAllBut(new LinuxSyscall { Names = ["no_such_syscall_berth", "mkdir"], Action = "SCMP_ACT_ERRNO" }))
            .Run().Ok();
        Assert.Equal("ran", r.Out);
    }

    // --- user namespace ---
    // Mounts are made by the mapped root, which (as with runc) cannot mkdir a missing mountpoint in a
    // rootfs owned by host root: the tests create their mountpoints from the host first.----------------------------------------------------------------------

    private Container WithUserNamespace(Container c)
    {
        // The mapped root must be able to reach the bundle: runc fails the same way ("mount rootfs:
        // permission denied") when an ancestor of the rootfs is 0700 and owned by host root.
        File.SetUnixFileMode(_sb.Dir, (UnixFileMode)Convert.ToInt32("755", 8));
        return c.Edit(s =>
    {
        s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = NamespaceTypes.User });
        s.Linux.UIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = HostBase, Size = 65536 }];
        s.Linux.GIDMappings = [new LinuxIdMapping { ContainerID = 0, HostID = HostBase, Size = 65536 }];
    });
    }

    [RootFact]
    public void User_namespace_root_inside_is_100000_outside()
    {
        var r = WithUserNamespace(_sb.NewContainer("sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map")).Run().Ok();
        var lines = r.Out.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();
        Assert.Equal(["0", "0", "0 100000 65536", "0 100000 65536"], lines);
    }

    [RootFact]
    public void User_namespace_init_runs_as_100000_on_the_host()
    {
        var c = WithUserNamespace(_sb.NewContainer("sleep", "1000"));
        c.CreateAndStart();
        string status = File.ReadAllText($"/proc/{c.Pid}/status");
        Assert.Equal("100000\t100000\t100000\t100000", HostProcesses.StatusField(status, "Uid"));
        Assert.Equal("100000\t100000\t100000\t100000", HostProcesses.StatusField(status, "Gid"));
        Assert.NotEqual(File.ReadAllText("/proc/self/uid_map"), File.ReadAllText($"/proc/{c.Pid}/uid_map"));
        Assert.NotEqual(HostProcesses.Link("/proc/self/ns/user"), HostProcesses.Link($"/proc/{c.Pid}/ns/user"));
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }

    [RootFact]
    public void User_namespace_files_created_in_a_bind_mount_belong_to_100000_on_the_host()
    {
        string host = _sb.HostDir("userns-shared");
        Runtime.Command("/bin/chown", [$"{HostBase}:{HostBase}", host]).Ok();
        var r = WithUserNamespace(_sb.NewContainer("sh", "-c", "echo hi > /shared/made-inside && mkdir /shared/dir && ls -ln /shared/made-inside"))
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/shared", Type = "bind", Source = host, Options = ["rbind", "rw"] }))
            .WithMountpoint("/shared")
            .Run().Ok();
        // Inside, the owner is root; on the host, the mapped uid.
        Assert.Contains(" 0 ", r.Out, StringComparison.Ordinal);
        foreach (string path in new[] { Path.Combine(host, "made-inside"), Path.Combine(host, "dir") })
        {
            var st = Runtime.Command("/usr/bin/stat", ["-c", "%u:%g", path]).Ok();
            Assert.Equal($"{HostBase}:{HostBase}", st.Out);
        }
    }

    [RootFact]
    public void User_namespace_root_cannot_write_a_host_root_owned_bind_mount()
    {
        // Root inside is an ordinary uid outside: a 0755 root-owned host directory stays read-only to it.
        string host = _sb.HostDir("userns-rootowned");
        var r = WithUserNamespace(_sb.NewContainer("sh", "-c", "touch /shared/nope; echo touch $?"))
            .Edit(s => s.Mounts!.Add(new Mount { Destination = "/shared", Type = "bind", Source = host, Options = ["rbind", "rw"] }))
            .WithMountpoint("/shared")
            .Run().Ok();
        Assert.Equal("touch 1", r.Out);
        Assert.Contains("Permission denied", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(host, "nope")));
    }
}

internal static class ContainerMountpointExtensions
{
    /// <summary>Creates <paramref name="path"/> in the rootfs from the host side.</summary>
    public static Container WithMountpoint(this Container c, string path)
    {
        Directory.CreateDirectory(Path.Combine(c.Rootfs, path.TrimStart('/')));
        return c;
    }
}
