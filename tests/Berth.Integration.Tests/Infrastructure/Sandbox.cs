using System.Diagnostics;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// One test's world: a temp directory holding the runtime's --root, the bundles and any host
/// directories the test mounts. Dispose force-deletes every container made here, removes
/// leftover cgroups and mounts, then the directory.
/// </summary>
public sealed class Sandbox : IDisposable
{
    private readonly List<Container> _containers = [];

    public Sandbox()
    {
        Dir = Directory.CreateTempSubdirectory("berth-it-").FullName;
        Root = Path.Combine(Dir, "state");
    }

    /// <summary>The temp directory; also the working directory of every runtime invocation.</summary>
    public string Dir { get; }

    /// <summary>The runtime's --root.</summary>
    public string Root { get; }

    /// <summary>A new busybox bundle with a unique id, the given process args and cgroupsPath "/berth-it-&lt;id&gt;".</summary>
    public Container NewContainer(params string[] args)
    {
        var c = new Container(this, NewId(), args);
        _containers.Add(c);
        return c;
    }

    /// <summary>Unique, valid and short enough to read in a failure message.</summary>
    public static string NewId() => "it" + Guid.NewGuid().ToString("N")[..12];

    /// <summary><c>berth-runtime --root &lt;Root&gt; args...</c></summary>
    public RunResult Rt(params string[] args) => Runtime.Run(["--root", Root, .. args], Dir);

    /// <summary>A directory on the host, under the sandbox, with optional files (name → content).</summary>
    public string HostDir(string name, params (string File, string Content)[] files)
    {
        string dir = Path.Combine(Dir, "host", name);
        Directory.CreateDirectory(dir);
        foreach (var (file, content) in files) File.WriteAllText(Path.Combine(dir, file), content);
        return dir;
    }

    /// <summary>Writes an executable shell script on the host and returns its path.</summary>
    public string HostScript(string name, string body)
    {
        string path = Path.Combine(HostDir("scripts"), name);
        File.WriteAllText(path, body);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
        return path;
    }

    public void Dispose()
    {
        foreach (var c in _containers)
        {
            try { Rt("delete", "--force", c.Id); } catch (Exception) { }
            foreach (string dir in c.CgroupDirs().Where(Directory.Exists)) RemoveCgroup(dir);
            foreach (int pid in HostProcesses.Find(Dir, c.Id, c.CgroupName))
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (Exception) { }
        }
        // A mount that escaped into the host namespace must not make the delete below walk into it.
        foreach (string mount in File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')[1])
                     .Where(m => m.StartsWith(Dir + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length))
            Runtime.Command("/bin/umount", ["-l", mount]);
        try { Directory.Delete(Dir, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void RemoveCgroup(string dir)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            try
            {
                foreach (string line in File.ReadAllLines(Path.Combine(dir, "cgroup.procs")))
                    if (int.TryParse(line, out int pid)) try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (Exception) { }
                Directory.Delete(dir);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(20); }
        }
    }
}
