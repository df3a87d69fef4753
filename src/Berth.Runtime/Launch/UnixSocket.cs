using System.Text;
using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Launch;

/// <summary>Connecting to a caller's unix socket and passing an fd over it: the console socket and the seccomp listener.</summary>
internal static unsafe class UnixSocket
{
    /// <summary>A stream connection to <paramref name="path"/>; "@name" is a name in the abstract namespace.</summary>
    public static int Connect(string path, string what)
    {
        byte[] addr = new byte[110]; // struct sockaddr_un
        addr[0] = (byte)Libc.AF_UNIX;
        bool isAbstract = path.StartsWith('@');
        int n = Encoding.UTF8.GetByteCount(path);
        if (n > 107) throw new BerthException(ErrorKind.InvalidArgument, $"{what} path too long: {path}");
        Encoding.UTF8.GetBytes(path, addr.AsSpan(2));
        if (isAbstract) addr[2] = 0;
        int fd = Check.Io(Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0), "socket");
        fixed (byte* a = addr)
        {
            // an abstract address is exactly its bytes; a path carries its NUL
            if (Libc.Connect(fd, a, 2 + n + (isAbstract ? 0 : 1)) < 0)
            {
                int errno = Check.LastErrno;
                Libc.Close(fd);
                throw new ErrnoException($"connect {what}", errno, path);
            }
        }
        return fd;
    }

    /// <summary>One sendmsg: <paramref name="payload"/> with <paramref name="fd"/> as SCM_RIGHTS; what a short write left goes after it.</summary>
    public static void SendWithFd(int socket, int fd, ReadOnlySpan<byte> payload, string what)
    {
        int ctlLen = sizeof(CmsgHdr) + 8; // CMSG_SPACE(sizeof(int))
        byte* ctl = stackalloc byte[ctlLen];
        new Span<byte>(ctl, ctlLen).Clear();
        var cm = (CmsgHdr*)ctl;
        cm->Len = (nuint)(sizeof(CmsgHdr) + sizeof(int));
        cm->Level = Libc.SOL_SOCKET;
        cm->Type = Libc.SCM_RIGHTS;
        *(int*)(ctl + sizeof(CmsgHdr)) = fd;
        fixed (byte* p = payload)
        {
            int sent = 0;
            do
            {
                IoVec iov = new() { Base = p + sent, Len = (nuint)(payload.Length - sent) };
                MsgHdr msg = new() { Iov = &iov, IovLen = 1, Control = sent == 0 ? ctl : null, ControlLen = sent == 0 ? (nuint)ctlLen : 0 };
                nint n = Libc.Sendmsg(socket, &msg, 0);
                if (n < 0 && Check.LastErrno == Errnos.EINTR) continue;
                if (n < 0) Check.ThrowLastError($"send {what}");
                sent += (int)n;
            } while (sent < payload.Length);
        }
    }
}
