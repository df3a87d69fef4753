namespace Berth.Daemon.Tests;

/// <summary>berth login/logout keep docker's config.json; the daemon checks the password; pulls then carry it.</summary>
public sealed class CliAuthTests(AuthRegistryFixture fixture) : IClassFixture<AuthRegistryFixture>, IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    [CliFact]
    public void Login_writes_config_json_as_docker_does_and_logout_removes_it()
    {
        string host = fixture.Registry!.HostPort;
        string cfg = Path.Combine(_d.Dir, "berth-cfg");
        var env = new Dictionary<string, string> { ["BERTH_HOST"] = _d.Host };

        var (exit, _, stderr) = CliRunner.Run(["--config", cfg, "login", "-u", "alice", "-p", "wrong", host], env);
        Assert.Equal(1, exit);
        Assert.StartsWith("WARNING! Using --password via the CLI is insecure", stderr);
        Assert.Contains("Error response from daemon: login attempt to", stderr);
        Assert.False(File.Exists(Path.Combine(cfg, "config.json")));

        (exit, var stdout, stderr) = CliRunner.Run(["--config", cfg, "login", "-u", "alice", "--password-stdin", host], env, stdin: "s3cret\n");
        Assert.True(exit == 0, stderr);
        Assert.Equal("Login Succeeded\n", stdout);
        string ours = File.ReadAllText(Path.Combine(cfg, "config.json"));
        Assert.Equal("{\n\t\"auths\": {\n\t\t\"" + host + "\": {\n\t\t\t\"auth\": \"YWxpY2U6czNjcmV0\"\n\t\t}\n\t}\n}", ours);

        // docker reads what berth wrote, and berth's pull sends it
        Assert.Equal(0, _d.DockerWithConfig(cfg, "pull", $"{host}/test/busybox:oci").Exit);
        (exit, _, stderr) = CliRunner.Run(["--config", cfg, "pull", $"{host}/test/busybox:latest"], env);
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = CliRunner.Run(["--config", Path.Combine(_d.Dir, "empty-cfg"), "pull", $"{host}/test/busybox:multi"], env);
        Assert.Equal(1, exit);
        Assert.Contains("requires Basic authentication", stderr);

        (exit, stdout, _) = CliRunner.Run(["--config", cfg, "logout", host], env);
        Assert.Equal(0, exit);
        Assert.Equal($"Removing login credentials for {host}\n", stdout);
        Assert.DoesNotContain(host, File.ReadAllText(Path.Combine(cfg, "config.json")));
    }
}
