using System.Globalization;
using System.Text.Json;
using Berth.Core;
using Berth.Oci;

namespace Berth.Runtime.Operations;

/// <summary>
/// What `exec`'s flags change in the container's process. The runtime validates the result; init applies the
/// same overrides to the spec it receives. Written and read without serializer metadata (a cold
/// System.Text.Json type graph costs milliseconds in a short-lived process).
/// </summary>
internal sealed class ExecOverrides
{
    public List<string> Args { get; init; } = [];
    public List<string> Env { get; init; } = [];
    public string? Cwd { get; init; }
    public string? User { get; init; }
    public List<uint> AdditionalGids { get; init; } = [];
    public List<string> AddCaps { get; init; } = [];
    public bool Tty { get; init; }
    public bool NoNewPrivs { get; init; }

    public static ExecOverrides From(ExecOptions o) => new()
    {
        Args = o.Args, Env = o.Env, Cwd = o.Cwd, User = o.User, AdditionalGids = o.AdditionalGids,
        AddCaps = o.AddCaps, Tty = o.Tty, NoNewPrivs = o.NoNewPrivs,
    };

    /// <summary>The container's process with these overrides, as runc builds it from exec's flags (modifies it).</summary>
    public Process ApplyTo(Process p)
    {
        if (Args.Count == 0) throw new BerthException(ErrorKind.InvalidArgument, "exec: no command given (args or --process)");
        p.Args = Args;
        p.Terminal = Tty;
        p.Env = [.. p.Env ?? [], .. Env];
        if (Cwd is not null) p.Cwd = Cwd;
        if (User is not null)
        {
            string[] parts = User.Split(':');
            if (!uint.TryParse(parts[0], out uint uid) || (parts.Length > 1 && !uint.TryParse(parts[1], out _)) || parts.Length > 2)
                throw new BerthException(ErrorKind.InvalidArgument, $"invalid --user \"{User}\": want uid[:gid]");
            p.User = new User { UID = uid, GID = parts.Length > 1 ? uint.Parse(parts[1], CultureInfo.InvariantCulture) : 0, Umask = p.User.Umask };
        }
        if (AdditionalGids.Count > 0) p.User.AdditionalGids = AdditionalGids;
        if (AddCaps.Count > 0)
        {
            p.Capabilities ??= new LinuxCapabilities();
            List<string> Add(List<string>? set) => [.. (set ?? []).Union(AddCaps)];
            p.Capabilities.Bounding = Add(p.Capabilities.Bounding);
            p.Capabilities.Effective = Add(p.Capabilities.Effective);
            p.Capabilities.Permitted = Add(p.Capabilities.Permitted);
        }
        if (NoNewPrivs) p.NoNewPrivileges = true;
        return p;
    }

    public byte[] ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, MinimalJsonEncoder.WriterOptions))
        {
            w.WriteStartObject();
            Strings(w, "args", Args);
            Strings(w, "env", Env);
            if (Cwd is not null) w.WriteString("cwd", Cwd);
            if (User is not null) w.WriteString("user", User);
            w.WriteStartArray("additionalGids");
            foreach (uint g in AdditionalGids) w.WriteNumberValue(g);
            w.WriteEndArray();
            Strings(w, "addCaps", AddCaps);
            w.WriteBoolean("tty", Tty);
            w.WriteBoolean("noNewPrivs", NoNewPrivs);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public static ExecOverrides FromJson(ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var r = doc.RootElement;
        List<string> S(string name) => r.TryGetProperty(name, out var a) ? a.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
        string? Str(string name) => r.TryGetProperty(name, out var v) ? v.GetString() : null;
        return new ExecOverrides
        {
            Args = S("args"), Env = S("env"), Cwd = Str("cwd"), User = Str("user"),
            AdditionalGids = r.TryGetProperty("additionalGids", out var g) ? g.EnumerateArray().Select(e => e.GetUInt32()).ToList() : [],
            AddCaps = S("addCaps"),
            Tty = r.TryGetProperty("tty", out var t) && t.GetBoolean(),
            NoNewPrivs = r.TryGetProperty("noNewPrivs", out var n) && n.GetBoolean(),
        };
    }

    private static void Strings(Utf8JsonWriter w, string name, List<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
