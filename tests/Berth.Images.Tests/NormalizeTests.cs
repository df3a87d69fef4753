using Berth.Core;
using Berth.Images;

namespace Berth.Images.Tests;

/// <summary>
/// docker's normalization (distribution/reference normalize.go). Vectors re-expressed from v0.6
/// normalize_test.go: TestValidateReferenceName, TestValidateRemoteName, TestParseRepositoryInfo,
/// TestNormalizedSplitHostname, TestParseDockerRef, TestParseAnyReference, TestParseReferenceWithTagAndDigest.
/// </summary>
public sealed class NormalizeTests
{
    private const string D = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";

    [Theory]
    [InlineData("docker/docker")]
    [InlineData("library/debian")]
    [InlineData("debian")]
    [InlineData("localhost/library/debian")]
    [InlineData("localhost/debian")]
    [InlineData("LOCALDOMAIN/library/debian")]
    [InlineData("LOCALDOMAIN/debian")]
    [InlineData("docker.io/docker/docker")]
    [InlineData("docker.io/library/debian")]
    [InlineData("docker.io/debian")]
    [InlineData("index.docker.io/docker/docker")]
    [InlineData("index.docker.io/library/debian")]
    [InlineData("index.docker.io/debian")]
    [InlineData("127.0.0.1:5000/docker/docker")]
    [InlineData("127.0.0.1:5000/library/debian")]
    [InlineData("127.0.0.1:5000/debian")]
    [InlineData("192.168.0.1")]
    [InlineData("192.168.0.1:80")]
    [InlineData("192.168.0.1:8/debian")]
    [InlineData("192.168.0.2:25000/debian")]
    [InlineData("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev")]
    [InlineData("[fc00::1]:5000/docker")]
    [InlineData("[fc00::1]:5000/docker/docker")]
    [InlineData("[fc00:1:2:3:4:5:6:7]:5000/library/debian")]
    [InlineData("docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a")]
    [InlineData("Docker/docker")]
    [InlineData("DOCKER/docker")]
    [InlineData("docker-rules/docker")]
    [InlineData("docker---rules/docker")]
    [InlineData("doc/docker")]
    [InlineData("d/docker")]
    [InlineData("jess/t")]
    [InlineData("dock__er/docker")]
    public void Valid_names(string name) => ImageReference.ParseNormalizedNamed(name);

    [Theory]
    [InlineData("https://github.com/docker/docker")]
    [InlineData("docker/Docker")]
    [InlineData("-docker")]
    [InlineData("-docker/docker")]
    [InlineData("-docker.io/docker/docker")]
    [InlineData("docker///docker")]
    [InlineData("docker.io/docker/Docker")]
    [InlineData("docker.io/docker///docker")]
    [InlineData("[fc00::1]")]
    [InlineData("[fc00::1]:5000")]
    [InlineData("fc00::1:5000/debian")]
    [InlineData("[fe80::1%eth0]:5000/debian")]
    [InlineData("[2001:db8:3:4::192.0.2.33]:5000/debian")]
    [InlineData("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a")]
    [InlineData("docker-/docker")]
    [InlineData("-docker-/docker")]
    [InlineData("____/____")]
    [InlineData("_docker/_docker")]
    [InlineData("dock..er/docker")]
    [InlineData("dock_.er/docker")]
    [InlineData("dock-.er/docker")]
    [InlineData("docker/")]
    [InlineData("this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker")]
    [InlineData("")]
    [InlineData(":tag")]
    [InlineData("busybox:")]
    [InlineData("busybox@")]
    [InlineData("busybox@sha256:abc")]
    [InlineData("busy box")]
    public void Invalid_names(string name)
    {
        var e = Assert.Throws<BerthException>(() => ImageReference.ParseNormalizedNamed(name));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.False(ImageReference.TryParseNormalized(name, out _, out string? error));
        Assert.Equal(e.Message, error);
    }

