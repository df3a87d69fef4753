using System.Text.Json;

namespace Berth.Daemon.Tests;

/// <summary>out/bin/berth against a private berthd and registry, side by side with the real docker CLI.</summary>
public sealed class CliTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private string Image(string tag) => $"{fixture.Registry!.HostPort}/test/busybox:{tag}";

    private (int Exit, string Out, string Err) Berth(params string[] args) =>
        CliRunner.Run(["--config", Path.Combine(_d.Dir, "berth-config"), .. args], new Dictionary<string, string> { ["BERTH_HOST"] = _d.Host });

    private string Ok(params string[] args)
    {
        var (exit, stdout, stderr) = Berth(args);
        Assert.True(exit == 0, $"berth {string.Join(' ', args)} exited {exit}: {stderr}");
        return stdout;
    }

    private string DockerOk(params string[] args)
    {
        var (exit, stdout, stderr) = _d.Docker(args);
        Assert.True(exit == 0, $"docker {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    [CliFact]
    public void Pull_prints_plain_lines_and_the_reference_then_images_lists_it()
    {
        string pulled = Ok("pull", Image("latest"));
        string[] lines = pulled.TrimEnd('\n').Split('\n');
        Assert.Equal($"latest: Pulling from {fixture.Registry!.HostPort}/test/busybox", lines[0]);
        Assert.Contains(lines, l => l.EndsWith(": Pull complete", StringComparison.Ordinal));
        Assert.DoesNotContain("\u001b", pulled);
        Assert.DoesNotContain("Downloading", pulled); // byte counts are for terminals only
        Assert.StartsWith("Digest: sha256:", lines[^3]);
        Assert.Equal($"Status: Downloaded newer image for {Image("latest")}", lines[^2]);
        Assert.Equal(Image("latest"), lines[^1]);
        Assert.Equal(Image("latest") + "\n", Ok("pull", "-q", Image("latest")));

        string id = Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim();
        string[] table = Ok("images").TrimEnd('\n').Split('\n');
        Assert.Matches("^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$", table[0]);
        Assert.Matches($"^{fixture.Registry.HostPort}/test/busybox +latest +{id[7..19]} +.+ ago +[0-9.]+[kM]B$", table[1]);
        Assert.Equal(id[7..19] + "\n", Ok("images", "-q"));
        var row = JsonDocument.Parse(Ok("images", "--format", "{{json .}}")).RootElement;
        Assert.Equal("latest", row.GetProperty("Tag").GetString());
        Assert.Equal(id[7..19], row.GetProperty("ID").GetString());
        Assert.Equal($"{Image("latest")} {id}\n", Ok("images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"));
    }

    [CliFact]
    public void On_a_terminal_pull_redraws_layer_lines_in_place_as_docker_does()
    {
        // script(1) gives berth a pty; stty fixes its width so that the bars show (docker draws them above 110 columns)
        string Tty(string cli) => RunScript($"stty cols 150; {cli} -H {_d.Host} pull {Image("latest")}");
        string ours = Tty(CliRunner.Berth);
        Assert.StartsWith("\r\n\u001b[1A\u001b[2K\rlatest: Pulling from ", ours);
        Assert.Matches("\u001b\\[1A\u001b\\[2K\r[0-9a-f]{12}: Pull complete \r\u001b\\[1B", ours);
        Assert.Contains("Digest: sha256:", ours);
        Assert.EndsWith($"{Image("latest")}\r\n", ours);
        Ok("rmi", Image("latest"));
        string theirs = Tty("docker");
        // the same lines once the byte counts (which depend on read sizes) are left out
        static string Steady(string s) => System.Text.RegularExpressions.Regex.Replace(s, "\u001b\\[1A\u001b\\[2K\r[0-9a-f]{12}: (Downloading|Extracting) [^\r]*\r\u001b\\[1B", "");
        Assert.Equal(Steady(theirs), Steady(ours));
    }

    private static string RunScript(string command)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("script", ["-qec", command, "/dev/null"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("BERTH_HOST");
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.StandardInput.Close();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"script {command}: exit {p.ExitCode}: {stdout}");
        return stdout;
    }

    [CliFact]
    public void Output_matches_the_docker_cli_against_the_same_daemon()
    {
        Ok("pull", Image("latest"));
        Ok("pull", Image("oci"));
        Ok("tag", Image("latest"), "mybox:1");
        string[][] commands =
        [
            ["images"], ["images", "--digests"], ["images", "--no-trunc"], ["images", "-q"], ["images", "-a"],
            ["images", "--format", "{{json .}}"], ["images", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.Size}}"],
            ["images", "--format", "{{.ID}}: {{.Repository}} {{.CreatedAt}} {{.VirtualSize}}"],
            ["history", "mybox:1"], ["history", "--no-trunc", "-H=false", "mybox:1"], ["history", "-q", "mybox:1"],
            ["history", "--format", "{{json .}}", "mybox:1"],
            ["inspect", "mybox:1"], ["image", "inspect", Image("oci")],
            ["inspect", "--format", "{{.Os}}/{{.Architecture}} {{.Config.Cmd}} {{json .RootFS}} {{range .RepoTags}}[{{.}}]{{end}}", "mybox:1"],
        ];
        foreach (string[] c in commands)
        {
            // Go ranges over a map to group an image's rows, so their order varies from run to run: compare the
            // rows as sets, and a table's header line exactly.
            bool table = !c.Contains("-q") && (Array.IndexOf(c, "--format") is var f && (f < 0 || c[f + 1].StartsWith("table", StringComparison.Ordinal)));
            string[] ours = Ok(c).Split('\n'), theirs = DockerOk(c).Split('\n');
            Assert.True((!table || ours[0] == theirs[0]) && ours.Order().SequenceEqual(theirs.Order()),
                $"berth {string.Join(' ', c)}:\n{string.Join('\n', ours)}\ndocker:\n{string.Join('\n', theirs)}");
        }
    }

    [CliFact]
    public void Tag_rmi_and_errors_are_docker_s()
    {
        Ok("pull", Image("latest"));
        Ok("tag", Image("latest"), "mybox:1");
        Assert.Equal("Untagged: mybox:1\n", Ok("rmi", "mybox:1"));
        string[][] failing =
        [
            ["inspect", "nosuchimage"], ["image", "inspect", "nosuchimage"], ["rmi", "nosuchimage"], ["tag", "nosuchimage", "x"],
            ["pull", "Upper/Case"], ["tag", Image("latest"), "Bad/Name"], ["history", "nosuchimage"],
            ["images", "--format", "{{.Nope}}"], ["inspect", "--format", "{{.Nope}}", Image("latest")], ["inspect", "--format", "{{.Id", Image("latest")],
            ["pull", fixture.Registry!.HostPort + "/test/nothing:here"],
            ["images", "--bogus"], ["images", "a", "b"], ["tag", "x"], ["nosuchcommand"],
        ];
        foreach (string[] c in failing)
        {
            var ours = Berth(c);
            var theirs = _d.Docker(c);
            string expected = theirs.Err.Replace("docker", "berth").Replace("Docker", "Berth").Replace("SRun", "Run");
            Assert.True(ours.Exit == theirs.Exit && ours.Err == expected && ours.Out == theirs.Out,
                $"berth {string.Join(' ', c)}: exit {ours.Exit}, out [{ours.Out}], err [{ours.Err}]\ndocker: exit {theirs.Exit}, out [{theirs.Out}], err [{expected}]");
        }
        Assert.Equal(Image("latest"), Ok("images", "--format", "{{.Repository}}:{{.Tag}}").Trim());
        Assert.Contains("Deleted: sha256:", Ok("rmi", Image("latest")));
        Assert.Equal("", Ok("images", "-q"));
    }

    [CliFact]
    public void Save_then_load_round_trips_through_a_file_and_through_a_pipe()
    {
        Ok("pull", Image("latest"));
        string id = Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim();
        string archive = Path.Combine(_d.Dir, "busybox.tar");
        Ok("save", "-o", archive, Image("latest"));
        Assert.True(new FileInfo(archive).Length > 100_000);
        Ok("rmi", Image("latest"));
        Assert.Equal($"Loaded image: {Image("latest")}\n", Ok("load", "-i", archive));
        Assert.Equal(id, Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim());

        Ok("rmi", Image("latest"));
        var (exit, stdout, stderr) = CliRunner.Run(["-H", _d.Host, "load"], stdinFile: archive);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Loaded image", stdout);
        Assert.Equal(id, Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim());
    }

    [CliFact]
    public void Push_then_another_daemon_pulls_it_with_berth()
    {
        Ok("pull", Image("oci"));
        string target = $"{fixture.Registry!.HostPort}/cli/box:{Guid.NewGuid():N}"[..^20];
        Ok("tag", Image("oci"), target);
        string pushed = Ok("push", target);
        Assert.Matches("digest: sha256:[0-9a-f]{64} size: [0-9]+", pushed);
        using var other = new Daemon();
        var (exit, _, stderr) = CliRunner.Run(["-H", other.Host, "pull", target]);
        Assert.True(exit == 0, stderr);
        Assert.Equal(Ok("inspect", "--format", "{{.Id}}", target), CliRunner.Run(["-H", other.Host, "inspect", "--format", "{{.Id}}", target]).Out);
    }

    [CliFact]
    public void Events_replay_with_since_until_filters_and_format()
    {
        Ok("pull", Image("latest"));
        Ok("tag", Image("latest"), "evbox:1");
        string until = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString();
        string all = Ok("events", "--since", "0", "--until", until);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) image pull " + System.Text.RegularExpressions.Regex.Escape(Image("latest")), all);
        Assert.Contains(" image tag sha256:", all);
        Assert.Contains("(name=evbox:1)", all);
        Assert.Equal("tag\n", Ok("events", "--since", "10m", "--until", until, "--filter", "event=tag", "--format", "{{.Action}}"));
    }

    [CliFact]
    public void BERTH_HOST_wins_over_DOCKER_HOST_and_the_flag_over_both()
    {
        string nowhere = "unix://" + Path.Combine(_d.Dir, "nowhere.sock");
        var env = new Dictionary<string, string> { ["BERTH_HOST"] = _d.Host, ["DOCKER_HOST"] = nowhere };
        Assert.Equal(0, CliRunner.Run(["images", "-q"], env).Exit);

        env = new() { ["BERTH_HOST"] = nowhere, ["DOCKER_HOST"] = _d.Host };
        var (exit, _, stderr) = CliRunner.Run(["images"], env);
        Assert.Equal(1, exit);
        Assert.Equal($"Cannot connect to the Berth daemon at {nowhere}. Is berthd running?\n", stderr);
        Assert.Equal(0, CliRunner.Run(["-H", _d.Host, "images", "-q"], env).Exit);

        Assert.Equal(0, CliRunner.Run(["images", "-q"], new Dictionary<string, string> { ["DOCKER_HOST"] = _d.Host }).Exit);
        Assert.Contains("API version:      1.44", CliRunner.Run(["version"], new Dictionary<string, string> { ["DOCKER_HOST"] = _d.Host }).Out);
    }
}
