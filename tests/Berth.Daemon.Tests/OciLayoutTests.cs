using System.Formats.Tar;
using System.Security.Cryptography;

namespace Berth.Daemon.Tests;

/// <summary>
/// docker save writes an OCI image layout as well as a docker-archive, and docker load takes a plain OCI layout:
/// skopeo's oci: transport is the independent reader and writer. Broken archives are refused with nothing loaded.
/// </summary>
public sealed class OciLayoutTests(RegistryFixture fixture) : IClassFixture<RegistryFixture>, IDisposable
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

    private string Skopeo(params string[] args) => Tool.Ok("skopeo", ["--insecure-policy", .. args]);

    private static string ConfigDigest(string rawConfig) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(rawConfig)));

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(_d.Dir, name)).FullName;

    private string SavedAndExtracted(string image)
    {
        string archive = Path.Combine(_d.Dir, "saved.tar");
        Ok("save", "-o", archive, image);
        string dir = Dir("saved");
        TarFile.ExtractToDirectory(archive, dir, overwriteFiles: true);
        return dir;
    }

    [DaemonFact]
    public void Saved_archive_is_an_oci_layout_that_skopeo_reads_and_copies()
    {
        Ok("pull", Image("latest"));
        string id = Ok("inspect", "--format", "{{.Id}}", Image("latest")).Trim();
        string layout = SavedAndExtracted(Image("latest"));
        Assert.True(File.Exists(Path.Combine(layout, "oci-layout")));
        Assert.True(File.Exists(Path.Combine(layout, "manifest.json")), "still a docker-archive too");
        string index = File.ReadAllText(Path.Combine(layout, "index.json"));
        Assert.Contains($"\"io.containerd.image.name\":\"{Image("latest")}\"", index);
        Assert.Contains("\"org.opencontainers.image.ref.name\":\"latest\"", index);

        Assert.Equal(id, ConfigDigest(Skopeo("inspect", "--raw", "--config", $"oci:{layout}:latest")));
        Assert.Contains("\"Layers\"", Skopeo("inspect", $"oci:{layout}:latest"));
        string copy = Dir("copied");
        Skopeo("copy", "-q", $"oci:{layout}:latest", $"dir:{copy}");
        Assert.True(File.Exists(Path.Combine(copy, "manifest.json")));
        Skopeo("copy", "-q", $"oci:{layout}:latest", $"docker-archive:{Path.Combine(_d.Dir, "via-skopeo.tar")}:again:1");
    }

    [DaemonFact]
    public void Saving_one_image_by_two_names_writes_it_once_and_a_gzipped_copy_loads_both_names()
    {
        Ok("pull", Image("latest"));
        Ok("tag", Image("latest"), "second:name");
        string archive = Path.Combine(_d.Dir, "two-names.tar");
        Ok("save", "-o", archive, Image("latest"), "second:name");
        string dir = Dir("two");
        TarFile.ExtractToDirectory(archive, dir, overwriteFiles: true);
        using (var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))))
            Assert.Equal(2, Assert.Single(manifest.RootElement.EnumerateArray()).GetProperty("RepoTags").GetArrayLength());
        using (var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "index.json"))))
            Assert.Equal(2, index.RootElement.GetProperty("manifests").GetArrayLength());

        Ok("rmi", Image("latest"), "second:name");
        // docker save | gzip, as people keep archives: load takes it compressed.
        using (var gz = new System.IO.Compression.GZipStream(File.Create(archive + ".gz"), System.IO.Compression.CompressionLevel.Fastest))
        using (var tar = File.OpenRead(archive))
            tar.CopyTo(gz);
        string loaded = Ok("load", "-i", archive + ".gz");
        Assert.Contains($"Loaded image: {Image("latest")}", loaded);
        Assert.Contains("Loaded image: second:name", loaded);
    }

    [DaemonFact]
    public void A_plain_oci_layout_from_skopeo_loads_with_its_name_and_config()
    {
        string layout = Dir("layout");
        string source = $"docker://{Image("oci")}";
        Skopeo("copy", "-q", "--src-tls-verify=false", source, $"oci:{layout}:mybox:2");
        Skopeo("copy", "-q", "--src-tls-verify=false", source, $"oci:{layout}:bare");
        // A multi-platform index inside the layout: the host's platform is chosen.
        Skopeo("copy", "-q", "--all", "--src-tls-verify=false", $"docker://{Image("multi")}", $"oci:{layout}:multi:3");
        string config = ConfigDigest(Skopeo("inspect", "--raw", "--config", "--tls-verify=false", source));
        string archive = Path.Combine(_d.Dir, "layout.tar");
        TarFile.CreateFromDirectory(layout, archive, includeBaseDirectory: false);

        string loaded = Ok("load", "-i", archive);
        Assert.Contains("Loaded image: mybox:2", loaded);
        Assert.Equal(config, Ok("inspect", "--format", "{{.Id}}", "mybox:2").Trim());
        Assert.Equal("[sh]", Ok("inspect", "--format", "{{.Config.Cmd}}", "mybox:2").Trim());
        Assert.Contains("Loaded image: multi:3", loaded);
        Assert.Equal(TestImages.Architecture, Ok("inspect", "--format", "{{.Architecture}}", "multi:3").Trim());
        Assert.Equal(2, Ok("images", "-q").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [DaemonFact]
    public void Corrupted_blobs_and_archives_without_an_index_are_refused_and_load_nothing()
    {
        Ok("pull", Image("latest"));
        string diffId = Ok("inspect", "--format", "{{index .RootFS.Layers 0}}", Image("latest")).Trim();
        string layout = SavedAndExtracted(Image("latest"));
        Ok("rmi", Image("latest"));
        string layer = Path.Combine(layout, "blobs", "sha256", diffId[7..]);
        byte[] bytes = File.ReadAllBytes(layer);
        bytes[bytes.Length / 2] ^= 0xff;
        File.WriteAllBytes(layer, bytes);

        // As a docker-archive (manifest.json present) and as a plain OCI layout (without it).
        foreach (bool dockerArchive in (bool[])[true, false])
        {
            if (!dockerArchive) File.Delete(Path.Combine(layout, "manifest.json"));
            string archive = Path.Combine(_d.Dir, $"corrupt-{dockerArchive}.tar");
            TarFile.CreateFromDirectory(layout, archive, includeBaseDirectory: false);
            var (exit, _, stderr) = _d.Docker("load", "-i", archive);
            Assert.NotEqual(0, exit);
            Assert.Contains($"blobs/sha256/{diffId[7..]} is corrupt", stderr);
            Assert.Equal("", Ok("images", "-q").Trim());
        }

        File.Delete(Path.Combine(layout, "index.json"));
        string noIndex = Path.Combine(_d.Dir, "no-index.tar");
        TarFile.CreateFromDirectory(layout, noIndex, includeBaseDirectory: false);
        var (code, _, err) = _d.Docker("load", "-i", noIndex);
        Assert.NotEqual(0, code);
        Assert.Contains("no manifest.json or index.json", err);

        // More layers than an overlay can stack (Docker's limit of 125).
        string deep = TestImages.DockerArchive(Path.Combine(_d.Dir, "deep.tar"),
            [.. Enumerable.Range(0, 130).Select(i => TestImages.RootFsTar($"layer {i}"))]);
        (code, _, err) = _d.Docker("load", "-i", deep);
        Assert.NotEqual(0, code);
        Assert.Contains("130 layers, more than the 125", err);

        string notTar = Path.Combine(_d.Dir, "not.tar");
        File.WriteAllText(notTar, new string('z', 2048));
        (code, _, err) = _d.Docker("load", "-i", notTar);
        Assert.NotEqual(0, code);
        Assert.Contains("invalid archive", err);
        Assert.Equal("", Ok("images", "-q").Trim());
    }
}
