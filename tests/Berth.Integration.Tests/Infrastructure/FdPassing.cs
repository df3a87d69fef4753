using System.Net.Sockets;
using System.Runtime.InteropServices;
using Berth.Interop;

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
            int received = (int)Libc.Recvmsg((int)conn.Handle, &msg, 0);
            if (received < 0) throw new IOException($"recvmsg: errno {Marshal.GetLastPInvokeError()}");
            var cm = (CmsgHdr*)ctl;
            bool hasFd = msg.ControlLen >= (nuint)sizeof(CmsgHdr) && cm->Level == Libc.SOL_SOCKET && cm->Type == Libc.SCM_RIGHTS;
            return (received, hasFd ? *(int*)(ctl + sizeof(CmsgHdr)) : -1);
        }
    }
}
