namespace Berth.Distribution.Tests;

public sealed class AuthChallengeTests
{
    [Fact]
    public void Bearer_WithRealmServiceAndScope()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\""));
        Assert.True(c.IsBearer);
        Assert.Equal("https://auth.docker.io/token", c.Realm);
        Assert.Equal("registry.docker.io", c.Service);
        Assert.Equal("repository:samalba/my-app:pull,push", c.Scope); // the comma inside quotes stays in the value
    }

    [Fact]
    public void SchemeAndParameterNames_AreCaseInsensitive_AndSpacesAreAllowed()
    {
        var c = Assert.Single(AuthChallenge.Parse("bearer  Realm = \"https://r/t\" , SERVICE=svc"));
        Assert.True(c.IsBearer);
        Assert.Equal("https://r/t", c.Realm);
        Assert.Equal("svc", c.Service); // token (unquoted) value
    }

    [Fact]
    public void Basic_WithRealm()
    {
        var c = Assert.Single(AuthChallenge.Parse("Basic realm=\"Registry Realm\""));
        Assert.True(c.IsBasic);
        Assert.Equal("Registry Realm", c.Realm);
    }

    [Fact]
    public void SeveralChallengesInOneHeader()
    {
        var all = AuthChallenge.Parse("Bearer realm=\"https://a/token\",service=\"s\", Basic realm=\"b\", Negotiate");
        Assert.Equal(["Bearer", "Basic", "Negotiate"], all.Select(c => c.Scheme));
        Assert.Equal("https://a/token", all[0].Realm);
        Assert.Equal("b", all[1].Realm);
        Assert.Empty(all[2].Parameters);
    }

    [Fact]
    public void SeveralHeaderValues()
    {
        var all = AuthChallenge.ParseAll(["Basic realm=\"x\"", "Bearer realm=\"https://t\""]);
        Assert.Equal(["Basic", "Bearer"], all.Select(c => c.Scheme));
    }

    [Fact]
    public void QuotedStrings_UnescapeBackslashes()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://r/t\",error=\"insufficient_scope\",error_description=\"say \\\"hi\\\", ok\""));
        Assert.Equal("insufficient_scope", c.Error);
        Assert.Equal("say \"hi\", ok", c.Parameters["error_description"]);
    }

    [Fact]
    public void Token68_IsKept()
    {
        var c = Assert.Single(AuthChallenge.Parse("Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg=="));
        Assert.Equal("YIIBhwYGKwYBBQUCoIIBezCCAXeg==", c.Token68);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,,")]
    [InlineData("=")]
    [InlineData("Bearer realm=")]
    [InlineData("Bearer realm=\"unterminated")]
    [InlineData("\"just a string\"")]
    public void Malformed_NeverThrows(string header)
    {
        _ = AuthChallenge.Parse(header);
    }

    [Fact]
    public void Unterminated_QuotedValue_RunsToTheEnd()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://r/t"));
        Assert.Equal("https://r/t", c.Realm);
    }

    [Fact]
    public void DuplicateParameter_FirstWins()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://first\", realm=\"https://second\""));
        Assert.Equal("https://first", c.Realm);
    }
}
