using System.Globalization;
using System.Text.Json;
using Berth.Integration.Tests.Infrastructure;

namespace Berth.Integration.Tests;

/// <summary>create / start / state / kill / delete / list / ps / pause / resume, as runc's callers use them.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly Sandbox _sb = new();

    public void Dispose() => _sb.Dispose();

    /// <summary>PID 1 ignores signals it has no handler for; this one exits on SIGTERM.</summary>
    private static readonly string[] ExitsOnTerm = ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"];

    private static readonly string[] RuncStateKeys = ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"];

    private static string[] Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];

    [RootFact]
    public void Create_start_kill_delete_walks_through_the_states()
    {
        var c = _sb.NewContainer(ExitsOnTerm);
        c.Create().Ok();

        var raw = c.State().Ok();
        Assert.False(raw.Stdout.EndsWith('\n'), "runc prints state without a trailing newline");
        var created = c.StateJson();
        Assert.Equal(RuncStateKeys, Keys(created));
        Assert.Equal("created", created.GetProperty("status").GetString());
        Assert.Equal(c.Id, created.GetProperty("id").GetString());
        Assert.Equal(c.Bundle, created.GetProperty("bundle").GetString());
        Assert.Equal(c.Rootfs, created.GetProperty("rootfs").GetString());
        Assert.Equal("", created.GetProperty("owner").GetString());
        int pid = created.GetProperty("pid").GetInt32();
        Assert.True(pid > 0);
        Assert.True(HostProcesses.IsAlive(pid));
        var when = DateTimeOffset.Parse(created.GetProperty("created").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(when, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        c.Start().Ok();
        var running = c.StateJson();
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(pid, running.GetProperty("pid").GetInt32());

        c.WaitForHandler(15).Kill("TERM").Ok();
        var stopped = c.WaitForStatus("stopped");
        Assert.Equal(0, stopped.GetProperty("pid").GetInt32());
        Assert.Equal(RuncStateKeys, Keys(stopped));

        c.Delete().Ok();
        Assert.False(Directory.Exists(c.StateDir));
        c.State().FailsWith("container does not exist");
        c.AssertNothingLeft();
    }

    [RootTheory]
    [InlineData("TERM")]
    [InlineData("SIGTERM")]
    [InlineData("15")]
    public void Kill_accepts_signal_names_with_and_without_SIG_and_numbers(string signal)
    {
        var c = _sb.NewContainer(ExitsOnTerm).CreateAndStart().WaitForHandler(15);
        c.Kill(signal).Ok();
        c.WaitForStatus("stopped");
    }

    [RootFact]
    public void Kill_without_a_signal_sends_SIGTERM()
    {
        var c = _sb.NewContainer(ExitsOnTerm).CreateAndStart().WaitForHandler(15);
        c.Kill().Ok();
        c.WaitForStatus("stopped");
    }

    [RootFact]
    public void Kill_of_a_stopped_container_says_not_running()
    {
        var c = _sb.NewContainer("true").CreateAndStart();
        c.WaitForStatus("stopped");
        c.Kill("KILL").FailsWith("container not running");
    }

    [RootFact]
    public void State_shows_annotations_only_when_set()
    {
        var c = _sb.NewContainer("sleep", "1000").Edit(s => s.Annotations = new() { ["org.example.key"] = "value" });
        c.Create().Ok();
        var state = c.StateJson();
        Assert.Equal("value", state.GetProperty("annotations").GetProperty("org.example.key").GetString());
        Assert.Equal(RuncStateKeys.Append("annotations").Order(), Keys(state).Order());
    }

    [RootFact]
    public void Delete_of_a_running_container_without_force_fails_and_leaves_it_running()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Delete().FailsWith($"cannot delete container {c.Id} that is not stopped: running");
        Assert.Equal("running", c.Status);
    }

    [RootFact]
    public void Delete_force_of_a_running_container_kills_and_removes_it()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        int pid = c.Pid;
        c.Delete(force: true).Ok();
        Assert.False(HostProcesses.IsAlive(pid));
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Delete_of_a_created_container_kills_and_removes_it()
    {
        var c = _sb.NewContainer("sleep", "1000");
        c.Create().Ok();
        int pid = c.Pid;
        c.Delete().Ok();
        Assert.False(HostProcesses.IsAlive(pid));
        c.AssertNothingLeft();
    }

    [RootFact]
    public void Delete_force_of_an_unknown_container_succeeds_and_plain_delete_fails()
    {
        _sb.Rt("delete", "--force", "never-created").Ok();
        _sb.Rt("delete", "never-created").FailsWith("container does not exist");
    }

    [RootFact]
    public void Delete_force_removes_a_container_whose_state_file_is_damaged()
    {
        // State files are written atomically but without fsync: after a power loss one may be empty.
        string dir = Path.Combine(_sb.Root, "damaged");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "state.json"), "");
        _sb.Rt("delete", "damaged").FailsWith("damaged");
        _sb.Rt("delete", "--force", "damaged").Ok();
        Assert.False(Directory.Exists(dir));
    }

    [RootFact]
    public void Start_twice_fails()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Start().FailsWith("running");
        Assert.Equal("running", c.Status);
    }

    [RootFact]
    public void Create_with_a_duplicate_id_fails_and_does_not_disturb_the_first()
    {
        var first = _sb.NewContainer("sleep", "1000");
        first.Create().Ok();
        int pid = first.Pid;
        var other = _sb.NewContainer("true");
        _sb.Rt("create", "--bundle", other.Bundle, first.Id).FailsWith("container with given ID already exists");
        var state = first.StateJson();
        Assert.Equal("created", state.GetProperty("status").GetString());
        Assert.Equal(pid, state.GetProperty("pid").GetInt32());
        Assert.Equal(first.Bundle, state.GetProperty("bundle").GetString());
        first.Start().Ok();
        Assert.Equal("running", first.Status);
    }

    [RootFact]
    public void State_of_an_unknown_id_fails()
    {
        _sb.Rt("state", "no-such-container").FailsWith("container does not exist");
    }

    [RootFact]
    public void List_shows_containers_as_table_json_and_ids()
    {
        var a = _sb.NewContainer("sleep", "1000");
        a.Create().Ok();
        var b = _sb.NewContainer("sleep", "1000").CreateAndStart();

        var table = _sb.Rt("list").Ok().Out.Split('\n');
        Assert.Equal(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], table[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, table.Length);
        Assert.Contains(table, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var id, var pid, "created", var bundle, ..] && id == a.Id && pid == a.Pid.ToString(CultureInfo.InvariantCulture) && bundle == a.Bundle);
        Assert.Contains(table, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var id, _, "running", ..] && id == b.Id);

        using var json = JsonDocument.Parse(_sb.Rt("list", "--format", "json").Ok().Stdout);
        var byId = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { [a.Id] = "created", [b.Id] = "running" }, byId);

        Assert.Equal(new[] { a.Id, b.Id }.Order(StringComparer.Ordinal), _sb.Rt("list", "-q").Ok().Out.Split('\n').Order(StringComparer.Ordinal));
    }

    [RootFact]
    public void List_of_an_empty_root_prints_only_the_header()
    {
        Assert.Equal("ID PID STATUS BUNDLE CREATED OWNER", string.Join(' ', _sb.Rt("list").Ok().Out.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
    }

    [RootFact]
    public void Ps_json_lists_the_init_pid()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        var r = _sb.Rt("ps", "--format", "json", c.Id).Ok();
        Assert.Equal($"[{c.Pid}]", r.Out);
    }

    [RootFact]
    public void Pid_file_holds_the_init_pid_without_a_newline()
    {
        var c = _sb.NewContainer("sleep", "1000");
        string pidFile = Path.Combine(_sb.Dir, "init.pid");
        c.Create("--pid-file", pidFile).Ok();
        Assert.Equal(c.Pid.ToString(CultureInfo.InvariantCulture), File.ReadAllText(pidFile));
    }

    [RootFact]
    public void Pause_and_resume_show_in_state()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Pause().Ok();
        Assert.Equal("paused", c.Status);
        c.Resume().Ok();
        Assert.Equal("running", c.Status);
    }

    [RootFact]
    public void Paused_container_can_be_force_deleted()
    {
        var c = _sb.NewContainer("sleep", "1000").CreateAndStart();
        c.Pause().Ok();
        c.Delete().FailsWith("that is not stopped: paused");
        c.Delete(force: true).Ok();
        c.AssertNothingLeft();
    }
}
