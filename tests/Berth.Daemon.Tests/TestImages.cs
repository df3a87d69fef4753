using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Daemon.Tests;

/// <summary>Small images and root filesystems made on the spot, for import, prune and the crash tests.</summary>
public static class TestImages
{
    public static string Architecture => RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64";

    /// <summary>A root filesystem tar with one text file (and random bytes, so each call makes a new layer).</summary>
    public static byte[] RootFsTar(string text, int randomBytes = 0)
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "etc/") { Mode = (UnixFileMode)0b111_101_101 });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/hello") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            if (randomBytes > 0)
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "random.bin") { DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(randomBytes)) });
        }
        return ms.ToArray();
    }

    /// <summary>A docker-archive (config, manifest.json, plain layers) that skopeo can push to a registry.</summary>
    public static string DockerArchive(string path, params byte[][] layers)
    {
        var diffIds = layers.Select(l => "\"sha256:" + Convert.ToHexStringLower(SHA256.HashData(l)) + "\"");
        string config = $$$"""{"architecture":"{{{Architecture}}}","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[{{{string.Join(',', diffIds)}}}]}}""";
        var names = layers.Select((_, i) => $"\"layer{i}.tar\"");
        using var f = File.Create(path);
        using var w = new TarWriter(f, TarEntryFormat.Pax);
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "config.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(config)) });
        for (int i = 0; i < layers.Length; i++)
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"layer{i}.tar") { DataStream = new MemoryStream(layers[i]) });
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "manifest.json")
        {
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes($$"""[{"Config":"config.json","RepoTags":["big:latest"],"Layers":[{{string.Join(',', names)}}]}]""")),
        });
        return path;
    }
}
