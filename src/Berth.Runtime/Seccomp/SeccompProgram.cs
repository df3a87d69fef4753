using System.Diagnostics.CodeAnalysis;
using Berth.Core;
using Berth.Oci;

namespace Berth.Runtime.Seccomp;

/// <summary>One argument comparison: scmp_arg_cmp. For SCMP_CMP_MASKED_EQ, DatumA is the mask and DatumB the value.</summary>
public readonly record struct SeccompCondition(uint Index, uint Op, ulong DatumA, ulong DatumB);

/// <summary>One seccomp_rule_add_array call: a syscall name, the libseccomp action and the ANDed conditions.</summary>
public sealed record SeccompRule(string Syscall, uint Action, IReadOnlyList<SeccompCondition> Conditions);

/// <summary>
/// linux.seccomp, checked and translated to libseccomp values, with nothing resolved against the
/// library or the kernel yet. Translation follows runc (libcontainer/seccomp/seccomp_linux.go,
/// specconv.SetupSeccomp); where runc is looser than runtime-spec, the spec wins (errnoRet on an
/// action that takes none, listenerMetadata without listenerPath, empty names).
/// </summary>
public sealed class SeccompProgram
{
    public uint DefaultAction { get; }

    /// <summary>Architectures to add besides the native one, as (spec name, SCMP_ARCH token).</summary>
    public IReadOnlyList<(string Name, uint Token)> Architectures { get; }

    /// <summary>Flags to set, as given. Empty and <see cref="SpecAllowIfSupported"/> false means none.</summary>
    public IReadOnlyList<string> Flags { get; }

    /// <summary>
    /// flags was absent (not empty): set SPEC_ALLOW if libseccomp and the kernel support it, as runc does
    /// (specconv.SetupSeccomp), so that seccomp alone does not force the SSB mitigation on the container.
    /// </summary>
    public bool SpecAllowIfSupported { get; }

    /// <summary>The rules in config order, one per name, split as runc splits them; rules equal to the default are dropped.</summary>
    public IReadOnlyList<SeccompRule> Rules { get; }

    /// <summary>Some rule is SCMP_ACT_NOTIFY: loading yields a listener fd, which goes to linux.seccomp.listenerPath.</summary>
    public bool HasNotify => Rules.Any(r => r.Action == SeccompTables.ActNotify);

    private SeccompProgram(uint defaultAction, IReadOnlyList<(string, uint)> architectures, IReadOnlyList<string> flags,
        bool specAllowIfSupported, IReadOnlyList<SeccompRule> rules) =>
        (DefaultAction, Architectures, Flags, SpecAllowIfSupported, Rules) = (defaultAction, architectures, flags, specAllowIfSupported, rules);

