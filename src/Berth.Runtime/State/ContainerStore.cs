using System.Text.Json;
using Berth.Core;

namespace Berth.Runtime.State;

/// <summary>The runtime's state directory: one subdirectory per container under --root.</summary>
internal sealed class ContainerStore(string root)
{
    public const string StateFile = "state.json", FifoFile = "exec.fifo", ConfigFile = "config.json";

    public string Root { get; } = root;

    public string DirOf(string id) => Path.Combine(Root, ContainerId.Validate(id));

    public string FifoOf(string id) => Path.Combine(DirOf(id), FifoFile);

    /// <summary>Compiled seccomp filters, by profile (a dot name: never a container id, never listed).</summary>
    public string SeccompCache => Path.Combine(Root, ".seccomp");

    /// <summary>Claims the id: mkdir fails if another container (or a concurrent create) has it.</summary>
    public string Reserve(string id)
    {
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string dir = DirOf(id);
        if (Libc_Mkdir(dir) is int errno && errno != 0)
        {
            if (errno == Interop.Errnos.EEXIST)
                throw new BerthException(ErrorKind.AlreadyExists, "container with given ID already exists");
            throw new Interop.ErrnoException("mkdir", errno, dir);
        }
        return dir;
    }

    private static int Libc_Mkdir(string dir) =>
        Interop.Libc.Mkdir(dir, Convert.ToInt32("711", 8)) == 0 ? 0 : Interop.Check.LastErrno;

    public void Save(ContainerRecord record) =>
        AtomicFile.WriteVolatile(Path.Combine(DirOf(record.Id), StateFile),
            ContainerRecordJson.Write(record));

    /// <summary>The spec the container was created with (or last updated to).</summary>
    public void SaveSpec(string id, ReadOnlySpan<byte> utf8) => AtomicFile.WriteVolatile(Path.Combine(DirOf(id), ConfigFile), utf8);

    public byte[] LoadSpecBytes(string id) => File.ReadAllBytes(Path.Combine(DirOf(id), ConfigFile));

    public Oci.RuntimeSpec LoadSpec(string id) =>
        Oci.OciJson.ReadSpec(LoadSpecBytes(id), Path.Combine(DirOf(id), ConfigFile));

    public ContainerRecord Load(string id)
    {
        string path = Path.Combine(DirOf(id), StateFile);
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BerthException(ErrorKind.NotFound, "container does not exist");
        }
        return ContainerRecordJson.Read(data, path);
    }

    public bool Exists(string id) => File.Exists(Path.Combine(DirOf(id), StateFile));

    public IEnumerable<string> Ids() => Directory.Exists(Root)
        ? Directory.EnumerateDirectories(Root).Select(d => Path.GetFileName(d)).Where(id => File.Exists(Path.Combine(Root, id, StateFile)))
        : [];

    public void Remove(string id)
    {
        string dir = DirOf(id);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
