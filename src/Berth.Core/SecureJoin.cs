namespace Berth.Core;

/// <summary>
/// Resolves a path inside a root directory the way the container will see it: symlinks are followed,
/// but absolute targets and ".." are interpreted relative to the root, so the result never leaves it.
/// </summary>
public static class SecureJoin
{
    private const int MaxSymlinks = 255;

    public static string Join(string root, string unsafePath)
    {
        root = Path.GetFullPath(root).TrimEnd('/');
        var pending = new Stack<string>(Split(unsafePath).Reverse());
        var resolved = new List<string>();
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == "..")
            {
                if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            string candidate = root + "/" + string.Join('/', resolved.Append(part));
            string? target = LinkTarget(candidate);
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }
            if (++links > MaxSymlinks)
                throw new BerthException(ErrorKind.InvalidArgument, $"too many symlinks resolving {unsafePath} in {root}");
            if (target.StartsWith('/')) resolved.Clear();
            foreach (string p in Split(target).Reverse()) pending.Push(p);
        }
        return resolved.Count == 0 ? root : root + "/" + string.Join('/', resolved);
    }

    private static IEnumerable<string> Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");

    private static string? LinkTarget(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
