using Berth.Interop;

namespace Berth.Runtime.Init;

/// <summary>Splits OCI mount options into mount(2) flags, propagation flags and filesystem data.</summary>
internal readonly record struct MountOptions(ulong Flags, ulong Propagation, string Data, bool Recursive, bool Bind)
{
    private static readonly Dictionary<string, (bool Clear, ulong Flag)> FlagOptions = new()
    {
        ["async"] = (true, Libc.MS_SYNCHRONOUS), ["atime"] = (true, Libc.MS_NOATIME), ["defaults"] = (false, 0),
        ["dev"] = (true, Libc.MS_NODEV), ["diratime"] = (true, Libc.MS_NODIRATIME), ["dirsync"] = (false, Libc.MS_DIRSYNC),
        ["exec"] = (true, Libc.MS_NOEXEC), ["mand"] = (false, Libc.MS_MANDLOCK), ["noatime"] = (false, Libc.MS_NOATIME),
        ["nodev"] = (false, Libc.MS_NODEV), ["nodiratime"] = (false, Libc.MS_NODIRATIME), ["noexec"] = (false, Libc.MS_NOEXEC),
        ["nomand"] = (true, Libc.MS_MANDLOCK), ["norelatime"] = (true, Libc.MS_RELATIME), ["nostrictatime"] = (true, Libc.MS_STRICTATIME),
        ["nosuid"] = (false, Libc.MS_NOSUID), ["relatime"] = (false, Libc.MS_RELATIME), ["remount"] = (false, Libc.MS_REMOUNT),
        ["ro"] = (false, Libc.MS_RDONLY), ["rw"] = (true, Libc.MS_RDONLY), ["strictatime"] = (false, Libc.MS_STRICTATIME),
        ["suid"] = (true, Libc.MS_NOSUID), ["sync"] = (false, Libc.MS_SYNCHRONOUS), ["nosymfollow"] = (false, Libc.MS_NOSYMFOLLOW),
        ["lazytime"] = (false, Libc.MS_LAZYTIME), ["nolazytime"] = (true, Libc.MS_LAZYTIME),
    };

    private static readonly Dictionary<string, ulong> PropagationOptions = new()
    {
        ["private"] = Libc.MS_PRIVATE, ["rprivate"] = Libc.MS_PRIVATE | Libc.MS_REC,
        ["shared"] = Libc.MS_SHARED, ["rshared"] = Libc.MS_SHARED | Libc.MS_REC,
        ["slave"] = Libc.MS_SLAVE, ["rslave"] = Libc.MS_SLAVE | Libc.MS_REC,
        ["unbindable"] = Libc.MS_UNBINDABLE, ["runbindable"] = Libc.MS_UNBINDABLE | Libc.MS_REC,
    };

    /// <summary>Options accepted and recorded in "features"; the rest are passed to the filesystem as data.</summary>
    public static IEnumerable<string> Known => FlagOptions.Keys.Concat(PropagationOptions.Keys).Concat(["bind", "rbind"]);

    public static MountOptions Parse(IEnumerable<string>? options, string? type)
    {
        ulong flags = 0, propagation = 0;
        bool bind = type == "bind", recursive = false;
        var data = new List<string>();
        foreach (string o in options ?? [])
        {
            if (o == "bind") bind = true;
            else if (o == "rbind") { bind = true; recursive = true; }
            else if (FlagOptions.TryGetValue(o, out var f)) flags = f.Clear ? flags & ~f.Flag : flags | f.Flag;
            else if (PropagationOptions.TryGetValue(o, out var p)) propagation |= p;
            else data.Add(o);
        }
        return new MountOptions(flags, propagation, string.Join(',', data), recursive, bind);
    }

    /// <summary>Propagation for the rootfs: the spec's value, or rslave as runc defaults.</summary>
    public static ulong RootPropagation(string? value) => string.IsNullOrEmpty(value)
        ? Libc.MS_SLAVE | Libc.MS_REC
        : PropagationOptions.TryGetValue(value, out var p) ? p
        : throw new Core.BerthException(Core.ErrorKind.InvalidArgument, $"invalid rootfsPropagation \"{value}\"");
}
