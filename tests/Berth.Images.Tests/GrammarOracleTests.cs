using System.Text;
using System.Text.RegularExpressions;
using Berth.Images;

namespace Berth.Images.Tests;

/// <summary>
/// Cross-checks the hand-written scanner against the grammar written as a regular expression, the way
/// distribution/reference's regexp.go composes it (Go's \w and [[:xdigit:]] spelled out as ASCII classes,
/// and \z for Go's end of text). The regex is only an oracle here; production code does not use one.
/// </summary>
public sealed class GrammarOracleTests
{
    private const string Alnum = "[a-z0-9]+";
    private const string Separator = "(?:[._]|__|[-]+)";
    private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private const string OptionalPort = "(?::[0-9]+)?";
    private const string Tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    private const string DigestPat = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
    private const string Ipv6 = @"\[(?:[a-fA-F0-9:]+)\]";
    private const string DomainName = DomainComponent + @"(?:\." + DomainComponent + ")*";
    private const string Host = "(?:" + DomainName + "|" + Ipv6 + ")";
    private const string DomainAndPort = Host + OptionalPort;
    private const string PathComponent = Alnum + "(?:" + Separator + Alnum + ")*";
    private const string RemoteName = PathComponent + "(?:/" + PathComponent + ")*";
    private const string NamePat = "(?:" + DomainAndPort + "/)?" + RemoteName;

    private static readonly Regex Reference = new(@"^(" + NamePat + ")(?::(" + Tag + "))?(?:@(" + DigestPat + @"))?\z", RegexOptions.CultureInvariant);
    private static readonly Regex AnchoredName = new(@"^(?:(" + DomainAndPort + ")/)?(" + RemoteName + @")\z", RegexOptions.CultureInvariant);

    private static void AssertAgrees(string s)
    {
        Match m = Reference.Match(s);
        bool ok = ImageReference.TryMatch(s, out string domain, out string path, out string? tag, out string? digest);
        Assert.True(m.Success == ok, $"scanner says {ok}, grammar says {m.Success} for \"{s}\"");
        if (!ok) return;
        Match n = AnchoredName.Match(m.Groups[1].Value);
        Assert.True(n.Success);
        Assert.Equal(n.Groups[1].Value, domain);
        Assert.Equal(n.Groups[2].Value, path);
        Assert.Equal(m.Groups[2].Success ? m.Groups[2].Value : null, tag);
        Assert.Equal(m.Groups[3].Success ? m.Groups[3].Value : null, digest);
    }

    private static readonly string[] SeedStrings =
    [
        "test_com", "test.com:tag", "test:5000/repo:tag@sha256:" + new string('f', 64), "a/b/c", "a.b/c",
        "[2001:db8::1]:5000/repo", "[::1]/a", "foo_bar.com:8080", "foo/foo_bar.com:8080", "localhost:5000/a/b:tag",
        "a__b/c--d/e.f_g", "x@sha256:" + new string('a', 64), "Up/low", "a-b.c-d:1/e", "192.168.1.1:5000/repo:5050",
        "x:tag@sha512:" + new string('0', 128), "x@alg+v.1-x_y:" + new string('E', 40),
    ];

    public static TheoryData<string> Seeds => new(SeedStrings);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seeds_agree(string s) => AssertAgrees(s);

    [Fact]
    public void Random_strings_and_mutations_agree()
    {
        const string alphabet = "abz09AZ_.-:/@[]f";
        var rng = new Random(20240611);
        var sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++)
        {
            sb.Clear();
            int len = rng.Next(0, 16);
            for (int j = 0; j < len; j++) sb.Append(alphabet[rng.Next(alphabet.Length)]);
            AssertAgrees(sb.ToString());
        }

        string[] seeds = SeedStrings;
        for (int i = 0; i < 100_000; i++)
        {
            sb.Clear().Append(seeds[rng.Next(seeds.Length)]);
            int edits = rng.Next(1, 4);
            for (int e = 0; e < edits; e++)
            {
                int at = rng.Next(sb.Length + 1);
                switch (rng.Next(3))
                {
                    case 0: sb.Insert(at, alphabet[rng.Next(alphabet.Length)]); break;
                    case 1 when at < sb.Length: sb.Remove(at, 1); break;
                    default: if (at < sb.Length) sb[at] = alphabet[rng.Next(alphabet.Length)]; break;
                }
            }
            AssertAgrees(sb.ToString());
        }
    }
}
