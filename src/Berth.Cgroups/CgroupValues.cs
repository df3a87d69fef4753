using System.Globalization;
using Berth.Core;

namespace Berth.Cgroups;

/// <summary>Number formats shared by cgroup files.</summary>
internal static class CgroupValues
{
    public static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Str(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>"max" is unlimited; negative numbers (old v1 kernels print -1) read as 0, as runc does.</summary>
    public static ulong ParseUInt(string text, string source)
    {
        if (text == "max") return ulong.MaxValue;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)) return value;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long signed) && signed < 0) return 0;
        throw new BerthException(ErrorKind.Internal, $"parse {source}: unexpected value \"{text}\"");
    }
}
