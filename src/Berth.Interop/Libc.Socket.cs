using System.Runtime.InteropServices;

namespace Berth.Interop;

public static unsafe partial class Libc
{
    public const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1, SO_PASSCRED = 16, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, MSG_CMSG_CLOEXEC = 0x40000000;

    [LibraryImport(Libraries.Libc, EntryPoint = "socketpair", SetLastError = true)]
    public static unsafe partial int Socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Libraries.Libc, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Libraries.Libc, EntryPoint = "connect", SetLastError = true)]
    public static unsafe partial int Connect(int fd, byte* addr, int len);

    [LibraryImport(Libraries.Libc, EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int Setsockopt(int fd, int level, int name, void* value, int len);

    [LibraryImport(Libraries.Libc, EntryPoint = "sendmsg", SetLastError = true)]
    public static unsafe partial nint Sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
    public static unsafe partial nint Recvmsg(int fd, MsgHdr* msg, int flags);
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct IoVec
{
    public void* Base;
    public nuint Len;
}

[StructLayout(LayoutKind.Sequential)]
public unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLen;
    public IoVec* Iov;
    public nuint IovLen;
    public void* Control;
    public nuint ControlLen;
    public int Flags;
}

[StructLayout(LayoutKind.Sequential)]
public struct CmsgHdr
{
    public nuint Len;
    public int Level;
    public int Type;
}

[StructLayout(LayoutKind.Sequential)]
public struct UCred
{
    public int Pid;
    public int Uid;
    public int Gid;
}
