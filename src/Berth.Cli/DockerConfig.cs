using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Cli;

/// <summary>
/// docker's config.json (in --config, $DOCKER_CONFIG or ~/.docker): <c>auths</c> maps a registry to
/// <c>{"auth": base64("user:password")}</c>. Other keys are kept as they are. Written with a temp file and a rename.
/// </summary>
public sealed class DockerConfig
{
    public const string FileName = "config.json";
    /// <summary>docker's key for Docker Hub in auths.</summary>
    public const string IndexServer = "https://index.docker.io/v1/";

    private readonly JsonObject _root;
    public string Path { get; }

    private DockerConfig(string path, JsonObject root) => (Path, _root) = (path, root);

    public static string DefaultDir(Func<string, string?> env) =>
        env("DOCKER_CONFIG") is { Length: > 0 } d ? d
        : System.IO.Path.Combine(env("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");

    public static DockerConfig Load(string dir)
    {
        string path = System.IO.Path.Combine(dir, FileName);
        if (!File.Exists(path)) return new DockerConfig(path, []);
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? [];
            return new DockerConfig(path, node);
        }
        catch (JsonException e) { throw new CliException($"loading config file {path}: {e.Message}"); }
    }

    /// <summary>The credentials stored for <paramref name="server"/>, or null.</summary>
    public (string User, string Password)? Get(string server)
    {
        if (_root["auths"] is not JsonObject auths) return null;
        foreach (var (key, value) in auths)
        {
            if (!Same(key, server) || value?["auth"]?.GetValue<string>() is not { Length: > 0 } auth) continue;
            string text;
            try { text = Encoding.UTF8.GetString(Convert.FromBase64String(auth)); }
            catch (FormatException) { continue; }
            int colon = text.IndexOf(':');
            if (colon > 0) return (text[..colon], text[(colon + 1)..]);
        }
        return null;
    }

    public void Set(string server, string user, string password)
    {
        if (_root["auths"] is not JsonObject auths) _root["auths"] = auths = [];
        foreach (string k in auths.Select(p => p.Key).Where(k => Same(k, server)).ToList()) auths.Remove(k);
        auths[server] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) };
    }

    /// <summary>Removes the entry; false when there was none.</summary>
    public bool Remove(string server)
    {
        if (_root["auths"] is not JsonObject auths) return false;
        var keys = auths.Select(p => p.Key).Where(k => Same(k, server)).ToList();
        foreach (string k in keys) auths.Remove(k);
        return keys.Count > 0;
    }

    public void Save()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        string tmp = $"{Path}.{Environment.ProcessId}.tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using (var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true, IndentCharacter = '\t', IndentSize = 1 }))
                _root.WriteTo(w);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, Path, overwrite: true);
    }

    /// <summary>"https://127.0.0.1:5000/v2/" and "127.0.0.1:5000" name the same registry, as docker compares them.</summary>
    private static bool Same(string key, string server) => Host(key) == Host(server);

    public static string Host(string s)
    {
        int scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) s = s[(scheme + 3)..];
        s = s.Split('/')[0];
        return s is "index.docker.io" or "registry-1.docker.io" or "docker.io" ? "docker.io" : s;
    }
}
