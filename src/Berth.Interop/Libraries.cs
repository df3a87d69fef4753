namespace Berth.Interop;

internal static class Libraries
{
    // "libc" alone would make the JIT dlopen libc.so, a linker script on Debian.
    internal const string Libc = "libc.so.6";
}
