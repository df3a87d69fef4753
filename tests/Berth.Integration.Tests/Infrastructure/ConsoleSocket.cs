using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// The receiving end of <c>create --console-socket</c>, as conmon and go-runc's receiver are: a unix
/// socket that gets one message carrying the pty master as an SCM_RIGHTS fd. .NET's Socket cannot
/// receive fds, so the message is read with recvmsg(2) directly.
/// </summary>
public sealed unsafe partial class ConsoleSocket : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public string Path { get; }

    public ConsoleSocket(string path)
    {
        Path = path;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    /// <summary>Accepts the runtime's connection and returns the pty master it sent.</summary>
    public FileStream ReceiveMaster(TimeSpan timeout)
    {
        using var accepted = _listener.AcceptAsync().WaitAsync(timeout).GetAwaiter().GetResult();
        byte* data = stackalloc byte[256];
        const int ctlLen = 16 + 8; // CMSG_SPACE(sizeof(int)) on 64-bit
        byte* ctl = stackalloc byte[ctlLen];
        new Span<byte>(ctl, ctlLen).Clear();
        IoVec iov = new() { Base = data, Len = 256 };
        MsgHdr msg = new() { Iov = &iov, IovLen = 1, Control = ctl, ControlLen = ctlLen };
        nint n = recvmsg((int)accepted.Handle, &msg, 0);
        if (n < 0) throw new IOException($"recvmsg: errno {Marshal.GetLastPInvokeError()}");
        int level = *(int*)(ctl + 8), type = *(int*)(ctl + 12);
        if (msg.ControlLen < 16 || level != 1 /* SOL_SOCKET */ || type != 1 /* SCM_RIGHTS */)
            throw new IOException("the console socket got a message without an fd");
        int fd = *(int*)(ctl + 16);
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, 1);
    }

    /// <summary>Reads the pty until <paramref name="marker"/> appears; returns everything read.</summary>
    public static string ReadUntil(FileStream master, string marker, TimeSpan timeout)
    {
        var text = new StringBuilder();
        var clock = Stopwatch.StartNew();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"the pty never showed \"{marker}\"; it showed:\n{text}");
            int n;
            try { n = master.Read(buffer); }
            catch (IOException) { break; } // EIO: the slave side is closed, the process is gone
            if (n == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec { public byte* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name; public uint NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int fd, MsgHdr* msg, int flags);
}
