using System.Runtime.InteropServices;

namespace Berth.Cli;

/// <summary>
/// The terminal's width from ioctl(TIOCGWINSZ). Console.WindowWidth would do, but it initialises the
/// terminal and writes keypad escapes into our output, which docker's output never has.
/// </summary>
internal static class TerminalSize
{
    private const ulong TIOCGWINSZ = 0x5413;

    [StructLayout(LayoutKind.Sequential)]
    private struct WinSize
    {
        public ushort Rows, Cols, XPixels, YPixels;
    }

    // DllImport rather than LibraryImport: a blittable out struct needs no generated marshalling, and this keeps
    // AllowUnsafeBlocks out of the CLI.
    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, out WinSize size);

    public static int Columns(int fd, int fallback)
    {
        try { return Ioctl(fd, TIOCGWINSZ, out var ws) == 0 && ws.Cols > 0 ? ws.Cols : fallback; }
        catch (DllNotFoundException) { return fallback; }
    }
}
