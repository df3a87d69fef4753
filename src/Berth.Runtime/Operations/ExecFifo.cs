using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Operations;

/// <summary>The fifo that splits create from start: init blocks writing it until start reads.</summary>
internal static unsafe class ExecFifo
{
    /// <summary>Writable by anyone (0622, not reduced by the umask): init opens it after switching to the container's user.</summary>
    public static void Create(string path)
    {
        Check.Io(Libc.Mkfifo(path, Convert.ToInt32("622", 8)), "mkfifo", path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
    }

    /// <summary>Lets init go: open for reading (non-blocking, init may be dead), wait for its byte, remove the fifo.</summary>
    public static void Release(string path, int initPid)
    {
        int fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0) throw new BerthException(ErrorKind.FailedPrecondition, "cannot start an already running container");
        int pidfd = Libc.PidfdOpen(initPid);
        try
        {
            PollFd* fds = stackalloc PollFd[2];
            fds[0] = new PollFd { Fd = fd, Events = PollFd.POLLIN };
            fds[1] = new PollFd { Fd = pidfd, Events = PollFd.POLLIN };
            while (true)
            {
                int rc = Libc.Poll(fds, pidfd >= 0 ? 2u : 1u, -1);
                if (rc < 0 && Check.LastErrno == Errnos.EINTR) continue;
                Check.Io(rc, "poll exec fifo");
                byte b;
                if ((fds[0].Revents & PollFd.POLLIN) != 0 && Libc.Read(fd, &b, 1) == 1) break;
                if (pidfd >= 0 && (fds[1].Revents & PollFd.POLLIN) != 0)
                    throw new BerthException(ErrorKind.FailedPrecondition, "cannot start a container that has stopped");
                // POLLHUP before init opened its end: keep waiting for the writer.
                if ((fds[0].Revents & PollFd.POLLHUP) != 0) Thread.Sleep(1);
            }
        }
        finally
        {
            Libc.Close(fd);
            if (pidfd >= 0) Libc.Close(pidfd);
        }
        File.Delete(path);
    }
}
