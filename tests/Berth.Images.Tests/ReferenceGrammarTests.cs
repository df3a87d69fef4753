using Berth.Core;
using Berth.Images;

namespace Berth.Images.Tests;

/// <summary>
/// The grammar without normalization (distribution/reference <c>Parse</c>). Vectors re-expressed from
/// distribution/reference v0.6 reference_test.go (TestReferenceParse, TestDomainAndPath, TestWithTag, TestWithDigest).
/// </summary>
public sealed class ReferenceGrammarTests
{
    internal static readonly string F64 = new('f', 64);
    internal static readonly string D64 = "sha256:" + F64;

    // input, expected error (null when valid), name, domain, tag, digest
    public static TheoryData<string, string?, string?, string?, string?, string?> ParseVectors => new()
    {
        { "test_com", null, "test_com", "", null, null },
        { "test.com:tag", null, "test.com", "", "tag", null },
        { "test.com:5000", null, "test.com", "", "5000", null },
        { "test.com/repo:tag", null, "test.com/repo", "test.com", "tag", null },
        { "test:5000/repo", null, "test:5000/repo", "test:5000", null, null },
        { "test:5000/repo:tag", null, "test:5000/repo", "test:5000", "tag", null },
        { "test:5000/repo@" + D64, null, "test:5000/repo", "test:5000", null, D64 },
        { "test:5000/repo:tag@" + D64, null, "test:5000/repo", "test:5000", "tag", D64 },
        { "", "repository name must have at least one component", null, null, null, null },
        { ":justtag", "invalid reference format", null, null, null, null },
        { "@" + D64, "invalid reference format", null, null, null, null },
        { "repo@sha256:" + new string('f', 34), "invalid checksum digest length", null, null, null, null },
        { "validname@invaliddigest:" + F64, "unsupported digest algorithm", null, null, null, null },
        // go-digest knows sha384 but Berth's Digest does not; sha512 is accepted (docker registers it too).
        { "validname@sha384:" + new string('f', 96), "unsupported digest algorithm", null, null, null, null },
        { "validname@sha512:" + new string('f', 128), null, "validname", "", null, "sha512:" + new string('f', 128) },
        { "validname@sha256:" + new string('F', 64), "invalid checksum digest format", null, null, null, null },
        { "Uppercase:tag", "repository name must be lowercase", null, null, null, null },
        { "test:5000/Uppercase/lowercase:tag", "repository name must be lowercase", null, null, null, null },
        { "lowercase:Uppercase", null, "lowercase", "", "Uppercase", null },
        { "domain/" + new string('a', 256) + ":tag", "repository name must not be more than 255 characters", null, null, null, null },
        { string.Concat(Enumerable.Repeat("a/", 127)) + "a:tag-puts-this-over-max", null, string.Concat(Enumerable.Repeat("a/", 127)) + "a", "a", "tag-puts-this-over-max", null },
        { "aa/asdf$$^/aa", "invalid reference format", null, null, null, null },
        { "sub-dom1.foo.com/bar/baz/quux", null, "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", null, null },
        { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", null, "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "some-long-tag", null },
        { "b.gcr.io/test.example.com/my-app:test.example.com", null, "b.gcr.io/test.example.com/my-app", "b.gcr.io", "test.example.com", null },
        { "xn--n3h.com/myimage:xn--n3h.com", null, "xn--n3h.com/myimage", "xn--n3h.com", "xn--n3h.com", null },
        { "xn--7o8h.com/myimage:xn--7o8h.com@" + D64, null, "xn--7o8h.com/myimage", "xn--7o8h.com", "xn--7o8h.com", D64 },
        { "foo_bar.com:8080", null, "foo_bar.com", "", "8080", null },
        { "foo/foo_bar.com:8080", null, "foo/foo_bar.com", "foo", "8080", null },
        { "192.168.1.1", null, "192.168.1.1", "", null, null },
        { "192.168.1.1:tag", null, "192.168.1.1", "", "tag", null },
        { "192.168.1.1:5000", null, "192.168.1.1", "", "5000", null },
        { "192.168.1.1/repo", null, "192.168.1.1/repo", "192.168.1.1", null, null },
        { "192.168.1.1:5000/repo", null, "192.168.1.1:5000/repo", "192.168.1.1:5000", null, null },
        { "192.168.1.1:5000/repo:5050", null, "192.168.1.1:5000/repo", "192.168.1.1:5000", "5050", null },
        { "[2001:db8::1]", "invalid reference format", null, null, null, null },
        { "[2001:db8::1]:5000", "invalid reference format", null, null, null, null },
        { "[2001:db8::1]:tag", "invalid reference format", null, null, null, null },
        { "[2001:db8::1]/repo", null, "[2001:db8::1]/repo", "[2001:db8::1]", null, null },
        { "[2001:db8:1:2:3:4:5:6]/repo:tag", null, "[2001:db8:1:2:3:4:5:6]/repo", "[2001:db8:1:2:3:4:5:6]", "tag", null },
        { "[2001:db8::1]:5000/repo", null, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", null, null },
        { "[2001:db8::1]:5000/repo:tag", null, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "tag", null },
        { "[2001:db8::1]:5000/repo@" + D64, null, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", null, D64 },
        { "[2001:db8::1]:5000/repo:tag@" + D64, null, "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "tag", D64 },
        { "[2001:db8::]:5000/repo", null, "[2001:db8::]:5000/repo", "[2001:db8::]:5000", null, null },
        { "[::1]:5000/repo", null, "[::1]:5000/repo", "[::1]:5000", null, null },
        { "[fe80::1%eth0]:5000/repo", "invalid reference format", null, null, null, null },
        { "[fe80::1%@invalidzone]:5000/repo", "invalid reference format", null, null, null, null },
        { "example.com/" + new string('a', 255) + ":tag", null, "example.com/" + new string('a', 255), "example.com", "tag", null },
        // the domain is not counted against the 255 limit (distribution/reference v0.6, "Exclude domain from name length check")
        { new string('a', 60) + ".example.com/" + new string('a', 255), null, new string('a', 60) + ".example.com/" + new string('a', 255), new string('a', 60) + ".example.com", null, null },
        // tags: [\w][\w.-]{0,127}, ASCII only
        { "repo:" + new string('t', 128), null, "repo", "", new string('t', 128), null },
        { "repo:" + new string('t', 129), "invalid reference format", null, null, null, null },
        { "repo:.tag", "invalid reference format", null, null, null, null },
        { "repo:-tag", "invalid reference format", null, null, null, null },
        { "repo:_tag", null, "repo", "", "_tag", null },
        { "repo:tæg", "invalid reference format", null, null, null, null },
        { "repo:", "invalid reference format", null, null, null, null },
        { "repo@", "invalid reference format", null, null, null, null },
        { "repo@sha256:" + F64 + "@" + D64, "invalid reference format", null, null, null, null },
        { "repo\n", "invalid reference format", null, null, null, null },
        { "a.b:1/c", null, "a.b:1/c", "a.b:1", null, null },
        { "host:/repo", "invalid reference format", null, null, null, null },
        { "host:port/repo", "invalid reference format", null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(ParseVectors))]
    public void Parse_matches_distribution_reference(string input, string? error, string? name, string? domain, string? tag, string? digest)
    {
        if (error is not null)
        {
            var e = Assert.Throws<BerthException>(() => ImageReference.Parse(input));
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
            Assert.Equal(error, e.Message);
            return;
        }
        ImageReference r = ImageReference.Parse(input);
        Assert.Equal(input, r.ToString());
        Assert.Equal(name, r.Name);
        Assert.Equal(domain, r.Domain);
        Assert.Equal(tag, r.Tag);
        Assert.Equal(digest, r.Digest?.ToString());
    }

    [Theory]
    [InlineData("test.com/foo", "test.com", "foo")]
    [InlineData("test_com/foo", "", "test_com/foo")]
    [InlineData("test:8080/foo", "test:8080", "foo")]
    [InlineData("test.com:8080/foo", "test.com:8080", "foo")]
    [InlineData("test-com:8080/foo", "test-com:8080", "foo")]
    [InlineData("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo")]
    public void Domain_and_path(string input, string domain, string path)
    {
        ImageReference r = ImageReference.Parse(input);
        Assert.Equal(domain, r.Domain);
        Assert.Equal(path, r.Path);
    }

    [Theory]
    [InlineData("test.com/foo", "tag", "test.com/foo:tag")]
    [InlineData("foo", "tag2", "foo:tag2")]
    [InlineData("test.com:8000/foo", "tag4", "test.com:8000/foo:tag4")]
    [InlineData("test.com:8000/foo", "TAG5", "test.com:8000/foo:TAG5")]
    public void WithTag(string name, string tag, string combined) =>
        Assert.Equal(combined, ImageReference.Parse(name).WithTag(tag).ToString());

    [Fact]
    public void WithTag_keeps_digest_and_WithDigest_keeps_tag()
    {
        Digest d = Digest.Parse(D64);
        Assert.Equal($"test.com:8000/foo:TAG5@{D64}", ImageReference.Parse("test.com:8000/foo").WithDigest(d).WithTag("TAG5").ToString());
        Assert.Equal($"test.com:8000/foo:latest@{D64}", ImageReference.Parse("test.com:8000/foo").WithTag("latest").WithDigest(d).ToString());
        Assert.Equal($"foo@{D64}", ImageReference.Parse("foo").WithDigest(d).ToString());
    }

    [Theory]
    [InlineData("-foo")]
    [InlineData(".foo")]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("a/b")]
    public void WithTag_rejects_invalid_tags(string tag)
    {
        var e = Assert.Throws<BerthException>(() => ImageReference.ParseNormalized("busybox").WithTag(tag));
        Assert.Equal("invalid tag format", e.Message);
    }

    [Fact]
    public void WithDigest_rejects_invalid_digests()
    {
        ImageReference r = ImageReference.ParseNormalized("busybox");
        Assert.Throws<BerthException>(() => r.WithDigest(new Digest("sha256", "foo")));
        Assert.Throws<BerthException>(() => r.WithDigest(default));
        Assert.Throws<BerthException>(() => r.WithDigest(new Digest("sha256", "../../../../etc/passwd")));
    }

    [Fact]
    public void Long_hostile_input_is_rejected_in_linear_time()
    {
        // A backtracking regex over these would be quadratic or worse; the scanner is linear.
        string[] inputs =
        [
            string.Concat(Enumerable.Repeat("a-", 500_000)) + "!",
            string.Concat(Enumerable.Repeat("a.", 500_000)) + "/b",
            new string('a', 1_000_000) + ":" + new string('t', 1_000_000),
            "x@sha256:" + new string('f', 2_000_000) + "g",
        ];
        var sw = System.Diagnostics.Stopwatch.StartNew();
        foreach (string s in inputs)
        {
            Assert.Throws<BerthException>(() => ImageReference.Parse(s));
            Assert.Throws<BerthException>(() => ImageReference.ParseNormalized(s));
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }
}
