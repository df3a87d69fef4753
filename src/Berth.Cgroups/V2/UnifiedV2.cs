using Berth.Core;

namespace Berth.Cgroups.V2;

/// <summary>linux.resources.unified: "&lt;controller&gt;.&lt;knob&gt;" → value, written verbatim, one write per line.</summary>
internal static class UnifiedV2
{
    public static void Apply(Dictionary<string, string> unified, CgroupDirectory dir)
    {
        foreach (string key in unified.Keys)
        {
            if (key.Length == 0 || key.Contains('/') || key.Contains('\0') || key is "." or "..")
                throw new BerthException(ErrorKind.InvalidArgument, $"unified resource \"{key}\" must be a plain file name");
        }
        foreach ((string key, string value) in unified)
        {
            if (!dir.Has(key))
            {
                string controller = key.Split('.')[0];
                string available = dir.TryRead("cgroup.controllers")?.Trim() ?? "";
                throw new BerthException(ErrorKind.FailedPrecondition,
                    $"unified resource \"{key}\" can't be set: no such file in {dir.Path} (controller \"{controller}\" not available; enabled: \"{available}\")");
            }
            dir.WriteLines(key, value);
        }
    }
}
