using Berth.Core;

namespace Berth.Daemon;

/// <summary>The daemon's stable ID (docker info "ID"), created once under --root.</summary>
internal static class EngineId
{
    public static string LoadOrCreate(string root)
    {
        string path = Path.Combine(root, "engine-id");
        if (File.Exists(path)) return File.ReadAllText(path).Trim();
        string id = Guid.NewGuid().ToString();
        AtomicFile.WriteText(path, id);
        return id;
    }
}
