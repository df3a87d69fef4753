using System.Runtime.InteropServices;
using Berth.Core;
using Berth.Interop;

namespace Berth.Content;

/// <summary>
/// An exclusive flock(2) on <c>&lt;ingest dir&gt;/lock</c>. The holder may delete the whole ingest
/// directory, lock file included; a contender that opened the file just before the deletion would
/// then lock an unlinked inode, so after locking we check the inode is still linked and retry if not.
/// </summary>
internal sealed class IngestLock : IDisposable
{
    private readonly SafeFd _fd;

    private IngestLock(SafeFd fd, string directory)
    {
        _fd = fd;
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>Locks the ingest in <paramref name="directory"/>, creating it if needed; null if another writer holds it.</summary>
    public static IngestLock? TryAcquire(string directory, bool create)
    {
        string lockPath = Path.Combine(directory, "lock");
        for (int attempt = 0; attempt < 100; attempt++)
        {
            if (create)
            {
                System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            int flags = Libc.O_RDWR | Libc.O_CLOEXEC | Libc.O_NOFOLLOW | (create ? Libc.O_CREAT : 0);
            int raw = Libc.Open(lockPath, flags, 0b110_000_000);
            if (raw < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errnos.ENOENT)
                {
                    if (!create) return null;   // gone: nothing to lock
                    continue;                   // the holder removed the directory between our mkdir and open
                }
                throw new ErrnoException("open", errno, lockPath);
            }
            var fd = new SafeFd(raw, ownsHandle: true);
            int rc;
            do { rc = ContentNative.Flock(raw, ContentNative.LOCK_EX | ContentNative.LOCK_NB); }
            while (rc < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
            if (rc < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                fd.Dispose();
                if (errno == Errnos.EAGAIN) return null;   // EWOULDBLOCK: held by another writer
                throw new ErrnoException("flock", errno, lockPath);
            }
            if (Libc.StatxAt(raw, "", Libc.AT_EMPTY_PATH, out Libc.Statx st) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                fd.Dispose();
                throw new ErrnoException("statx", errno, lockPath);
            }
            if (st.Nlink == 0)
            {
                fd.Dispose(); // we locked a file its holder has since deleted: start again
                continue;
            }
            return new IngestLock(fd, directory);
        }
        throw new BerthException(ErrorKind.Unavailable, $"could not lock ingest {directory}: it keeps being removed");
    }

    /// <summary>Removes the ingest directory while still holding the lock, then releases it.</summary>
    public void DeleteDirectoryAndRelease()
    {
        try
        {
            if (System.IO.Directory.Exists(Directory))
            {
                foreach (string f in System.IO.Directory.EnumerateFileSystemEntries(Directory))
                {
                    if (Path.GetFileName(f) != "lock") File.Delete(f);
                }
                File.Delete(Path.Combine(Directory, "lock"));   // last: contenders who opened it now see nlink 0
                System.IO.Directory.Delete(Directory);
            }
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose() => _fd.Dispose();   // close(2) drops the flock
}
