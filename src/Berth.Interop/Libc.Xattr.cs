using System.Runtime.InteropServices;

namespace Berth.Interop;

/// <summary>Extended attributes: set on an open fd, or on a path without following its last component.</summary>
public static unsafe partial class Libc
{
    public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    public const int XATTR_SIZE_MAX = 65536;

    [LibraryImport(Libraries.Libc, EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int FsetxattrRaw(int fd, string name, byte* value, nuint size, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LsetxattrRaw(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LgetxattrRaw(string path, string name, byte* value, nuint size);

    [LibraryImport(Libraries.Libc, EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint LlistxattrRaw(string path, byte* list, nuint size);

    /// <summary>lremovexattr(2): 0, or -1 with errno set (ENODATA when absent).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "lremovexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Lremovexattr(string path, string name);

    public static int Fsetxattr(int fd, string name, ReadOnlySpan<byte> value, int flags = 0)
    {
        fixed (byte* p = value)
        {
            return FsetxattrRaw(fd, name, p, (nuint)value.Length, flags);
        }
    }

    public static int Lsetxattr(string path, string name, ReadOnlySpan<byte> value, int flags = 0)
    {
        fixed (byte* p = value)
        {
            return LsetxattrRaw(path, name, p, (nuint)value.Length, flags);
        }
    }

    /// <summary>lgetxattr(2): the value, or null with errno set (ENODATA when absent).</summary>
    public static byte[]? Lgetxattr(string path, string name)
    {
        byte[] buf = new byte[XATTR_SIZE_MAX];
        nint n;
        fixed (byte* p = buf)
        {
            n = LgetxattrRaw(path, name, p, (nuint)buf.Length);
        }
        return n < 0 ? null : buf.AsSpan(0, (int)n).ToArray();
    }

    /// <summary>llistxattr(2): the attribute names, or null with errno set.</summary>
    public static string[]? Llistxattr(string path)
    {
        nint size = LlistxattrRaw(path, null, 0);
        if (size < 0) return null;
        if (size == 0) return [];
        byte[] buf = new byte[size];
        fixed (byte* p = buf)
        {
            size = LlistxattrRaw(path, p, (nuint)buf.Length);
        }
        if (size < 0) return null;
        return System.Text.Encoding.UTF8.GetString(buf, 0, (int)size).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
