using Berth.Core;

namespace Berth.Cgroups;

/// <summary>
/// A validated cgroupsPath (runc's cgroupfs driver rules). Absolute paths hang from each hierarchy root;
/// relative ones from our own cgroup. <see cref="Inner"/> never starts with '/' and never holds "." or "..".
/// </summary>
internal readonly record struct CgroupPath(bool IsAbsolute, string Inner)
{
    public override string ToString() => IsAbsolute ? "/" + Inner : Inner;

    /// <summary>
    /// An empty path means the container id relative to our own cgroup, as runc does (it sets the cgroup
    /// name to the id and leaves the path empty). ".." is resolved lexically like runc's CleanPath, but where
    /// runc silently clamps a climb above the start to the start, we refuse it.
    /// </summary>
    public static CgroupPath Parse(string? cgroupsPath, string containerId)
    {
        if (string.IsNullOrEmpty(cgroupsPath))
        {
            if (string.IsNullOrEmpty(containerId))
                throw new BerthException(ErrorKind.InvalidArgument, "cgroupsPath is empty and no container id was given");
            return Clean(containerId, isAbsolute: false, original: containerId);
        }
        if (cgroupsPath.Contains('\0'))
            throw new BerthException(ErrorKind.InvalidArgument, "cgroupsPath contains a NUL byte");
        if (cgroupsPath[0] != '/' && cgroupsPath.Split(':').Length == 3)
            throw new BerthException(ErrorKind.InvalidArgument,
                $"systemd cgroup driver is not supported: cgroupsPath \"{cgroupsPath}\" looks like \"slice:prefix:name\"; use a filesystem path such as \"/berth/<id>\"");
        return Clean(cgroupsPath, isAbsolute: cgroupsPath[0] == '/', original: cgroupsPath);
    }

    private static CgroupPath Clean(string path, bool isAbsolute, string original)
    {
        var parts = new List<string>();
        foreach (string segment in path.Split('/'))
        {
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                if (parts.Count == 0)
                    throw new BerthException(ErrorKind.InvalidArgument, $"cgroupsPath \"{original}\" escapes the cgroup hierarchy with \"..\"");
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(segment);
        }
        if (parts.Count == 0)
            throw new BerthException(ErrorKind.InvalidArgument, $"cgroupsPath \"{original}\" names the hierarchy root itself, not a cgroup below it");
        return new CgroupPath(isAbsolute, string.Join('/', parts));
    }
}
