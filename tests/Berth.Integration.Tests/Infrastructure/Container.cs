using System.Diagnostics;
using System.Text.Json;
using Berth.Oci;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>A bundle (copied from the busybox template) and the container id that goes with it.</summary>
public sealed class Container
{
    private readonly Sandbox _sandbox;

    internal Container(Sandbox sandbox, string id, string[] args)
    {
        _sandbox = sandbox;
        Id = id;
        Bundle = Path.Combine(sandbox.Dir, "bundles", id);
        BundleTemplate.CopyTo(Bundle);
        Edit(s =>
        {
            s.Process!.Args = [.. args];
            s.Linux!.CgroupsPath = "/" + CgroupName;
        });
    }

    public string Id { get; }
    public string Bundle { get; }
    public string Rootfs => Path.Combine(Bundle, "rootfs");
    public string ConfigPath => Path.Combine(Bundle, "config.json");

    /// <summary>The cgroup directory name below each hierarchy root (cgroupsPath "/berth-it-&lt;id&gt;").</summary>
    public string CgroupName => "berth-it-" + Id;

    /// <summary>&lt;root&gt;/&lt;id&gt;: the runtime's state directory for this container.</summary>
    public string StateDir => Path.Combine(_sandbox.Root, Id);

    public RuntimeSpec Spec => OciJson.ReadSpec(ConfigPath);

    /// <summary>Loads config.json, applies <paramref name="change"/>, writes it back.</summary>
    public Container Edit(Action<RuntimeSpec> change)
    {
        var spec = OciJson.ReadSpec(ConfigPath);
        change(spec);
        File.WriteAllText(ConfigPath, OciJson.WriteIndented(spec));
        return this;
    }

    /// <summary>Writes a file into the rootfs (on the host side, so a read-only root does not matter).</summary>
    public string WriteRootfsFile(string pathInContainer, string content, string mode = "644")
    {
        string path = Path.Combine(Rootfs, pathInContainer.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));
        return path;
    }

    // --- runtime commands -------------------------------------------------------------------

    /// <summary><c>run --bundle B [flags] id</c> in the foreground: exits with the container's status.</summary>
    public RunResult Run(params string[] flags) => _sandbox.Rt(["run", "--bundle", Bundle, .. flags, Id]);

    public RunResult Create(params string[] flags) => _sandbox.Rt(["create", "--bundle", Bundle, .. flags, Id]);

    public RunResult Start() => _sandbox.Rt("start", Id);

    public RunResult Kill(string? signal = null) => signal is null ? _sandbox.Rt("kill", Id) : _sandbox.Rt("kill", Id, signal);

    public RunResult Delete(bool force = false) => force ? _sandbox.Rt("delete", "--force", Id) : _sandbox.Rt("delete", Id);

    public RunResult State() => _sandbox.Rt("state", Id);

    public RunResult Pause() => _sandbox.Rt("pause", Id);

    public RunResult Resume() => _sandbox.Rt("resume", Id);

    /// <summary><c>exec [flags] id args...</c>; put flags such as --env before the first argument with <see cref="ExecWith"/>.</summary>
    public RunResult Exec(params string[] args) => _sandbox.Rt(["exec", Id, .. args]);

    /// <summary><c>exec flags... id args...</c></summary>
    public RunResult ExecWith(string[] flags, params string[] args) => _sandbox.Rt(["exec", .. flags, Id, .. args]);

    /// <summary><c>update flags... id</c></summary>
    public RunResult Update(params string[] flags) => _sandbox.Rt(["update", .. flags, Id]);

    /// <summary>The pids <c>ps --format json</c> prints, which must succeed.</summary>
    public List<int> PsPids()
    {
        using var doc = JsonDocument.Parse(_sandbox.Rt("ps", "--format", "json", Id).Ok().Stdout);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.GetInt32())];
    }

    /// <summary>A file of this container's cgroup on the host: /sys/fs/cgroup/&lt;controller&gt;/berth-it-&lt;id&gt;/&lt;file&gt;.</summary>
    public string CgroupFile(string controller, string file) => Path.Combine("/sys/fs/cgroup", controller, CgroupName, file);

    /// <summary>create then start, both asserted to succeed.</summary>
    public Container CreateAndStart()
    {
        Create().Ok();
        Start().Ok();
        return this;
    }

    /// <summary>The parsed output of <c>state</c>, which must succeed.</summary>
    public JsonElement StateJson()
    {
        var r = State().Ok();
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.Clone();
    }

    public string Status => StateJson().GetProperty("status").GetString()!;

    public int Pid => StateJson().GetProperty("pid").GetInt32();

    /// <summary>Polls <c>state</c> until the status is <paramref name="status"/>; fails after the timeout.</summary>
    /// <summary>
    /// Waits until init has a handler for <paramref name="signal"/>: a PID 1 ignores signals it does not
    /// handle, so a kill sent before the shell set its trap would be lost (with runc as well).
    /// </summary>
    public Container WaitForHandler(int signal, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            string? line = File.ReadLines($"/proc/{Pid}/status").FirstOrDefault(l => l.StartsWith("SigCgt:", StringComparison.Ordinal));
            if (line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << (signal - 1))) != 0) return this;
            Thread.Sleep(10);
        }
        throw new TimeoutException($"container {Id} never installed a handler for signal {signal}");
    }

    public JsonElement WaitForStatus(string status, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (true)
        {
            var state = StateJson();
            if (state.GetProperty("status").GetString() == status) return state;
            if (clock.Elapsed > limit) Assert.Fail($"container {Id} did not become {status} within {limit.TotalSeconds} s: {state}");
            Thread.Sleep(20);
        }
    }

    // --- what is left on the host ------------------------------------------------------------

    /// <summary>Every directory this container's cgroup could have on the host (cgroupsPath, or the id when config.json was unreadable).</summary>
    public IEnumerable<string> CgroupDirs()
    {
        foreach (string hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup"))
            yield return Path.Combine(hierarchy, CgroupName);
        foreach (string line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            foreach (string controller in parts[1].Length == 0 ? ["unified"] : parts[1].Split(','))
                yield return $"/sys/fs/cgroup/{controller.Replace("name=", "")}{parts[2].TrimEnd('/')}/{Id}";
        }
    }

    public List<int> HostProcesses() => Infrastructure.HostProcesses.Find(_sandbox.Dir, Id, CgroupName);

    /// <summary>No state directory, no cgroup directory and no process of this container remain.</summary>
    public void AssertNothingLeft()
    {
        Assert.False(Directory.Exists(StateDir), $"state directory {StateDir} was left behind");
        var cgroups = CgroupDirs().Where(Directory.Exists).ToList();
        Assert.True(cgroups.Count == 0, $"cgroups left behind: {string.Join(", ", cgroups)}");
        var clock = Stopwatch.StartNew();
        List<int> pids;
        // A process killed by the runtime may need a moment to be reaped by its new parent.
        while ((pids = HostProcesses().Where(Infrastructure.HostProcesses.IsAlive).ToList()).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(2))
            Thread.Sleep(20);
        Assert.True(pids.Count == 0, $"processes left behind: {string.Join(", ", pids.Select(Describe))}");
    }

    private static string Describe(int pid)
    {
        try { return $"{pid} ({File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()})"; }
        catch (IOException) { return pid.ToString(System.Globalization.CultureInfo.InvariantCulture); }
    }
}
