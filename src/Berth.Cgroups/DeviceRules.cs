using System.Globalization;
using Berth.Core;
using Berth.Oci;

namespace Berth.Cgroups;

/// <summary>Validates spec device rules and spells them the way devices.allow/deny read them: "c 1:3 rwm".</summary>
internal static class DeviceRules
{
    public static string Format(LinuxDeviceCgroup rule, int index)
    {
        string type = string.IsNullOrEmpty(rule.Type) ? "a" : rule.Type;
        if (type is not ("a" or "b" or "c"))
            throw new BerthException(ErrorKind.InvalidArgument, $"device rule {index}: type \"{type}\" is not one of a, b, c");
        string access = rule.Access ?? "";
        if (access.Length == 0)
            throw new BerthException(ErrorKind.InvalidArgument, $"device rule {index}: access cannot be empty");
        if (access.Any(c => c is not ('r' or 'w' or 'm')) || access.Distinct().Count() != access.Length)
            throw new BerthException(ErrorKind.InvalidArgument, $"device rule {index}: access \"{access}\" must be a combination of r, w, m");
        return $"{type} {Number(rule.Major)}:{Number(rule.Minor)} {access}";
    }

    // absent or -1 is the wildcard
    private static string Number(long? n) => n is null or -1 ? "*" : n.Value.ToString(CultureInfo.InvariantCulture);
}