    /// <summary>
    /// Checks and translates <paramref name="seccomp"/>. Returns null when seccomp is disabled: no
    /// defaultAction and no syscalls, as in runc. Throws <see cref="BerthException"/> (InvalidArgument).
    /// </summary>
    public static SeccompProgram? Compile(LinuxSeccomp seccomp)
    {
        ArgumentNullException.ThrowIfNull(seccomp);
        if (string.IsNullOrEmpty(seccomp.DefaultAction) && (seccomp.Syscalls is null || seccomp.Syscalls.Count == 0))
            return null;

        if (seccomp.DefaultAction == "SCMP_ACT_NOTIFY")
            Fail("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
        uint defaultAction = Action(seccomp.DefaultAction, seccomp.DefaultErrnoRet, "linux.seccomp.defaultAction", "defaultErrnoRet");

        if (!string.IsNullOrEmpty(seccomp.ListenerMetadata) && string.IsNullOrEmpty(seccomp.ListenerPath))
            Fail("linux.seccomp.listenerMetadata is set but listenerPath is not");

        var architectures = new List<(string, uint)>();
        foreach (string arch in seccomp.Architectures ?? [])
        {
            if (!SeccompTables.Architectures.TryGetValue(arch ?? "", out uint token))
                Fail($"linux.seccomp.architectures: unknown architecture \"{arch}\"");
            if (!architectures.Contains((arch!, token))) architectures.Add((arch!, token));
        }

        var flags = new List<string>();
        foreach (string flag in seccomp.Flags ?? [])
        {
            if (!SeccompTables.Flags.Contains(flag ?? ""))
                Fail($"linux.seccomp.flags: unknown flag \"{flag}\"");
            if (!flags.Contains(flag!)) flags.Add(flag!);
        }

        var rules = new List<SeccompRule>();
        var syscalls = seccomp.Syscalls ?? [];
        for (int i = 0; i < syscalls.Count; i++)
            AddRules(rules, syscalls[i], i, defaultAction);

        var program = new SeccompProgram(defaultAction, architectures, flags, seccomp.Flags is null, rules);
        // A listenerPath without a notify rule is ignored, as runc ignores it: there is no fd to send.
        if (program.HasNotify && string.IsNullOrEmpty(seccomp.ListenerPath))
            Fail("linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set (the runtime needs a socket to send the listener fd to)");
        return program;
    }

    private static void AddRules(List<SeccompRule> rules, LinuxSyscall? call, int i, uint defaultAction)
    {
        string where = $"linux.seccomp.syscalls[{i}]";
        if (call is null) Fail($"{where} is null");
        if (call.Names is null || call.Names.Count == 0) Fail($"{where}.names must contain at least one syscall name");
        string first = call.Names[0];
        // init hands the listener fd over with write(2) right after loading the filter: a notified write
        // would wait for a listener that cannot have the fd yet (runc refuses it for the same reason).
        if (call.Action == "SCMP_ACT_NOTIFY" && call.Names.Contains("write"))
            Fail($"{where}: SCMP_ACT_NOTIFY cannot be used for the write syscall");
        uint action = Action(call.Action, call.ErrnoRet, $"{where} ({first}).action", "errnoRet");

        var conditions = new List<SeccompCondition>();
        Span<int> perIndex = stackalloc int[(int)SeccompTables.MaxArgs];
        bool sameIndexTwice = false;
        foreach (var arg in call.Args ?? [])
        {
            if (arg is null) Fail($"{where} ({first}).args contains null");
            if (arg.Index >= SeccompTables.MaxArgs)
                Fail($"{where} ({first}): argument index {arg.Index} is out of range (syscalls have {SeccompTables.MaxArgs} arguments, 0-5)");
            if (!SeccompTables.Operators.TryGetValue(arg.Op ?? "", out uint op))
                Fail($"{where} ({first}): unknown operator \"{arg.Op}\"");
            sameIndexTwice |= ++perIndex[(int)arg.Index] > 1;
            conditions.Add(new SeccompCondition(arg.Index, op, arg.Value, arg.ValueTwo));
        }

        foreach (string name in call.Names)
        {
            if (string.IsNullOrEmpty(name)) Fail($"{where}.names: empty syscall name");
            // libseccomp rejects a rule whose action is the default action (-EACCES); runc drops it silently.
            if (action == defaultAction) continue;
            if (conditions.Count == 0)
                rules.Add(new SeccompRule(name, action, []));
            else if (sameIndexTwice)
                // libseccomp ANDs the conditions of one rule and cannot AND two on the same argument
                // (it answers -EINVAL), so runc adds each condition as a rule of its own, which ORs them.
                // The moby profile relies on this: socket is allowed if arg0 < 38, == 39 or > 40.
                foreach (var c in conditions) rules.Add(new SeccompRule(name, action, [c]));
            else
                rules.Add(new SeccompRule(name, action, conditions));
        }
    }

    /// <summary>The libseccomp value of an action name, with errnoRet folded in for ERRNO and TRACE.</summary>
    public static uint Action(string name, uint? errnoRet, string where = "action", string errnoField = "errnoRet")
    {
        if (!SeccompTables.Actions.TryGetValue(name ?? "", out uint value))
            Fail($"{where}: unknown action \"{name}\"");
        if (!SeccompTables.TakesErrno(name!))
        {
            // runtime-spec: "When the action doesn't support an errno, the runtime MUST print an error and fail."
            if (errnoRet is not null) Fail($"{where}: {errnoField} is set but {name} does not take an errno");
            return value;
        }
        uint data = errnoRet ?? SeccompTables.DefaultErrnoRet;
        if (data > SeccompTables.ActDataMask)
            Fail($"{where}: {errnoField} {data} does not fit in the 16 bits seccomp returns");
        return value | data;
    }

    [DoesNotReturn, System.Diagnostics.StackTraceHidden]
    private static void Fail(string message) => throw new BerthException(ErrorKind.InvalidArgument, message);
}
