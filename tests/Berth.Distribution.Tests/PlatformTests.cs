using Berth.Core;
using Berth.Oci.Image;

namespace Berth.Distribution.Tests;

public sealed class PlatformTests
{
    private static Descriptor Entry(string platform, string mediaType = MediaTypes.OciManifest, int n = 0)
    {
        string hex = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(platform + n)));
        Platform p = Platform.Parse(platform);
        // Keep the spelling as written (Parse normalizes); index entries arrive unnormalized.
        string[] parts = platform.Split('/');
        return new Descriptor(mediaType, Digest.Parse("sha256:" + hex), 100)
        {
            Platform = new Platform(parts[0], parts[1], parts.Length > 2 ? parts[2] : null),
        };
    }

    [Theory]
    [InlineData("linux/amd64", "linux/amd64", null)]
    [InlineData("linux/x86_64", "linux/amd64", null)]
    [InlineData("linux/aarch64", "linux/arm64", null)]
    [InlineData("linux/arm64/v8", "linux/arm64", null)]
    [InlineData("linux/arm", "linux/arm", "v7")]
    [InlineData("linux/armhf", "linux/arm", "v7")]
    [InlineData("linux/armel", "linux/arm", "v6")]
    [InlineData("linux/amd64/v1", "linux/amd64", null)]
    [InlineData("Linux/AMD64/V3", "linux/amd64", "v3")]
    [InlineData("arm64", "linux/arm64", null)]
    public void Parse_Normalizes(string input, string osArch, string? variant)
    {
        Platform p = Platform.Parse(input);
        Assert.Equal(osArch, $"{p.Os}/{p.Architecture}");
        Assert.Equal(variant, p.Variant);
    }

    [Theory]
    [InlineData("")]
    [InlineData("linux//amd64")]
    [InlineData("a/b/c/d")]
    public void Parse_RefusesMalformed(string input)
    {
        Assert.Throws<BerthException>(() => Platform.Parse(input));
    }

    [Fact]
    public void Current_IsLinuxAndThisMachinesArchitecture()
    {
        Assert.Equal("linux", Platform.Current.Os);
        if (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64)
            Assert.Equal("linux/amd64", Platform.Current.ToString());
    }

    [Fact]
    public void Choose_ExactMatch()
    {
        Descriptor[] index = [Entry("linux/arm64/v8"), Entry("linux/amd64"), Entry("windows/amd64")];
        Assert.Same(index[1], PlatformMatcher.Choose(index, Platform.Parse("linux/amd64")));
        Assert.Same(index[0], PlatformMatcher.Choose(index, Platform.Parse("linux/arm64")));
        Assert.Same(index[2], PlatformMatcher.Choose(index, new Platform("windows", "amd64")));
    }

    [Fact]
    public void Choose_Arm64_WithOrWithoutV8_IsTheSame()
    {
        Descriptor[] index = [Entry("linux/amd64"), Entry("linux/arm64")];
        Assert.Same(index[1], PlatformMatcher.Choose(index, Platform.Parse("linux/arm64/v8")));
    }

    [Fact]
    public void Choose_ArmFallsBackToOlderVariants_NeverNewer()
    {
        Descriptor[] index = [Entry("linux/arm/v5"), Entry("linux/arm/v6"), Entry("linux/arm/v8")];
        Assert.Same(index[1], PlatformMatcher.Choose(index, Platform.Parse("linux/arm/v7")));
        Assert.Same(index[0], PlatformMatcher.Choose(index, Platform.Parse("linux/arm/v5")));
        Assert.Null(PlatformMatcher.Choose([Entry("linux/arm/v8")], Platform.Parse("linux/arm/v7")));
    }

    [Fact]
    public void Choose_PrefersTheExactVariant_OverOlderOnes()
    {
        Descriptor[] index = [Entry("linux/amd64"), Entry("linux/amd64/v3"), Entry("linux/amd64/v2")];
        Assert.Same(index[1], PlatformMatcher.Choose(index, Platform.Parse("linux/amd64/v3")));
        Assert.Same(index[0], PlatformMatcher.Choose(index, Platform.Parse("linux/amd64")));
        // A plain amd64 machine cannot run v2/v3 images.
        Assert.Null(PlatformMatcher.Choose([Entry("linux/amd64/v3")], Platform.Parse("linux/amd64")));
    }

    [Fact]
    public void Choose_SkipsAttestationsAndEntriesWithoutPlatform()
    {
        Descriptor noPlatform = Entry("linux/amd64") with { Platform = null };
        Descriptor attestation = Entry("unknown/unknown");
        Descriptor artifact = Entry("linux/amd64", mediaType: "application/vnd.in-toto+json", n: 1);
        Descriptor real = Entry("linux/amd64", n: 2);
        Assert.Same(real, PlatformMatcher.Choose([noPlatform, attestation, artifact, real], Platform.Parse("linux/amd64")));
    }

    [Fact]
    public void Choose_FirstOfEqualCandidatesWins()
    {
        Descriptor a = Entry("linux/amd64", n: 1), b = Entry("linux/amd64", n: 2);
        Assert.Same(a, PlatformMatcher.Choose([a, b], Platform.Parse("linux/amd64")));
    }

    [Fact]
    public void Choose_NestedIndexEntriesAreCandidates()
    {
        Descriptor nested = Entry("linux/amd64", mediaType: MediaTypes.OciIndex);
        Assert.Same(nested, PlatformMatcher.Choose([nested], Platform.Parse("linux/amd64")));
    }

    [Fact]
    public void Choose_NoMatch_IsNull()
    {
        Assert.Null(PlatformMatcher.Choose([Entry("linux/s390x"), Entry("linux/ppc64le")], Platform.Parse("linux/amd64")));
    }
}
