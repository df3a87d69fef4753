namespace Berth.Cgroups.Tests;

/// <summary>
/// A cgroup tree made of plain directories and files in a temp dir, with matching fake mountinfo and
/// /proc/self/cgroup. The kernel would create a new cgroup's control files on mkdir; here
/// <see cref="SeedV1"/> / <see cref="SeedV2"/> create them with typical contents.
/// </summary>
public sealed class FakeCgroupHost : IDisposable
{
    public static readonly string[] DefaultV1 = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "name=systemd"];

    private readonly string _dir;

    private FakeCgroupHost()
    {
        _dir = Path.Combine(Path.GetTempPath(), "berth-cgtest-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(_dir, "sys", "fs", "cgroup");
        Directory.CreateDirectory(Root);
        MountInfo = Path.Combine(_dir, "mountinfo");
        SelfCgroup = Path.Combine(_dir, "self-cgroup");
    }

    public string Root { get; }
    public string MountInfo { get; }
    public string SelfCgroup { get; }
    public CgroupFs Fs => new(Root, MountInfo, SelfCgroup) { DevicePrograms = DevicePrograms };

    /// <summary>The v2 device programs the managers would have attached, in order.</summary>
    public RecordingDevicePrograms DevicePrograms { get; } = new();

    /// <summary>One mount per hierarchy; each entry may be co-mounted controllers ("cpu,cpuacct").</summary>
    public static FakeCgroupHost V1(string[]? hierarchies = null, bool hybrid = false, string ownPath = "/", bool swapAccounting = true)
    {
        var host = new FakeCgroupHost { SwapAccounting = swapAccounting };
        hierarchies ??= DefaultV1;
        var mountinfo = new List<string> { $"31 23 0:28 / {host.Root} rw,nosuid - tmpfs tmpfs rw,mode=755" };
        var self = new List<string>();
        int id = 1;
        foreach (string h in hierarchies)
        {
            string dirName = h.StartsWith("name=", StringComparison.Ordinal) ? h["name=".Length..] : h;
            string mount = Path.Combine(host.Root, dirName);
            Directory.CreateDirectory(mount);
            mountinfo.Add($"{31 + id} 31 0:{28 + id} / {mount} rw,nosuid,nodev,noexec,relatime shared:{id} - cgroup cgroup rw,{h}");
            self.Add($"{id}:{h}:{ownPath}");
            host.SeedRootFiles(h, mount);
            id++;
        }
        if (hybrid)
        {
            string unified = Path.Combine(host.Root, "unified");
            Directory.CreateDirectory(unified);
            File.WriteAllText(Path.Combine(unified, "cgroup.controllers"), "hugetlb\n");
            File.WriteAllText(Path.Combine(unified, "cgroup.subtree_control"), "");
            File.WriteAllText(Path.Combine(unified, "cgroup.procs"), "");
            mountinfo.Add($"99 31 0:99 / {unified} rw,nosuid,nodev,noexec,relatime shared:99 - cgroup2 cgroup2 rw,nsdelegate");
            self.Add($"0::{ownPath}");
        }
        self.Reverse(); // the kernel lists the highest hierarchy id first
        File.WriteAllLines(host.MountInfo, mountinfo);
        File.WriteAllLines(host.SelfCgroup, self);
        return host;
    }

    public static FakeCgroupHost V2(string controllers = "cpuset cpu io memory hugetlb pids rdma", string ownPath = "/user.slice/session-1.scope")
    {
        var host = new FakeCgroupHost { V2Controllers = controllers };
        File.WriteAllLines(host.MountInfo,
        [
            $"25 23 0:22 / {host.Root} rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
            "26 23 0:5 / /dev rw,nosuid - devtmpfs udev rw",
        ]);
        File.WriteAllText(host.SelfCgroup, $"0::{ownPath}\n");
        File.WriteAllText(Path.Combine(host.Root, "cgroup.controllers"), controllers + "\n");
        File.WriteAllText(Path.Combine(host.Root, "cgroup.subtree_control"), "");
        File.WriteAllText(Path.Combine(host.Root, "cgroup.procs"), "1\n");
        return host;
    }

    public bool SwapAccounting { get; private init; }
    public string V2Controllers { get; private init; } = "";

    public string PathOf(string relative) => Path.Combine(Root, relative.TrimStart('/'));

    public string Read(string relative) => File.ReadAllText(PathOf(relative));

    public void Write(string relative, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(relative))!);
        File.WriteAllText(PathOf(relative), content);
    }

    public bool Exists(string relative) => Directory.Exists(PathOf(relative)) || File.Exists(PathOf(relative));

    private void SeedRootFiles(string hierarchy, string mount)
    {
        File.WriteAllText(Path.Combine(mount, "cgroup.procs"), "1\n");
        if (hierarchy.Split(',').Contains("cpuset"))
        {
            File.WriteAllText(Path.Combine(mount, "cpuset.cpus"), "0-3\n");
            File.WriteAllText(Path.Combine(mount, "cpuset.mems"), "0\n");
        }
    }

    /// <summary>The control files a v1 kernel would create in <paramref name="inner"/> of the hierarchy directory <paramref name="hierarchyDir"/>.</summary>
    public void SeedV1(string hierarchyDir, string inner)
    {
        string dir = Path.Combine(Root, hierarchyDir, inner.TrimStart('/'));
        Directory.CreateDirectory(dir);
        void F(string name, string content = "") => File.WriteAllText(Path.Combine(dir, name), content);
        F("cgroup.procs");
        F("tasks");
        foreach (string controller in hierarchyDir.Split(','))
        {
            switch (controller)
            {
                case "memory":
                    F("memory.limit_in_bytes", "9223372036854771712\n");
                    F("memory.soft_limit_in_bytes", "9223372036854771712\n");
                    F("memory.usage_in_bytes", "1000\n");
                    F("memory.max_usage_in_bytes", "2000\n");
                    F("memory.failcnt", "0\n");
                    F("memory.swappiness", "60\n");
                    F("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
                    F("memory.use_hierarchy", "1\n");
                    F("memory.stat", "cache 4096\nrss 8192\n");
                    if (SwapAccounting)
                    {
                        F("memory.memsw.limit_in_bytes", "9223372036854771712\n");
                        F("memory.memsw.usage_in_bytes", "1500\n");
                        F("memory.memsw.max_usage_in_bytes", "2500\n");
                        F("memory.memsw.failcnt", "0\n");
                    }
                    break;
                case "cpu":
                    F("cpu.shares", "1024\n");
                    F("cpu.cfs_quota_us", "-1\n");
                    F("cpu.cfs_period_us", "100000\n");
                    F("cpu.cfs_burst_us", "0\n");
                    F("cpu.rt_runtime_us", "0\n");
                    F("cpu.rt_period_us", "1000000\n");
                    F("cpu.idle", "0\n");
                    F("cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 3000\n");
                    break;
                case "cpuacct":
                    F("cpuacct.usage", "123456789\n");
                    F("cpuacct.stat", "user 12\nsystem 3\n");
                    F("cpuacct.usage_percpu", "100 200 \n");
                    F("cpuacct.usage_all", "cpu user system\n0 70 30\n1 150 50\n");
                    break;
                case "cpuset":
                    F("cpuset.cpus", "\n");
                    F("cpuset.mems", "\n");
                    break;
                case "pids":
                    F("pids.max", "max\n");
                    F("pids.current", "3\n");
                    break;
                case "freezer":
                    F("freezer.state", "THAWED\n");
                    F("freezer.self_freezing", "0\n");
                    break;
                case "blkio":
                    F("blkio.weight", "500\n");
                    F("blkio.weight_device", "");
                    F("blkio.leaf_weight", "500\n");
                    F("blkio.leaf_weight_device", "");
                    foreach (string t in (string[])["read_bps", "write_bps", "read_iops", "write_iops"]) F($"blkio.throttle.{t}_device", "");
                    F("blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 8192\n8:0 Total 12288\nTotal 12288\n");
                    F("blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 2\nTotal 3\n");
                    break;
                case "devices":
                    F("devices.allow");
                    F("devices.deny");
                    F("devices.list", "a *:* rwm\n");
                    break;
                case "hugetlb":
                    foreach (string size in (string[])["2MB", "1GB"])
                    {
                        F($"hugetlb.{size}.limit_in_bytes", "9223372036854771712\n");
                        F($"hugetlb.{size}.rsvd.limit_in_bytes", "9223372036854771712\n");
                        F($"hugetlb.{size}.usage_in_bytes", "0\n");
                        F($"hugetlb.{size}.max_usage_in_bytes", "0\n");
                        F($"hugetlb.{size}.failcnt", "0\n");
                    }
                    break;
            }
        }
    }

    /// <summary>The control files a v2 kernel would create in <paramref name="inner"/> with <see cref="V2Controllers"/> enabled.</summary>
    public void SeedV2(string inner, bool swap = true)
    {
        string dir = Path.Combine(Root, inner.TrimStart('/'));
        Directory.CreateDirectory(dir);
        void F(string name, string content = "") => File.WriteAllText(Path.Combine(dir, name), content);
        F("cgroup.procs");
        F("cgroup.controllers", V2Controllers + "\n");
        F("cgroup.subtree_control");
        F("cgroup.freeze", "0\n");
        F("cgroup.events", "populated 0\nfrozen 0\n");
        F("cgroup.type", "domain\n");
        foreach (string controller in V2Controllers.Split(' '))
        {
            switch (controller)
            {
                case "memory":
                    F("memory.max", "max\n");
                    F("memory.low", "0\n");
                    F("memory.current", "1000\n");
                    F("memory.peak", "2000\n");
                    F("memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
                    F("memory.stat", "anon 8192\nfile 4096\n");
                    if (swap)
                    {
                        F("memory.swap.max", "max\n");
                        F("memory.swap.current", "500\n");
                    }
                    break;
                case "cpu":
                    F("cpu.weight", "100\n");
                    F("cpu.max", "max 100000\n");
                    F("cpu.max.burst", "0\n");
                    F("cpu.idle", "0\n");
                    F("cpu.stat", "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnr_periods 5\nnr_throttled 1\nthrottled_usec 7\n");
                    break;
                case "cpuset":
                    F("cpuset.cpus");
                    F("cpuset.mems");
                    break;
                case "pids":
                    F("pids.max", "max\n");
                    F("pids.current", "2\n");
                    break;
                case "io":
                    F("io.weight", "default 100\n");
                    F("io.max");
                    F("io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
                    break;
                case "hugetlb":
                    foreach (string size in (string[])["2MB", "1GB"])
                    {
                        F($"hugetlb.{size}.max", "max\n");
                        F($"hugetlb.{size}.current", "0\n");
                        F($"hugetlb.{size}.events", "max 0\n");
                    }
                    break;
                case "rdma":
                    F("rdma.max");
                    break;
            }
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
