using Berth.Core;
using Berth.Interop;
using Berth.Runtime.Init;
using System.Runtime.InteropServices;

namespace Berth.Runtime.Operations;

/// <summary>
/// For a foreground run or exec with terminal: true and no --console-socket: the runtime receives the
/// pty master itself (over a socketpair instead of a socket path) and relays it to its own stdio, as runc does.
/// </summary>
internal sealed unsafe class TerminalProxy : IDisposable
{
    private const uint TCGETS = 0x5401, TCSETS = 0x5402, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414;
    private readonly int _ours;
    private int _master = -1;
    private byte[]? _savedTermios;
    private PosixSignalRegistration? _winch;

    public bool HasMaster => _master >= 0;

    /// <summary>The end init sends the master over; it is passed as the console socket fd.</summary>
    public int TheirEnd { get; private set; }

    public TerminalProxy()
    {
        int* p = stackalloc int[2];
        Check.Io(Libc.Socketpair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, p), "socketpair");
        (_ours, TheirEnd) = (p[0], p[1]);
    }

    /// <summary>After init reported "created": take the master it sent.</summary>
    public void ReceiveMaster()
    {
        Libc.Close(TheirEnd);
        TheirEnd = -1;
        _master = ConsoleSetup.ReceiveFd(_ours);
    }

    /// <summary>Raw mode on our terminal, window size forwarded, bytes relayed both ways until the pty closes.</summary>
    public void Relay()
    {
        if (_master < 0) throw new BerthException(ErrorKind.Internal, "terminal proxy has no pty");
        if (Libc.Isatty(0) == 1)
        {
            _savedTermios = new byte[64];
            fixed (byte* t = _savedTermios) Libc.Ioctl(0, TCGETS, (nint)t);
            byte[] raw = (byte[])_savedTermios.Clone();
            fixed (byte* t = raw)
            {
                Libc.Cfmakeraw(t);
                Libc.Ioctl(0, TCSETS, (nint)t);
            }
            CopyWindowSize();
            _winch = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => CopyWindowSize());
        }
        var input = new Thread(() => Pump(0, _master)) { IsBackground = true, Name = "tty-in" };
        input.Start();
        Pump(_master, 1); // returns when the container side closes (EIO on the master)
    }

    private void CopyWindowSize()
    {
        ushort* ws = stackalloc ushort[4];
        if (Libc.Ioctl(0, TIOCGWINSZ, (nint)ws) == 0) Libc.Ioctl(_master, TIOCSWINSZ, (nint)ws);
    }

    private static void Pump(int from, int to)
    {
        byte* buf = stackalloc byte[16384];
        while (true)
        {
            nint n = Libc.Read(from, buf, 16384);
            if (n < 0 && Check.LastErrno == Errnos.EINTR) continue;
            if (n <= 0) return;
            for (nint off = 0; off < n;)
            {
                nint w = Libc.Write(to, buf + off, n - off);
                if (w < 0 && Check.LastErrno == Errnos.EINTR) continue;
                if (w <= 0) return;
                off += w;
            }
        }
    }

    public void Dispose()
    {
        _winch?.Dispose();
        if (_savedTermios is not null)
            fixed (byte* t = _savedTermios) Libc.Ioctl(0, TCSETS, (nint)t);
        if (TheirEnd >= 0) Libc.Close(TheirEnd);
        Libc.Close(_ours);
        if (_master >= 0) Libc.Close(_master);
    }
}
