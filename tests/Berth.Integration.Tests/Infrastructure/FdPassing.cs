using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// Receives one message that may carry an fd (SCM_RIGHTS), as the runtime sends the pty master to a
/// console socket and the seccomp listener to an agent. .NET's Socket cannot receive fds.
/// </summary>
public static unsafe class FdPassing
{
    /// <summary>Reads one message into <paramref name="buffer"/>; returns its length and the fd it carried (-1 for none).</summary>
    public static (int Received, int Fd) Receive(Socket conn, byte[] buffer)
    {
        byte* ctl = stackalloc byte[64];
        new Span<byte>(ctl, 64).Clear();
        fixed (byte* p = buffer)
        {
            var iov = new IoVec { Base = p, Len = (nuint)buffer.Length };
            var msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = ctl, ControlLen = 64 };
            int received = (int)recvmsg((int)conn.Handle, &msg, 0);
            if (received < 0) throw new IOException($"recvmsg: errno {Marshal.GetLastPInvokeError()}");
            var cm = (CmsgHdr*)ctl;
            bool hasFd = msg.ControlLen >= (nuint)sizeof(CmsgHdr) && cm->Level == 1 && cm->Type == 1; // SOL_SOCKET, SCM_RIGHTS
            return (received, hasFd ? *(int*)(ctl + sizeof(CmsgHdr)) : -1);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
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
    private struct CmsgHdr
    {
        public nuint Len;
        public int Level;
        public int Type;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(int fd, MsgHdr* msg, int flags);
}
