using System.Runtime.InteropServices;

namespace Berth.Interop;

/// <summary>
/// bpf(2), the few commands a cgroup device program needs (include/uapi/linux/bpf.h). glibc has no
/// wrapper, so it goes through syscall(2). Each command reads its own member of union bpf_attr; the
/// structs below are those members, and the kernel zero-checks whatever lies past the size we pass.
/// </summary>
public static unsafe partial class Libc
{
    public const long SYS_bpf = 321; // x86_64
    public const int BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_DETACH = 9, BPF_PROG_GET_FD_BY_ID = 13, BPF_PROG_QUERY = 16;
    public const uint BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6;
    public const uint BPF_F_ALLOW_OVERRIDE = 1, BPF_F_ALLOW_MULTI = 2;

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SyscallBpf(long number, int cmd, void* attr, uint size);

    public static int Bpf(int cmd, void* attr, uint size) => (int)SyscallBpf(SYS_bpf, cmd, attr, size);
}

/// <summary>struct bpf_insn: u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct BpfInsn(byte Code, byte Regs, short Off, int Imm)
{
    public byte Dst => (byte)(Regs & 0xf);
    public byte Src => (byte)(Regs >> 4);
}

/// <summary>The BPF_PROG_LOAD member of union bpf_attr, up to prog_name.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct BpfProgLoadAttr
{
    public uint ProgType;
    public uint InsnCnt;
    public ulong Insns;
    public ulong License;
    public uint LogLevel;
    public uint LogSize;
    public ulong LogBuf;
    public uint KernVersion;
    public uint ProgFlags;
    public fixed byte ProgName[16];
}

/// <summary>The BPF_PROG_ATTACH / BPF_PROG_DETACH member of union bpf_attr.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BpfProgAttachAttr
{
    public uint TargetFd;
    public uint AttachBpfFd;
    public uint AttachType;
    public uint AttachFlags;
    public uint ReplaceBpfFd;
}

/// <summary>The BPF_PROG_QUERY member of union bpf_attr (without the 6.x prog_attach_flags and revision).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BpfProgQueryAttr
{
    public uint TargetFd;
    public uint AttachType;
    public uint QueryFlags;
    public uint AttachFlags;
    public ulong ProgIds;
    public uint ProgCnt;
}

/// <summary>The BPF_PROG_GET_FD_BY_ID member of union bpf_attr.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BpfGetIdAttr
{
    public uint Id;
    public uint NextId;
    public uint OpenFlags;
}
