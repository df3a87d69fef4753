using System.Text;
using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests;

public sealed class ManifestParserTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private static string ManifestJson(string? mediaType = MediaTypes.OciManifest, string layerDigest = D2, string extra = "")
        => $$$"""{"schemaVersion":2{{{(mediaType is null ? "" : $",\"mediaType\":\"{mediaType}\"")}}},"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{{D1}}}","size":10},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{{{layerDigest}}}","size":20,"urls":["https://example.invalid/x"],"annotations":{"a":"b"}}]{{{extra}}}}""";

    private static string IndexJson(string? mediaType = MediaTypes.OciIndex, string extra = "")
        => $$$"""{"schemaVersion":2{{{(mediaType is null ? "" : $",\"mediaType\":\"{mediaType}\"")}}},"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{D1}}}","size":5,"platform":{"architecture":"arm64","os":"linux","variant":"v8","os.features":["x"]}}]{{{extra}}}}""";

    private static ParsedManifest Parse(string json, string? contentType) => ManifestParser.Parse(Encoding.UTF8.GetBytes(json), contentType);

    [Theory]
    [InlineData(MediaTypes.OciManifest)]
    [InlineData(MediaTypes.DockerManifest)]
    public void Manifest_ParsesDescriptors(string mediaType)
    {
        ParsedManifest p = Parse(ManifestJson(mediaType), mediaType + "; charset=utf-8");
        Assert.False(p.IsIndex);
        Assert.Equal(mediaType, p.MediaType);
        Assert.Equal(Digest.Parse(D1), p.Manifest.Config.Digest);
        Assert.Equal(10, p.Manifest.Config.Size);
        Descriptor layer = Assert.Single(p.Manifest.Layers);
        Assert.Equal(MediaTypes.OciLayerGzip, layer.MediaType);
        Assert.Equal(Digest.Parse(D2), layer.Digest);
        Assert.Equal(20, layer.Size);
        Assert.Equal(["https://example.invalid/x"], layer.Urls!);
        Assert.Equal("b", layer.Annotations!["a"]);
    }

    [Theory]
    [InlineData(MediaTypes.OciIndex)]
    [InlineData(MediaTypes.DockerManifestList)]
    public void Index_ParsesPlatforms(string mediaType)
    {
        ParsedManifest p = Parse(IndexJson(mediaType), mediaType);
        Assert.True(p.IsIndex);
        Descriptor entry = Assert.Single(p.Index.Manifests);
        Assert.Equal(new Platform("linux", "arm64", "v8") { OsFeatures = entry.Platform!.OsFeatures }, entry.Platform);
        Assert.Equal(["x"], entry.Platform.OsFeatures!);
    }

    [Fact]
    public void MissingMediaType_IsTakenFromTheHeader_ThenFromTheShape()
    {
        Assert.Equal(MediaTypes.DockerManifest, Parse(ManifestJson(mediaType: null), MediaTypes.DockerManifest).MediaType);
        Assert.Equal(MediaTypes.OciManifest, Parse(ManifestJson(mediaType: null), "application/json").MediaType);
        Assert.Equal(MediaTypes.OciIndex, Parse(IndexJson(mediaType: null), null).MediaType);
    }

    [Theory]
    [InlineData(MediaTypes.DockerSchema1Manifest)]
    [InlineData(MediaTypes.DockerSchema1SignedManifest)]
    public void Schema1_ByContentType_IsRefusedClearly(string contentType)
    {
        var e = Assert.Throws<BerthException>(() => Parse("""{"schemaVersion":1,"name":"x","tag":"y","fsLayers":[]}""", contentType));
        Assert.Equal($"unsupported manifest media type \"{contentType}\" (docker schema 1)", e.Message);
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
    }

    [Fact]
    public void Schema1_ByShape_IsRefusedClearly()
    {
        var e = Assert.Throws<BerthException>(() => Parse("""{"schemaVersion":1,"fsLayers":[{"blobSum":"sha256:aa"}]}""", "application/json"));
        Assert.Contains("(docker schema 1)", e.Message);
    }

    [Theory]
    [InlineData("application/vnd.oci.artifact.manifest.v1+json")]
    [InlineData("text/html")]
    public void UnknownMediaType_IsRefused(string mediaType)
    {
        var e = Assert.Throws<BerthException>(() => Parse($$"""{"schemaVersion":2,"mediaType":"{{mediaType}}","blobs":[]}""", mediaType));
        Assert.Contains($"unsupported manifest media type \"{mediaType}\"", e.Message);
    }

    [Fact]
    public void HeaderAndBodyMediaTypes_MustAgree()
    {
        var e = Assert.Throws<BerthException>(() => Parse(ManifestJson(MediaTypes.OciManifest), MediaTypes.DockerManifest));
        Assert.Contains("is served as", e.Message);
    }

    // Security case 3B-9 (CVE-2021-41190): one document must not be both a manifest and an index.
    [Fact]
    public void CVE_2021_41190_ManifestWithManifestsField_IsRefused()
    {
        string json = ManifestJson(MediaTypes.OciManifest, extra: $",\"manifests\":[{{\"mediaType\":\"{MediaTypes.OciManifest}\",\"digest\":\"{D1}\",\"size\":1}}]");
        var e = Assert.Throws<BerthException>(() => Parse(json, MediaTypes.OciManifest));
        Assert.Contains("ambiguous", e.Message);
    }

    [Fact]
    public void CVE_2021_41190_IndexWithConfigOrLayers_IsRefused()
    {
        string withConfig = IndexJson(extra: $",\"config\":{{\"mediaType\":\"x\",\"digest\":\"{D1}\",\"size\":1}}");
        Assert.Contains("ambiguous", Assert.Throws<BerthException>(() => Parse(withConfig, MediaTypes.OciIndex)).Message);
        string withLayers = IndexJson(extra: ",\"layers\":[]");
        Assert.Contains("ambiguous", Assert.Throws<BerthException>(() => Parse(withLayers, MediaTypes.OciIndex)).Message);
    }

    [Fact]
    public void CVE_2021_41190_UntypedHybrid_IsRefused()
    {
        string json = ManifestJson(mediaType: null, extra: $",\"manifests\":[{{\"mediaType\":\"{MediaTypes.OciManifest}\",\"digest\":\"{D1}\",\"size\":1}}]");
        Assert.Contains("ambiguous", Assert.Throws<BerthException>(() => Parse(json, "application/octet-stream")).Message);
    }

    // Security case 3B-10: every digest is validated when the document is parsed.
    [Theory]
    [InlineData("sha256:../../../../etc/x")]
    [InlineData("")]
    [InlineData("sha256:")]
    [InlineData("SHA256:2222222222222222222222222222222222222222222222222222222222222222")]
    [InlineData("sha256:2222222222222222222222222222222222222222222222222222222222222222AA")]
    [InlineData("sha256:222222222222222222222222222222222222222222222222222222222222222G")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    public void MalformedLayerDigest_IsRefused(string digest)
    {
        var e = Assert.Throws<BerthException>(() => Parse(ManifestJson(layerDigest: digest), MediaTypes.OciManifest));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void UppercaseHexDigest_IsRefused()
    {
        string upper = "sha256:" + new string('A', 64);
        Assert.Throws<BerthException>(() => Parse(ManifestJson(layerDigest: upper), MediaTypes.OciManifest));
    }

    [Fact]
    public void MissingDigestOrNegativeSize_IsRefused()
    {
        string noDigest = """{"schemaVersion":2,"config":{"mediaType":"x","size":1},"layers":[]}""";
        Assert.Contains("config has no valid digest", Assert.Throws<BerthException>(() => Parse(noDigest, MediaTypes.OciManifest)).Message);
        string negative = $$"""{"schemaVersion":2,"config":{"mediaType":"x","digest":"{{D1}}","size":-1},"layers":[]}""";
        Assert.Contains("negative size", Assert.Throws<BerthException>(() => Parse(negative, MediaTypes.OciManifest)).Message);
    }

    // Security case 3E-27: a manifest with hundreds of layers is refused cleanly.
    [Fact]
    public void TooManyLayers_AreRefused()
    {
        string layer = $"{{\"mediaType\":\"{MediaTypes.OciLayerGzip}\",\"digest\":\"{D2}\",\"size\":1}}";
        string json = $$"""{"schemaVersion":2,"config":{"mediaType":"x","digest":"{{D1}}","size":1},"layers":[{{string.Join(',', Enumerable.Repeat(layer, 500))}}]}""";
        var e = Assert.Throws<BerthException>(() => ManifestParser.Parse(Encoding.UTF8.GetBytes(json), MediaTypes.OciManifest));
        Assert.Contains("500 layers; at most 125", e.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"schemaVersion\":3}")]
    [InlineData("{\"schemaVersion\":\"2\"}")]
    public void Garbage_IsAnErrorNotACrash(string json)
    {
        Assert.Throws<BerthException>(() => Parse(json, MediaTypes.OciManifest));
    }

    [Fact]
    public void Serialize_RoundTrips()
    {
        var m = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor(MediaTypes.OciConfig, Digest.Parse(D1), 10),
            Layers = [new Descriptor(MediaTypes.OciLayerGzip, Digest.Parse(D2), 20)],
        };
        byte[] bytes = RegistryClient.Serialize(m);
        string json = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("null", json);
        Assert.StartsWith("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",", json);
        ParsedManifest p = ManifestParser.Parse(bytes, MediaTypes.OciManifest);
        Assert.Equal(m.Config, p.Manifest!.Config);
        Assert.Equal(m.Layers[0], p.Manifest.Layers[0]);
    }

    [Fact]
    public void MediaTypes_Classify()
    {
        Assert.True(MediaTypes.IsManifest(MediaTypes.OciManifest));
        Assert.True(MediaTypes.IsManifest(MediaTypes.DockerManifest));
        Assert.True(MediaTypes.IsIndex(MediaTypes.OciIndex));
        Assert.True(MediaTypes.IsIndex(MediaTypes.DockerManifestList));
        Assert.True(MediaTypes.IsSchema1(MediaTypes.DockerSchema1SignedManifest));
        Assert.False(MediaTypes.IsManifest(MediaTypes.OciIndex));
        Assert.Equal(MediaTypes.OciManifest, MediaTypes.Normalize(" Application/VND.oci.image.manifest.v1+json ; charset=utf-8"));
        Assert.Null(MediaTypes.Normalize(" ; x"));
        foreach (string t in new[] { MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList })
            Assert.Contains(t, MediaTypes.ManifestAccept);
        Assert.DoesNotContain("v1+json", MediaTypes.ManifestAccept.Replace("manifest.v1+json", "", StringComparison.Ordinal).Replace("index.v1+json", "", StringComparison.Ordinal));
    }
}
