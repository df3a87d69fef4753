using System.Diagnostics.CodeAnalysis;
using Berth.Core;

namespace Berth.Oci;

/// <summary>
/// Rejects a config.json the runtime cannot honour, before anything is created. Each failure is a
/// single-line <see cref="BerthException"/>(InvalidArgument) naming the offending field.
/// </summary>
public static class SpecValidator
{
    // SysV IPC sysctls that the kernel scopes to the IPC namespace (fs.mqueue.* is handled by prefix).
    private static readonly HashSet<string> IpcSysctls = new(StringComparer.Ordinal)
    {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    };

    private static readonly HashSet<string> Propagations = new(StringComparer.Ordinal)
    {
        "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
    };

    public static void Validate(RuntimeSpec spec, string bundleDir)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ValidateVersion(spec.OciVersion);
        ValidateRoot(spec.Root, bundleDir);
        ValidateProcess(spec.Process ?? Throw<Process>("process must be set"));
        ValidateMounts(spec.Mounts);
        ValidateHooks(spec.Hooks);

        Linux linux = spec.Linux ?? new Linux();
        Dictionary<string, LinuxNamespace> namespaces = ValidateNamespaces(linux.Namespaces);
        ValidateIdMappings(linux, namespaces);
        if (!string.IsNullOrEmpty(spec.Hostname) && !namespaces.ContainsKey(NamespaceTypes.Uts))
            Fail("unable to set hostname without a private UTS namespace");
        if (!string.IsNullOrEmpty(spec.Domainname) && !namespaces.ContainsKey(NamespaceTypes.Uts))
            Fail("unable to set domainname without a private UTS namespace");
        ValidateSysctls(linux.Sysctl, namespaces);
        if (linux.TimeOffsets is { Count: > 0 } && !namespaces.ContainsKey(NamespaceTypes.Time))
            Fail("linux.timeOffsets requires a time namespace");
        if (!string.IsNullOrEmpty(linux.RootfsPropagation) && !Propagations.Contains(linux.RootfsPropagation))
            Fail($"linux.rootfsPropagation: invalid propagation mode \"{linux.RootfsPropagation}\"");
        if (linux.Seccomp is not null) ValidateSeccomp(linux.Seccomp);
    }

    /// <summary>The checks on "process" alone; also used for <c>exec --process</c>.</summary>
    public static void ValidateProcess(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (process.Args is not { Count: > 0 }) Fail("process.args must not be empty");
        if (!process.Cwd.StartsWith('/')) Fail("process.cwd must be an absolute path");

        if (process.Capabilities is { } caps)
        {
            ValidateCapabilities("bounding", caps.Bounding);
            ValidateCapabilities("effective", caps.Effective);
            ValidateCapabilities("inheritable", caps.Inheritable);
            ValidateCapabilities("permitted", caps.Permitted);
            ValidateCapabilities("ambient", caps.Ambient);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (PosixRlimit rlimit in process.Rlimits ?? [])
        {
            if (!Rlimits.Names.ContainsKey(rlimit.Type)) Fail($"process.rlimits: unknown rlimit type \"{rlimit.Type}\"");
            if (!seen.Add(rlimit.Type)) Fail($"process.rlimits: duplicate rlimit type \"{rlimit.Type}\"");
            if (rlimit.Soft > rlimit.Hard)
                Fail($"process.rlimits: {rlimit.Type} soft limit {rlimit.Soft} is greater than hard limit {rlimit.Hard}");
        }
    }

    private static void ValidateVersion(string version)
    {
        if (string.IsNullOrEmpty(version)) Fail("ociVersion must be set");
        int dot = version.IndexOf('.');
        if ((dot < 0 ? version : version[..dot]) != "1")
            Fail($"unsupported ociVersion \"{version}\": only 1.x is supported");
    }

    private static void ValidateRoot(Root? root, string bundleDir)
    {
        if (root is null || string.IsNullOrEmpty(root.Path)) Fail("root.path must be set");
        string path = Path.IsPathRooted(root.Path) ? root.Path : Path.GetFullPath(root.Path, Path.GetFullPath(bundleDir));
        if (Directory.Exists(path)) return;
        Fail(File.Exists(path) ? $"rootfs {path} is not a directory" : $"rootfs {path} does not exist");
    }

    private static void ValidateCapabilities(string set, List<string>? names)
    {
        foreach (string name in names ?? [])
        {
            if (!Capabilities.All.ContainsKey(name)) Fail($"process.capabilities.{set}: unknown capability \"{name}\"");
        }
    }

    private static void ValidateMounts(List<Mount>? mounts)
    {
        for (int i = 0; i < (mounts?.Count ?? 0); i++)
        {
            string destination = mounts![i].Destination;
            if (!destination.StartsWith('/')) Fail($"mounts[{i}].destination \"{destination}\" must be an absolute path");
        }
    }

    private static void ValidateHooks(Hooks? hooks)
    {
        if (hooks is null) return;
        ValidateHookList("prestart", hooks.Prestart);
        ValidateHookList("createRuntime", hooks.CreateRuntime);
        ValidateHookList("createContainer", hooks.CreateContainer);
        ValidateHookList("startContainer", hooks.StartContainer);
        ValidateHookList("poststart", hooks.Poststart);
        ValidateHookList("poststop", hooks.Poststop);
    }

    private static void ValidateHookList(string name, List<Hook>? hooks)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            Hook hook = hooks![i];
            if (!hook.Path.StartsWith('/')) Fail($"hooks.{name}[{i}].path \"{hook.Path}\" must be an absolute path");
            if (hook.Timeout <= 0) Fail($"hooks.{name}[{i}].timeout must be greater than zero");
        }
    }

    private static Dictionary<string, LinuxNamespace> ValidateNamespaces(List<LinuxNamespace>? namespaces)
    {
        var byType = new Dictionary<string, LinuxNamespace>(StringComparer.Ordinal);
        for (int i = 0; i < (namespaces?.Count ?? 0); i++)
        {
            LinuxNamespace ns = namespaces![i];
            if (!NamespaceTypes.All.Contains(ns.Type)) Fail($"linux.namespaces[{i}]: unknown namespace type \"{ns.Type}\"");
            if (!byType.TryAdd(ns.Type, ns)) Fail($"linux.namespaces: duplicate namespace type \"{ns.Type}\"");
        }
        return byType;
    }

    private static void ValidateIdMappings(Linux linux, Dictionary<string, LinuxNamespace> namespaces)
    {
        bool hasMappings = linux.UIDMappings is { Count: > 0 } || linux.GIDMappings is { Count: > 0 };
        if (!namespaces.TryGetValue(NamespaceTypes.User, out LinuxNamespace? userNs))
        {
            if (hasMappings) Fail("linux.uidMappings and linux.gidMappings require a user namespace");
            return;
        }
        // A new user namespace maps nobody unless told; joining one (path set) keeps its maps.
        if (string.IsNullOrEmpty(userNs.Path))
        {
            if (linux.UIDMappings is not { Count: > 0 }) Fail("a new user namespace requires linux.uidMappings");
            if (linux.GIDMappings is not { Count: > 0 }) Fail("a new user namespace requires linux.gidMappings");
        }
    }

    // runc's rule: a sysctl may only be set when the kernel scopes it to a namespace the container owns.
    private static void ValidateSysctls(Dictionary<string, string>? sysctls, Dictionary<string, LinuxNamespace> namespaces)
    {
        foreach (string key in sysctls?.Keys ?? Enumerable.Empty<string>())
        {
            if (IpcSysctls.Contains(key) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            {
                if (!namespaces.ContainsKey(NamespaceTypes.Ipc)) Fail($"sysctl \"{key}\" is not allowed in the host's IPC namespace");
            }
            else if (key.StartsWith("net.", StringComparison.Ordinal))
            {
                if (!namespaces.ContainsKey(NamespaceTypes.Network)) Fail($"sysctl \"{key}\" is not allowed in the host's network namespace");
            }
            else if (key is "kernel.hostname" or "kernel.domainname")
            {
                if (!namespaces.ContainsKey(NamespaceTypes.Uts)) Fail($"sysctl \"{key}\" is not allowed in the host's UTS namespace");
            }
            else
            {
                Fail($"sysctl \"{key}\" is not in a separate kernel namespace");
            }
        }
    }

    private static void ValidateSeccomp(LinuxSeccomp seccomp)
    {
        if (!SeccompNames.Actions.Contains(seccomp.DefaultAction))
            Fail($"linux.seccomp.defaultAction: unknown action \"{seccomp.DefaultAction}\"");
        foreach (string flag in seccomp.Flags ?? [])
        {
            if (!SeccompNames.Flags.Contains(flag)) Fail($"linux.seccomp.flags: unknown flag \"{flag}\"");
        }
        for (int i = 0; i < (seccomp.Syscalls?.Count ?? 0); i++)
        {
            LinuxSyscall rule = seccomp.Syscalls![i];
            if (!SeccompNames.Actions.Contains(rule.Action))
                Fail($"linux.seccomp.syscalls[{i}].action: unknown action \"{rule.Action}\"");
            foreach (LinuxSeccompArg arg in rule.Args ?? [])
            {
                if (!SeccompNames.Operators.Contains(arg.Op))
                    Fail($"linux.seccomp.syscalls[{i}].args: unknown operator \"{arg.Op}\"");
            }
        }
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new BerthException(ErrorKind.InvalidArgument, message);

    [DoesNotReturn]
    private static T Throw<T>(string message) => throw new BerthException(ErrorKind.InvalidArgument, message);
}
