using System.Runtime.InteropServices;
using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Cgroups.V2.Devices;

/// <summary>
/// Loads device programs into the kernel with bpf(2) and attaches them to cgroup2 directories.
/// </summary>
/// <remarks>
/// Programs are attached with BPF_F_ALLOW_MULTI: a cgroup can then hold several, and an access must pass
/// every one of them. That is what makes a replacement safe: the new program goes in first, the old ones
/// come out after, so there is never a moment without a filter (only one where both apply).
/// </remarks>
public sealed unsafe class BpfDevicePrograms : IDevicePrograms
{
    public static readonly BpfDevicePrograms Instance = new();

    private const int LogSize = 64 << 10;

    // Only informational: the program calls no helper, so no GPL-only one either.
    private static ReadOnlySpan<byte> License => "Berth\0"u8;
    private static ReadOnlySpan<byte> Name => "berth_devices\0"u8;

    public void Replace(string cgroupDirectory, IReadOnlyList<BpfInsn> program)
    {
        using SafeFd cgroup = OpenCgroup(cgroupDirectory);
        uint[] old = Query(cgroup, cgroupDirectory);
        using SafeFd prog = Load(program);
        var attach = new BpfProgAttachAttr
        {
            TargetFd = (uint)cgroup.Value, AttachBpfFd = (uint)prog.Value, AttachType = Libc.BPF_CGROUP_DEVICE,
            AttachFlags = Libc.BPF_F_ALLOW_MULTI,
        };
        if (Libc.Bpf(Libc.BPF_PROG_ATTACH, &attach, (uint)sizeof(BpfProgAttachAttr)) < 0)
            Fail("attaching the device program to", cgroupDirectory, Check.LastErrno,
                Check.LastErrno == Errnos.EPERM && old.Length > 0 ? " (a program already attached there does not allow others beside it)" : "");
        foreach (uint id in old)
            Detach(cgroup, id, cgroupDirectory);
    }

    /// <summary>The ids of the device programs attached to the cgroup2 directory itself (not inherited).</summary>
    public static uint[] Attached(string cgroupDirectory)
    {
        using SafeFd cgroup = OpenCgroup(cgroupDirectory);
        return Query(cgroup, cgroupDirectory);
    }

    /// <summary>Detaches every device program from the directory (for cleanup; rmdir of the cgroup does it too).</summary>
    public static void DetachAll(string cgroupDirectory)
    {
        using SafeFd cgroup = OpenCgroup(cgroupDirectory);
        foreach (uint id in Query(cgroup, cgroupDirectory))
            Detach(cgroup, id, cgroupDirectory);
    }

    private static SafeFd OpenCgroup(string dir)
    {
        int fd = Libc.Open(dir, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0) Fail("opening", dir, Check.LastErrno);
        return new SafeFd(fd, ownsHandle: true);
    }

    private static uint[] Query(SafeFd cgroup, string dir)
    {
        // Ask for the count, then the ids; a program attached in between only makes the second answer ENOSPC.
        for (int attempt = 0; ; attempt++)
        {
            var count = new BpfProgQueryAttr { TargetFd = (uint)cgroup.Value, AttachType = Libc.BPF_CGROUP_DEVICE };
            if (Libc.Bpf(Libc.BPF_PROG_QUERY, &count, (uint)sizeof(BpfProgQueryAttr)) < 0)
                Fail("querying the device programs of", dir, Check.LastErrno);
            if (count.ProgCnt == 0) return [];
            var ids = new uint[count.ProgCnt];
            fixed (uint* p = ids)
            {
                var query = new BpfProgQueryAttr
                {
                    TargetFd = (uint)cgroup.Value, AttachType = Libc.BPF_CGROUP_DEVICE, ProgIds = (ulong)p, ProgCnt = (uint)ids.Length,
                };
                if (Libc.Bpf(Libc.BPF_PROG_QUERY, &query, (uint)sizeof(BpfProgQueryAttr)) == 0) return ids[..(int)query.ProgCnt];
                if (Check.LastErrno != Errnos.ENOSPC || attempt == 3) Fail("querying the device programs of", dir, Check.LastErrno);
            }
        }
    }

    private static void Detach(SafeFd cgroup, uint id, string dir)
    {
        var byId = new BpfGetIdAttr { Id = id };
        int fd = Libc.Bpf(Libc.BPF_PROG_GET_FD_BY_ID, &byId, (uint)sizeof(BpfGetIdAttr));
        if (fd < 0)
        {
            if (Check.LastErrno == Errnos.ENOENT) return; // already gone
            Fail($"opening device program {id} of", dir, Check.LastErrno);
        }
        using var prog = new SafeFd(fd, ownsHandle: true);
        var detach = new BpfProgAttachAttr { TargetFd = (uint)cgroup.Value, AttachBpfFd = (uint)fd, AttachType = Libc.BPF_CGROUP_DEVICE };
        if (Libc.Bpf(Libc.BPF_PROG_DETACH, &detach, (uint)sizeof(BpfProgAttachAttr)) < 0 && Check.LastErrno != Errnos.ENOENT)
            Fail($"detaching device program {id} from", dir, Check.LastErrno);
    }

    /// <summary>Loads quietly first; only a refusal is loaded again with the verifier's log, to say why.</summary>
    private static SafeFd Load(IReadOnlyList<BpfInsn> program)
    {
        BpfInsn[] code = [.. program];
        int fd = LoadWithLog(code, null);
        if (fd >= 0) return new SafeFd(fd, ownsHandle: true);
        int errno = Check.LastErrno;
        byte[] log = new byte[LogSize];
        fd = LoadWithLog(code, log);
        if (fd >= 0) return new SafeFd(fd, ownsHandle: true); // a transient failure (EAGAIN from the verifier)
        string text = Encoding.UTF8.GetString(log.AsSpan(0, Math.Max(0, log.AsSpan().IndexOf((byte)0)))).Trim();
        throw new BerthException(errno == Errnos.EPERM ? ErrorKind.PermissionDenied : ErrorKind.Internal,
            $"loading the cgroup v2 device program ({code.Length} instructions): {ErrnoException.Describe(errno)}"
            + (text.Length > 0 ? $"; verifier: {text.ReplaceLineEndings("; ")}" : ""));
    }

    private static int LoadWithLog(BpfInsn[] code, byte[]? log)
    {
        fixed (BpfInsn* insns = code)
        fixed (byte* license = License)
        fixed (byte* logBuf = log)
        {
            var attr = new BpfProgLoadAttr
            {
                ProgType = Libc.BPF_PROG_TYPE_CGROUP_DEVICE,
                InsnCnt = (uint)code.Length,
                Insns = (ulong)insns,
                License = (ulong)license,
                LogLevel = log is null ? 0u : 1u,
                LogSize = log is null ? 0u : (uint)log.Length,
                LogBuf = (ulong)logBuf,
            };
            Name.CopyTo(new Span<byte>(attr.ProgName, 16));
            return Libc.Bpf(Libc.BPF_PROG_LOAD, &attr, (uint)sizeof(BpfProgLoadAttr));
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string what, string dir, int errno, string hint = "") =>
        throw new BerthException(errno is Errnos.EPERM or Errnos.EACCES ? ErrorKind.PermissionDenied : ErrorKind.FailedPrecondition,
            $"{what} cgroup {dir}: {ErrnoException.Describe(errno)}{hint}");
}
