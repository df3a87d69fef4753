namespace Berth.Daemon.Tests;

public sealed class RegistryFixture : IDisposable
{
    public Registry? Registry { get; } = Daemon.SkipReason is null ? new Registry() : null;
    public void Dispose() => Registry?.Dispose();
}

/// <summary>The real docker CLI pulls, lists, tags, inspects and removes images through berthd.</summary>
public sealed class ImageTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>, IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private string Image(string tag) => $"{fixture.Registry!.HostPort}/test/busybox:{tag}";

    private string Ok(params string[] args)
    {
        var (exit, stdout, stderr) = _d.Docker(args);
        Assert.True(exit == 0, $"docker {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    [DaemonFact]
    public void Pull_then_images_inspect_tag_history_and_rmi()
    {
        string pulled = Ok("pull", Image("latest"));
        Assert.Contains("Pull complete", pulled);
        Assert.Contains("Status: Downloaded newer image", pulled);
        Assert.Equal($"{Image("latest")}", Ok("images", "--format", "{{.Repository}}:{{.Tag}}").Trim());

        string id = Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim();
        Assert.StartsWith("sha256:", id);
        Assert.Equal("linux/amd64 [sh]", Ok("inspect", "--format", "{{.Os}}/{{.Architecture}} {{.Config.Cmd}}", Image("latest")).Trim());

        Ok("tag", Image("latest"), "mybox:1");
        Assert.Equal(id, Ok("inspect", "--format", "{{.Id}}", "mybox:1").Trim());
        Assert.Contains("busybox-image.sh", Ok("history", "--no-trunc", "mybox:1"));
        // The step that made the layer shows the layer's size, the same as the image's (it has one layer).
        Assert.Equal(Ok("images", "--format", "{{.Size}}", "mybox:1").Trim(), Ok("history", "--format", "{{.Size}}", "mybox:1").Trim());

        Assert.Contains("Untagged: mybox:1", Ok("rmi", "mybox:1"));
        string removed = Ok("rmi", Image("latest"));
        Assert.Contains($"Deleted: {id}", removed);
        Assert.Equal("", Ok("images", "-q").Trim());
        // Nothing refers to the layer any more: it and its blobs are gone.
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(_d.Dir, "root", "snapshots")));
    }

    [DaemonFact]
    public void Pulling_the_same_image_again_is_up_to_date_and_shares_the_layer()
    {
        Ok("pull", Image("latest"));
        Assert.Contains("Image is up to date", Ok("pull", Image("latest")));
        Assert.Contains("Already exists", Ok("pull", Image("oci")));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(_d.Dir, "root", "snapshots")));
    }

    [DaemonFact]
    public void A_platform_is_chosen_from_a_manifest_list()
    {
        Ok("pull", Image("multi"));
        Assert.Equal("amd64", Ok("inspect", "--format", "{{.Architecture}}", Image("multi")).Trim());
    }

    [DaemonFact]
    public void Unknown_images_and_bad_references_fail_clearly()
    {
        var (exit, _, stderr) = _d.Docker("inspect", "nosuchimage");
        Assert.NotEqual(0, exit);
        Assert.Contains("No such", stderr);
        (exit, _, stderr) = _d.Docker("pull", fixture.Registry!.HostPort + "/test/nothing:here");
        Assert.NotEqual(0, exit);
        Assert.Contains("manifest unknown", stderr);
        (exit, _, stderr) = _d.Docker("pull", "Upper/Case");
        Assert.NotEqual(0, exit);
        Assert.Contains("invalid reference format", stderr);
    }

    [DaemonFact]
    public void Save_then_load_round_trips_and_skopeo_reads_the_archive()
    {
        Ok("pull", Image("latest"));
        string id = Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim();
        string archive = Path.Combine(_d.Dir, "busybox.tar");
        Ok("save", "-o", archive, Image("latest"));
        Assert.True(new FileInfo(archive).Length > 100_000);

        // An independent reader of the docker-archive format agrees on the image.
        var skopeo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("skopeo",
            ["inspect", "--format", "{{.Digest}} {{len .Layers}}", "docker-archive:" + archive]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string skopeoOut = skopeo.StandardOutput.ReadToEnd();
        string skopeoErr = skopeo.StandardError.ReadToEnd();
        skopeo.WaitForExit();
        Assert.True(skopeo.ExitCode == 0, skopeoErr);
        Assert.EndsWith(" 1", skopeoOut.Trim());

        Ok("rmi", Image("latest"));
        Assert.Equal("", Ok("images", "-q").Trim());
        string loaded = Ok("load", "-i", archive);
        Assert.Contains($"Loaded image: {Image("latest")}", loaded);
        Assert.Equal(id, Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim());
    }

    [DaemonFact]
    public void Loading_a_tar_that_is_not_an_image_archive_fails_and_adds_nothing()
    {
        string bogus = Path.Combine(_d.Dir, "bogus.tar");
        using (var f = File.Create(bogus))
        using (var w = new System.Formats.Tar.TarWriter(f))
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "../../etc/evil") { DataStream = new MemoryStream([1, 2, 3]) });
        var (exit, _, stderr) = _d.Docker("load", "-i", bogus);
        Assert.NotEqual(0, exit);
        Assert.Contains("invalid archive", stderr);
        Assert.Equal("", Ok("images", "-q").Trim());
    }

    [DaemonFact]
    public void Push_to_a_new_repository_then_another_daemon_pulls_the_same_image()
    {
        Ok("pull", Image("oci"));
        string target = $"{fixture.Registry!.HostPort}/pushed/box:{Guid.NewGuid():N}"[..^20];
        Ok("tag", Image("oci"), target);
        string pushed = Ok("push", target);
        Assert.Contains("Pushed", pushed);
        Assert.Matches("digest: sha256:[0-9a-f]{64} size: [0-9]+", pushed);

        using var other = new Daemon();
        var (exit, _, stderr) = other.Docker("pull", target);
        Assert.True(exit == 0, stderr);
        Assert.Equal(Ok("inspect", "--format", "{{.Id}}", target).Trim(),
            other.Docker("inspect", "--format", "{{.Id}}", target).Out.Trim());
    }
}
