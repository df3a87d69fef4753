using System.Text;
using System.Text.Json;
using Berth.Cgroups;
using Berth.Core;
using Berth.Runtime.State;

namespace Berth.Runtime.Operations;

public sealed partial class ContainerRuntime
{
    /// <summary>
    /// events: runc's JSON lines. With stats only, one {"type":"stats"} object; otherwise a stats object
    /// every interval and an {"type":"oom"} object whenever the kernel OOM-kills in the container, until it stops.
    /// </summary>
    public void Events(string id, bool statsOnly, TimeSpan interval, Action<string> emit)
    {
        var r = Store.Load(id);
        if (StatusOf(r) == ContainerStatus.Stopped) throw new BerthException(ErrorKind.FailedPrecondition, "container not running");
        var cgroup = CgroupOf(r);
        if (statsOnly)
        {
            emit(Event("stats", id, cgroup.GetStats()));
            return;
        }
        if (interval <= TimeSpan.Zero) throw new BerthException(ErrorKind.InvalidArgument, "duration interval must be greater than 0");
        ulong ooms = OomKills(cgroup);
        void ReportOoms()
        {
            ulong now = OomKills(cgroup);
            if (now > ooms) emit(Event("oom", id, null));
            ooms = now;
        }
        var next = DateTime.UtcNow;
        while (StatusOf(r) != ContainerStatus.Stopped)
        {
            ReportOoms();
            if (DateTime.UtcNow >= next)
            {
                emit(Event("stats", id, cgroup.GetStats()));
                next = DateTime.UtcNow + interval;
            }
            // OOM kills are polled a few times a second so they are reported close to when they happen.
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(250, interval.TotalMilliseconds)));
        }
        // The kill that ended the container (its init OOM-killed) is reported too; the cgroup stays until delete.
        ReportOoms();
    }

    private static string Event(string type, string id, CgroupStats? stats)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("id", id);
            if (stats is not null)
            {
                w.WritePropertyName("data");
                JsonSerializer.Serialize(w, stats, CgroupJsonContext.Default.CgroupStats);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>oom_kill from memory.oom_control (v1) or memory.events (v2); 0 when there is no memory cgroup.</summary>
    private static ulong OomKills(ICgroupManager cgroup)
    {
        foreach (var (controller, file) in new[] { ("memory", "memory.oom_control"), ("unified", "memory.events") })
        {
            if (!cgroup.Paths.TryGetValue(controller, out var dir)) continue;
            string path = Path.Combine(dir, file);
            if (!File.Exists(path)) continue;
            foreach (string line in File.ReadLines(path))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && ulong.TryParse(line.AsSpan(9), out ulong n))
                    return n;
        }
        return 0;
    }
}
