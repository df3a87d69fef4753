using System.IO.Compression;

namespace Berth.Daemon.Tests;

/// <summary>docker import and docker image prune through berthd.</summary>
public sealed class ImportPruneTests : IDisposable
{
    private readonly Daemon _d = new();

    public void Dispose() => _d.Dispose();

    private string Ok(params string[] args)
    {
        var (exit, stdout, stderr) = _d.Docker(args);
        Assert.True(exit == 0, $"docker {string.Join(' ', args)} failed: {stderr}");
        return stdout;
    }

    private string Inspect(string format, string image) => Ok("inspect", "--format", format, image).Trim();

    private string WriteFile(string name, byte[] data)
    {
        string path = Path.Combine(_d.Dir, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    [DaemonFact]
    public void Import_makes_a_one_layer_image_with_the_changes_applied()
    {
        string tar = WriteFile("rootfs.tar", TestImages.RootFsTar("hello"));
        string id = Ok("import", "-m", "my rootfs",
            "-c", "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", "-c", "ENTRYPOINT /init", "-c", "ENV A=1 B=\"two words\"",
            "-c", "WORKDIR /app", "-c", "USER nobody", "-c", "EXPOSE 8080 53/udp", "-c", "LABEL team=berth \"x y\"=z",
            tar, "imported:1").Trim();
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        Assert.Equal(id, Inspect("{{.Id}}", "imported:1"));
        Assert.Equal($"linux/{TestImages.Architecture} my rootfs", Inspect("{{.Os}}/{{.Architecture}} {{.Comment}}", "imported:1"));
        Assert.Equal("[/bin/sh -c echo hi] [/bin/sh -c /init] [A=1 B=two words] /app nobody",
            Inspect("{{.Config.Cmd}} {{.Config.Entrypoint}} {{.Config.Env}} {{.Config.WorkingDir}} {{.Config.User}}", "imported:1"));
        Assert.Equal("map[53/udp:{} 8080/tcp:{}] map[team:berth x y:z]", Inspect("{{.Config.ExposedPorts}} {{.Config.Labels}}", "imported:1"));
        Assert.Contains("my rootfs", Ok("history", "--no-trunc", "imported:1"));
        string plainDiffId = Inspect("{{index .RootFS.Layers 0}}", "imported:1");

        // The same tar gzip-compressed: the same layer (diff id), and no name given: untagged.
        using (var gz = new GZipStream(File.Create(Path.Combine(_d.Dir, "rootfs.tar.gz")), CompressionLevel.Fastest))
            gz.Write(File.ReadAllBytes(tar));
        string id2 = Ok("import", Path.Combine(_d.Dir, "rootfs.tar.gz")).Trim();
        Assert.Equal(plainDiffId, Inspect("{{index .RootFS.Layers 0}}", id2));
        Assert.Contains("Imported from -", Ok("history", "--no-trunc", id2));

        if (File.Exists("/usr/bin/zstd"))
        {
            Tool.Ok("zstd", "-q", tar, "-o", tar + ".zst");
            Assert.Equal(plainDiffId, Inspect("{{index .RootFS.Layers 0}}", Ok("import", tar + ".zst").Trim()));
        }
    }

    [DaemonFact]
    public void Import_refuses_a_non_tar_and_unsupported_changes_and_adds_nothing()
    {
        string junk = WriteFile("junk.tar", System.Text.Encoding.UTF8.GetBytes(new string('x', 4000)));
        var (exit, _, stderr) = _d.Docker("import", junk, "junk:1");
        Assert.NotEqual(0, exit);
        Assert.Contains("not a tar archive", stderr);

        // An empty tar followed by megabytes of zeros is refused as it streams in (CVE-2017-14992).
        string padded = WriteFile("padded.tar", new byte[3 << 20]);
        (exit, _, stderr) = _d.Docker("import", padded, "padded:1");
        Assert.NotEqual(0, exit);
        Assert.Contains("bytes follow the end of the tar archive", stderr);

        string tar = WriteFile("rootfs.tar", TestImages.RootFsTar("hello"));
        (exit, _, stderr) = _d.Docker("import", "-c", "RUN rm -rf /", tar, "bad:1");
        Assert.NotEqual(0, exit);
        Assert.Contains("RUN is not a valid change command", stderr);

        (exit, _, stderr) = _d.Docker("import", "http://127.0.0.1:1/rootfs.tar", "bad:2");
        Assert.NotEqual(0, exit);
        Assert.Contains("not supported", stderr);

        Assert.Equal("", Ok("images", "-q").Trim());
    }

    [DaemonFact]
    public void Images_are_listed_with_dangling_label_and_reference_filters()
    {
        string a = Ok("import", WriteFile("a.tar", TestImages.RootFsTar("a")), "app:1").Trim();
        string b = Ok("import", "-c", "LABEL keep=no", WriteFile("b.tar", TestImages.RootFsTar("b")), "app:1").Trim();
        string c = Ok("import", WriteFile("c.tar", TestImages.RootFsTar("c")), "other:1").Trim();
        Ok("tag", "other:1", "other:2");

        string[] List(params string[] args) => Ok(["images", "--no-trunc", .. args]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([a], List("-q", "--filter", "dangling=true"));
        Assert.Equal([b], List("-q", "app"));
        Assert.Equal([b], List("-q", "--filter", "label=keep=no"));
        Assert.Equal(["other:1", "other:2"], List("--format", "{{.Repository}}:{{.Tag}}", "other").Order());
        Assert.Equal(["other:2"], List("--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=o*r:2"));
        Assert.Equal(new[] { b, c }.Order(), List("-q", "--filter", "dangling=false").Distinct().Order());
        Assert.Empty(List("-q", "--filter", "until=1h"));
    }

    [DaemonFact]
    public void Prune_removes_dangling_images_then_with_all_every_unused_one_and_their_blobs_and_layers()
    {
        string a = Ok("import", "-c", "LABEL keep=yes", WriteFile("a.tar", TestImages.RootFsTar("a")), "app:1").Trim();
        // Retagging app:1 leaves the first image dangling (no tag, no digest).
        string b = Ok("import", "-c", "LABEL keep=no", WriteFile("b.tar", TestImages.RootFsTar("b")), "app:1").Trim();
        string c = Ok("import", WriteFile("c.tar", TestImages.RootFsTar("c")), "other:1").Trim();
        Assert.Equal(3, Ok("images", "-q", "--no-trunc").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        string pruned = Ok("image", "prune", "-f");
        Assert.Contains($"deleted: {a}", pruned);
        Assert.Contains("Total reclaimed space:", pruned);
        Assert.DoesNotContain(b, pruned);
        Assert.Equal(new[] { b, c }.Order(), Ok("images", "-q", "--no-trunc").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        // Nothing is older than an hour; label!=keep spares the labelled image; label=keep=no picks it.
        Assert.DoesNotContain("deleted:", Ok("image", "prune", "-a", "-f", "--filter", "until=1h"));
        pruned = Ok("image", "prune", "-a", "-f", "--filter", "label!=keep");
        Assert.Contains("untagged: other:1", pruned);
        Assert.Contains($"deleted: {c}", pruned);
        Assert.Contains($"deleted: {b}", Ok("image", "prune", "-a", "-f", "--filter", "label=keep=no"));

        Assert.Equal("", Ok("images", "-q").Trim());
        string root = Path.Combine(_d.Dir, "root");
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(root, "snapshots")));
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(root, "content"), "*", SearchOption.AllDirectories),
            f => f.Contains("/blobs/", StringComparison.Ordinal));

        var (exit, _, stderr) = _d.Docker("image", "prune", "-f", "--filter", "colour=red");
        Assert.NotEqual(0, exit);
        Assert.Contains("invalid filter 'colour'", stderr);
    }
}
