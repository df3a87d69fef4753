namespace Berth.Daemon.Tests;

public sealed class AuthRegistryFixture : IDisposable
{
    public Registry? Registry { get; } = Daemon.SkipReason is null ? new Registry("--htpasswd", "alice:s3cret") : null;
    public void Dispose() => Registry?.Dispose();
}

/// <summary>Credentials the docker CLI sends (X-Registry-Auth) reach the registry for that pull only.</summary>
public sealed class AuthTests(AuthRegistryFixture fixture) : IClassFixture<AuthRegistryFixture>, IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private string ConfigWith(string user, string password)
    {
        string dir = Path.Combine(_d.Dir, "cfg-" + user);
        Directory.CreateDirectory(dir);
        string auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}"));
        string host = fixture.Registry!.HostPort;
        File.WriteAllText(Path.Combine(dir, "config.json"), "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
        return dir;
    }

    [DaemonFact]
    public void A_pull_with_the_right_credentials_succeeds()
    {
        var (exit, stdout, stderr) = _d.DockerWithConfig(ConfigWith("alice", "s3cret"), "pull", $"{fixture.Registry!.HostPort}/test/busybox:latest");
        Assert.True(exit == 0, stderr);
        Assert.Contains("Downloaded newer image", stdout);
    }

    [DaemonFact]
    public void Without_or_with_wrong_credentials_the_pull_fails_clearly()
    {
        var (exit, _, stderr) = _d.Docker("pull", $"{fixture.Registry!.HostPort}/test/busybox:latest");
        Assert.NotEqual(0, exit);
        Assert.Contains("requires Basic authentication", stderr);
        (exit, _, stderr) = _d.DockerWithConfig(ConfigWith("alice", "wrong"), "pull", $"{fixture.Registry!.HostPort}/test/busybox:latest");
        Assert.NotEqual(0, exit);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_d.Dir, "root", "snapshots")));
    }

    [DaemonFact]
    public void Docker_login_checks_the_password_with_the_registry_and_the_next_pull_uses_it()
    {
        string cfg = Path.Combine(_d.Dir, "cfg-login");
        string host = fixture.Registry!.HostPort;
        var (exit, _, stderr) = _d.DockerWithConfig(cfg, "login", "-u", "alice", "-p", "wrong", host);
        Assert.NotEqual(0, exit);
        Assert.Contains("401", stderr);
        (exit, var stdout, stderr) = _d.DockerWithConfig(cfg, "login", "-u", "alice", "-p", "s3cret", host);
        Assert.True(exit == 0, stderr);
        Assert.Contains("Login Succeeded", stdout);
        (exit, _, stderr) = _d.DockerWithConfig(cfg, "pull", $"{host}/test/busybox:oci");
        Assert.True(exit == 0, stderr);
    }
}
