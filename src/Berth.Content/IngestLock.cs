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
    private const int ENOTEMPTY = 39;
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
            if (create) MakeDirectory(directory);
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
            do { rc = Libc.Flock(raw, Libc.LOCK_EX | Libc.LOCK_NB); }
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

    /// <summary>mkdir(2) 0700, where another writer creating it at the same moment is success.</summary>
    private static void MakeDirectory(string directory)
    {
        if (Libc.Mkdir(directory, 0b111_000_000) == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        if (errno == Errnos.EEXIST) return;
        if (errno == Errnos.ENOENT)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
            if (Libc.Mkdir(directory, 0b111_000_000) == 0 || Marshal.GetLastPInvokeError() == Errnos.EEXIST) return;
            errno = Marshal.GetLastPInvokeError();
        }
        throw new ErrnoException("mkdir", errno, directory);
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
                // From here a new writer may already own the key, with a fresh lock file in this directory:
                // then it is theirs and rmdir fails with ENOTEMPTY, which is fine.
                if (Libc.UnlinkAt(Libc.AT_FDCWD, Directory, Libc.AT_REMOVEDIR) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno is not (Errnos.ENOENT or ENOTEMPTY)) throw new ErrnoException("rmdir", errno, Directory);
                }
            }
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose() => _fd.Dispose();   // close(2) drops the flock
}
