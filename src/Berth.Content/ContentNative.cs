using System.Runtime.InteropServices;

namespace Berth.Content;

/// <summary>
/// The two libc calls the content store needs that Berth.Interop does not bind yet (flock, fsync).
/// Blittable signatures only, so no marshalling code and no unsafe blocks; move them into
/// Berth.Interop (Libc.Lock.cs) when that project gains them.
/// </summary>
internal static class ContentNative
{
    internal const int LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    [DllImport("libc.so.6", EntryPoint = "flock", SetLastError = true)]
    internal static extern int Flock(int fd, int operation);

    [DllImport("libc.so.6", EntryPoint = "fsync", SetLastError = true)]
    internal static extern int Fsync(int fd);
}
