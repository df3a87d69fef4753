using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>A pty for the container: master sent over the console socket (SCM_RIGHTS), slave as stdio.</summary>
internal static unsafe class ConsoleSetup
{
    private const uint TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCSCTTY = 0x540E, TIOCSWINSZ = 0x5414;

    /// <summary>Opens a new pty inside the container (after pivot_root), sends the master, makes the slave our stdio.</summary>
    /// <param name="bindConsole">init only: exec never touches /dev/console (as runc)</param>
    public static void Setup(int consoleSocket, Oci.Box? size, bool bindConsole)
    {
        int master = Check.Io(Libc.Open("/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC), "open", "/dev/ptmx");
        int unlock = 0;
        Check.Io(Libc.Ioctl(master, TIOCSPTLCK, (nint)(&unlock)), "unlockpt");
        int n;
        Check.Io(Libc.Ioctl(master, TIOCGPTN, (nint)(&n)), "ptsname");
        string slavePath = $"/dev/pts/{n}";
        if (size is not null)
        {
            ushort* ws = stackalloc ushort[4] { (ushort)size.Height, (ushort)size.Width, 0, 0 };
            Libc.Ioctl(master, TIOCSWINSZ, (nint)ws);
        }
        int slave = Check.Io(Libc.Open(slavePath, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC), "open", slavePath);

        // /dev/console is the terminal too, as programs expect of PID 1's console. CVE-2025-52565: never
        // through a symlink the image put there; the mount goes onto the opened file itself.
        if (bindConsole)
        {
            if (new FileInfo("/dev/console").LinkTarget is not null) File.Delete("/dev/console");
            if (!Path.Exists("/dev/console")) File.Create("/dev/console").Dispose();
            MountTarget.With("/", "/dev/console", t => Mounter.Do(slavePath, t, null, Libc.MS_BIND, null));
        }
        SendFd(consoleSocket, master, slavePath);
        Libc.Close(master);
        Libc.Close(consoleSocket);

        for (int fd = 0; fd < 3; fd++) Check.Io(Libc.Dup3(slave, fd, 0), "dup3 console");
        Libc.Close(slave);
        Check.Io(Libc.Ioctl(0, TIOCSCTTY, 0), "set controlling terminal");
    }

    /// <summary>One message, one SCM_RIGHTS fd, the pty name as payload: what go-runc's receiver expects.</summary>
    public static void SendFd(int socket, int fd, string name) =>
        Launch.UnixSocket.SendWithFd(socket, fd, Encoding.UTF8.GetBytes(name), "console fd");

    /// <summary>Receives one fd sent with SCM_RIGHTS (the pty master), close-on-exec.</summary>
    public static int ReceiveFd(int socket)
    {
        byte* data = stackalloc byte[4096];
        int ctlLen = sizeof(CmsgHdr) + 8;
        byte* ctl = stackalloc byte[ctlLen];
        IoVec iov = new() { Base = data, Len = 4096 };
        MsgHdr msg = new() { Iov = &iov, IovLen = 1, Control = ctl, ControlLen = (nuint)ctlLen };
        nint n;
        do { n = Libc.Recvmsg(socket, &msg, Libc.MSG_CMSG_CLOEXEC); } while (n < 0 && Check.LastErrno == Errnos.EINTR);
        if (n < 0) Check.ThrowLastError("receive console fd");
        var cm = (CmsgHdr*)ctl;
        if (msg.ControlLen < (nuint)sizeof(CmsgHdr) || cm->Level != Libc.SOL_SOCKET || cm->Type != Libc.SCM_RIGHTS)
            throw new BerthException(ErrorKind.Internal, "container init sent no terminal");
        return *(int*)(ctl + sizeof(CmsgHdr));
    }

    /// <summary>Connects to the caller's console socket (a path), for the runtime parent.</summary>
    public static int Connect(string path) => Launch.UnixSocket.Connect(path, "console socket");
}
