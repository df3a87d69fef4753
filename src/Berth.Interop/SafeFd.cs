using System.Runtime.InteropServices;

namespace Berth.Interop;

/// <summary>An owned (or explicitly borrowed) file descriptor; invalid at -1.</summary>
public sealed class SafeFd : SafeHandle
{
    public SafeFd() : base(-1, ownsHandle: true) { }
    public SafeFd(int fd, bool ownsHandle) : base(-1, ownsHandle) => SetHandle(fd);
    public override bool IsInvalid => (nint)handle < 0; // 0 is stdin, a valid fd
    public int Value => (int)DangerousGetHandle();
    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
