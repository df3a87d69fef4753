namespace Berth.Archive;

/// <summary>
/// Lexical cleaning of tar names, as Go's path.Clean("/" + name) does: empty and "." components
/// vanish, ".." removes the previous component and is clamped at the root, a leading "/" means
/// the root. The result never contains "." or "..", so it cannot name anything above the root.
/// </summary>
internal static class EntryPath
{
    public static List<string> Clean(string name)
    {
        var parts = new List<string>();
        foreach (string part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return parts;
    }

    public static string Join(List<string> parts, int count) => string.Join('/', parts.GetRange(0, count));
}