    [Theory]
    [InlineData("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase")]
    [InlineData("docker/Docker", "invalid reference format: repository name (docker/Docker) must be lowercase")]
    [InlineData("localhost:5000/Foo:tag", "invalid reference format: repository name (Foo) must be lowercase")]
    [InlineData("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "invalid repository name (1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a), cannot specify 64-byte hexadecimal strings")]
    [InlineData(":tag", "invalid reference format")]
    [InlineData("docker.io/" + "a" + "@sha256:0123456789abcdef0123456789abcdef01", "invalid checksum digest length")]
    public void Docker_error_messages(string input, string message)
    {
        var e = Assert.Throws<BerthException>(() => ImageReference.ParseNormalized(input));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(message, e.Message);
    }

    // TestParseRepositoryInfo: path, familiar name, full name, ambiguous name, domain; each spelling parses to the same thing.
    public static TheoryData<string, string, string, string, string> RepositoryInfo()
    {
        (string Path, string Familiar, string Full, string Ambiguous, string Domain)[] cases =
        [
            ("fooo", "localhost/fooo", "localhost/fooo", "localhost/fooo", "localhost"),
            ("fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar", "localhost"),
            ("fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN"),
            ("fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN"),
            ("fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io"),
            ("library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io"),
            ("nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "", "docker.io"),
            ("other/library", "other/library", "docker.io/other/library", "", "docker.io"),
            ("private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "", "127.0.0.1:8000"),
            ("privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "", "127.0.0.1:8000"),
            ("private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", "", "example.com"),
            ("privatebase", "example.com/privatebase", "example.com/privatebase", "", "example.com"),
            ("private/moonbase", "example.com:8000/private/moonbase", "example.com:8000/private/moonbase", "", "example.com:8000"),
            ("privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee", "", "example.com:8000"),
            ("library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "index.docker.io/library/ubuntu-12.04-base", "docker.io"),
            ("library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io"),
            ("library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", "", "docker.io"),
            ("store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "", "docker.io"),
            ("bar", "Foo/bar", "Foo/bar", "", "Foo"),
            ("bar", "FOO/bar", "FOO/bar", "", "FOO"),
        ];
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var c in cases)
        {
            foreach (string spelling in new[] { c.Familiar, c.Full, c.Ambiguous }.Where(x => x.Length > 0).Distinct())
            {
                data.Add(spelling, c.Path, c.Familiar, c.Full, c.Domain);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RepositoryInfo))]
    public void Repository_info(string input, string path, string familiar, string full, string domain)
    {
        ImageReference r = ImageReference.ParseNormalizedNamed(input);
        Assert.Equal(familiar, r.FamiliarName);
        Assert.Equal(full, r.ToString());
        Assert.Equal(full, r.Name);
        Assert.Equal(domain, r.Domain);
        Assert.Equal(path, r.Path);
        Assert.Null(r.Tag);
    }

    [Theory]
    [InlineData("test.com/foo", "test.com", "foo")]
    [InlineData("test_com/foo", "docker.io", "test_com/foo")]
    [InlineData("docker/migrator", "docker.io", "docker/migrator")]
    [InlineData("test.com:8080/foo", "test.com:8080", "foo")]
    [InlineData("test-com:8080/foo", "test-com:8080", "foo")]
    [InlineData("foo", "docker.io", "library/foo")]
    [InlineData("xn--n3h.com/foo", "xn--n3h.com", "foo")]
    [InlineData("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo")]
    [InlineData("docker.io/foo", "docker.io", "library/foo")]
    [InlineData("docker.io/library/foo", "docker.io", "library/foo")]
    [InlineData("docker.io/library/foo/bar", "docker.io", "library/foo/bar")]
    public void Normalized_split_hostname(string input, string domain, string path)
    {
        ImageReference r = ImageReference.ParseNormalizedNamed(input);
        Assert.Equal(domain, r.Domain);
        Assert.Equal(path, r.Path);
    }

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582", "docker.io/library/busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/library/busybox", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("library/busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("docker.io/library/busybox:latest", "docker.io/library/busybox:latest")]
    [InlineData("gcr.io/library/busybox", "gcr.io/library/busybox:latest")]
    [InlineData("gcr.io/library/busybox:latest@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582", "gcr.io/library/busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582")]
    public void ParseDockerRef(string input, string expected)
    {
        ImageReference r = ImageReference.ParseDockerRef(input);
        Assert.Equal(expected, r.ToString());
        Assert.Equal(r, ImageReference.Parse(expected));   // the output is itself a valid, already-normal reference
    }

    [Theory]
    [InlineData("redis", "docker.io/library/redis")]
    [InlineData("redis:latest", "docker.io/library/redis:latest")]
    [InlineData("docker.io/library/redis:latest", "docker.io/library/redis:latest")]
    [InlineData("redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/library/redis@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("dmcgowan/myapp", "docker.io/dmcgowan/myapp")]
    [InlineData("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest")]
    [InlineData("docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest")]
    [InlineData("dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c")]
    [InlineData("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9")]
    [InlineData("dbcc1", "docker.io/library/dbcc1")]
    public void ParseNormalizedNamed_equivalents(string input, string equivalent)
    {
        ImageReference r = ImageReference.ParseNormalizedNamed(input);
        Assert.Equal(equivalent, r.ToString());
        Assert.Equal(ImageReference.Parse(equivalent), r);
    }

    [Fact]
    public void Tag_and_digest_are_both_kept()
    {
        const string shortRef = "busybox:latest@" + D;
        ImageReference r = ImageReference.ParseNormalized(shortRef);
        Assert.Equal("docker.io/library/" + shortRef, r.Canonical);
        Assert.Equal("latest", r.Tag);
        Assert.Equal(D, r.Digest.ToString());
        Assert.Equal(shortRef, r.FamiliarString);
    }

    // ParseNormalized is what `docker pull` does: normalize, then :latest when there is neither tag nor digest.
    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest", null, "docker.io/library/busybox:latest", "busybox", "busybox:latest")]
    [InlineData("user/img", "docker.io", "user/img", "latest", null, "docker.io/user/img:latest", "user/img", "user/img:latest")]
    [InlineData("localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", null, "localhost:5000/a/b:tag", "localhost:5000/a/b", "localhost:5000/a/b:tag")]
    [InlineData("host.example/x@" + D, "host.example", "x", null, D, "host.example/x@" + D, "host.example/x", "host.example/x@" + D)]
    [InlineData("x:tag@" + D, "docker.io", "library/x", "tag", D, "docker.io/library/x:tag@" + D, "x", "x:tag@" + D)]
    [InlineData("index.docker.io/library/alpine:3.20", "docker.io", "library/alpine", "3.20", null, "docker.io/library/alpine:3.20", "alpine", "alpine:3.20")]
    [InlineData("library/alpine/extra", "docker.io", "library/alpine/extra", "latest", null, "docker.io/library/alpine/extra:latest", "library/alpine/extra", "library/alpine/extra:latest")]
    [InlineData("ghcr.io/owner/repo/sub:v1.2.3", "ghcr.io", "owner/repo/sub", "v1.2.3", null, "ghcr.io/owner/repo/sub:v1.2.3", "ghcr.io/owner/repo/sub", "ghcr.io/owner/repo/sub:v1.2.3")]
    [InlineData("localhost/x", "localhost", "x", "latest", null, "localhost/x:latest", "localhost/x", "localhost/x:latest")]
    [InlineData("[::1]:5000/x:1", "[::1]:5000", "x", "1", null, "[::1]:5000/x:1", "[::1]:5000/x", "[::1]:5000/x:1")]
    public void ParseNormalized(string input, string domain, string path, string? tag, string? digest, string canonical, string familiarName, string familiarString)
    {
        ImageReference r = ImageReference.ParseNormalized(input);
        Assert.Equal(domain, r.Domain);
        Assert.Equal(path, r.Path);
        Assert.Equal(tag, r.Tag);
        Assert.Equal(digest, r.Digest?.ToString());
        Assert.Equal(canonical, r.Canonical);
        Assert.Equal(familiarName, r.FamiliarName);
        Assert.Equal(familiarString, r.FamiliarString);
        Assert.True(ImageReference.TryParseNormalized(input, out ImageReference? again));
        Assert.Equal(r, again);
        // normalizing is idempotent from both the canonical and the familiar form
        Assert.Equal(r, ImageReference.ParseNormalized(canonical));
        Assert.Equal(r, ImageReference.ParseNormalized(familiarString));
    }

    [Theory]
    [InlineData("localhost/x", true)]
    [InlineData("localhost:5000/x", true)]
    [InlineData("LOCALHOST/x", true)]
    [InlineData("127.0.0.1/x", true)]
    [InlineData("127.0.0.1:5000/x", true)]
    [InlineData("127.255.3.4:443/x", true)]
    [InlineData("[::1]/x", true)]
    [InlineData("[::1]:5000/x", true)]
    [InlineData("[0:0:0:0:0:0:0:1]:5000/x", true)]
    [InlineData("busybox", false)]
    [InlineData("docker.io/library/busybox", false)]
    [InlineData("128.0.0.1:5000/x", false)]
    [InlineData("10.0.0.1:5000/x", false)]
    [InlineData("127.0.0.256/x", false)]
    [InlineData("127.1:5000/x", false)]
    [InlineData("localhost.example.com/x", false)]
    [InlineData("mylocalhost:5000/x", false)]
    [InlineData("[::2]:5000/x", false)]
    [InlineData("[fc00::1]:5000/x", false)]
    public void Insecure_default_is_loopback_only(string input, bool insecure) =>
        Assert.Equal(insecure, ImageReference.ParseNormalized(input).IsInsecureDefault);

    [Fact]
    public void Host_strips_the_port()
    {
        Assert.Equal("localhost", ImageReference.ParseNormalized("localhost:5000/a").Host);
        Assert.Equal("[::1]", ImageReference.ParseNormalized("[::1]:5000/a").Host);
        Assert.Equal("docker.io", ImageReference.ParseNormalized("a").Host);
    }

    [Fact]
    public void Value_equality_and_copies()
    {
        ImageReference a = ImageReference.ParseNormalized("busybox");
        ImageReference b = ImageReference.ParseNormalized("docker.io/library/busybox:latest");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, a.WithTag("1"));
        Assert.Equal("docker.io/library/busybox", a.NameOnly().ToString());
        Assert.True(a.NameOnly().IsNameOnly);
        ImageReference both = ImageReference.ParseNormalized("x:tag@" + D);
        Assert.Equal("docker.io/library/x@" + D, both.WithoutTag().ToString());
        Assert.Equal("docker.io/library/x:tag", both.WithoutDigest().ToString());
    }
}
