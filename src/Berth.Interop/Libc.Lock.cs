using System.Runtime.InteropServices;

namespace Berth.Interop;

public static partial class Libc
{
    public const int LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    [LibraryImport(Libraries.Libc, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Libraries.Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);
}
