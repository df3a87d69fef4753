namespace Berth.Oci;

/// <summary>Lifecycle hooks, in the order the runtime runs them.</summary>
public sealed class Hooks
{
    /// <summary>Deprecated by the spec in favour of the create*/start* hooks; runtimes still run it.</summary>
    public List<Hook>? Prestart { get; set; }

    public List<Hook>? CreateRuntime { get; set; }
    public List<Hook>? CreateContainer { get; set; }
    public List<Hook>? StartContainer { get; set; }
    public List<Hook>? Poststart { get; set; }
    public List<Hook>? Poststop { get; set; }
}

/// <summary>A program run with the container state on stdin; Args[0] is argv[0], not the path.</summary>
public sealed class Hook
{
    public string Path { get; set; } = "";
    public List<string>? Args { get; set; }
    public List<string>? Env { get; set; }

    /// <summary>Seconds before the hook is killed; must be greater than zero when set.</summary>
    public int? Timeout { get; set; }
}
