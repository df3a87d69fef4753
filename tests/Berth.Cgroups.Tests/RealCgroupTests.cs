using Process = System.Diagnostics.Process;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using Berth.Oci;

namespace Berth.Cgroups.Tests;

/// <summary>Against the host's real cgroupfs; needs root and a v1 memory hierarchy (this build machine has both).</summary>
public sealed class RealCgroupTests
{
    [RootFact]
    public void Create_apply_join_and_remove_on_the_real_host()
    {
        string name = "berth-test-" + Guid.NewGuid().ToString("N")[..12];
        var fs = new CgroupFs();
        ICgroupManager m = CgroupManagerFactory.Create("/" + name, name, fs);
        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            m.Create();
            Assert.True(Directory.Exists($"/sys/fs/cgroup/memory/{name}"));
            if (m.Paths.TryGetValue("cpuset", out string? cpuset)) // copied from the parent, or no task could join
                Assert.NotEqual("", File.ReadAllText(Path.Join(cpuset, "cpuset.cpus")).Trim());

            m.Apply(new LinuxResources
            {
                Pids = new LinuxPids { Limit = 42 },
                Memory = new LinuxMemory { Limit = 64 << 20 },
            });
            Assert.Equal("42", File.ReadAllText($"/sys/fs/cgroup/pids/{name}/pids.max").Trim());
            Assert.Equal((64 << 20).ToString(), File.ReadAllText($"/sys/fs/cgroup/memory/{name}/memory.limit_in_bytes").Trim());

            m.AddProcess(sleeper.Id);
            Assert.Equal([sleeper.Id], m.GetPids());
            Assert.Equal(1ul, m.GetStats().Pids.Current);

            m.Remove(); // must SIGKILL the sleeper to be able to rmdir
            Assert.False(Directory.Exists($"/sys/fs/cgroup/memory/{name}"));
            Assert.False(Directory.Exists($"/sys/fs/cgroup/pids/{name}"));
            Assert.True(sleeper.WaitForExit(5000));
        }
        finally
        {
            if (!sleeper.HasExited) sleeper.Kill();
            sleeper.WaitForExit(5000);
            try { m.Remove(); } catch (Berth.Core.BerthException) { /* report the test's own failure instead */ }
        }
    }
}
