namespace Berth.Runtime.Launch;

/// <summary>What the runtime tells init besides the spec, which follows as its own record (the config.json bytes).</summary>
internal sealed class InitConfig
{
    public string Id { get; set; } = "";
    public string Rootfs { get; set; } = "";
    public bool NoPivot { get; set; }
    public bool NoNewKeyring { get; set; }
    /// <summary>createContainer or startContainer hooks exist: init waits for a HookState record (it needs init's pid).</summary>
    public bool WantsHookState { get; set; }
    /// <summary>run: no start will come; init execs as soon as it is created, without waiting on the exec fifo.</summary>
    public bool StartAtOnce { get; set; }
    /// <summary>exec: the process joins an existing container; no rootfs work.</summary>
    public bool IsExec { get; set; }
    /// <summary>exec: the ExecProcess record is a whole process (--process), not exec's flag overrides.</summary>
    public bool ExecProcessIsFull { get; set; }
}
