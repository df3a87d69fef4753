using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Berth.Core;

namespace Berth.Images;

/// <summary>
/// An image reference in docker's grammar (distribution/reference v0.6):
/// <code>
/// reference        := name [ ":" tag ] [ "@" digest ]
/// name             := [domain '/'] remote-name
/// domain           := host [':' port-number]
/// host             := domain-name | '[' IPv6address ']'
/// domain-name      := domain-component ['.' domain-component]*
/// domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
/// port-number      := /[0-9]+/
/// remote-name      := path-component ['/' path-component]*
/// path-component   := alpha-numeric [separator alpha-numeric]*
/// alpha-numeric    := /[a-z0-9]+/
/// separator        := /[_.]|__|[-]+/
/// tag              := /[\w][\w.-]{0,127}/
/// digest           := algorithm ":" hex  (only sha256 and sha512 are accepted)
/// </code>
/// Parsing is a hand-written scanner of this grammar: linear in the input, no regex engine.
/// Instances are immutable; <see cref="WithTag"/> and <see cref="WithDigest"/> return new ones.
/// </summary>
public sealed class ImageReference : IEquatable<ImageReference>
{
    /// <summary>The registry that short names resolve to.</summary>
    public const string DefaultDomain = "docker.io";
    /// <summary>The legacy name of <see cref="DefaultDomain"/>, rewritten on parse.</summary>
    public const string LegacyDefaultDomain = "index.docker.io";
    /// <summary>The namespace of official images on <see cref="DefaultDomain"/>.</summary>
    public const string OfficialRepoPrefix = "library/";
    public const string DefaultTag = "latest";
    /// <summary>The longest remote name (path) allowed; the domain is not counted (distribution/reference v0.6).</summary>
    public const int MaxPathLength = 255;
    public const int MaxTagLength = 128;

    private ImageReference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host and optional port, e.g. <c>docker.io</c> or <c>localhost:5000</c>. Empty only for references from <see cref="Parse"/> that named no domain.</summary>
    public string Domain { get; }

    /// <summary>The repository path within the registry, e.g. <c>library/busybox</c>.</summary>
    public string Path { get; }

    public string? Tag { get; }

    public Digest? Digest { get; }

    /// <summary>Domain and path: <c>docker.io/library/busybox</c>.</summary>
    public string Name => Domain.Length == 0 ? Path : $"{Domain}/{Path}";

    /// <summary>The full, normalized string: <c>docker.io/library/busybox:latest</c>.</summary>
    public string Canonical => Compose(Name, Tag, Digest);

    /// <summary>The short name docker shows: <c>busybox</c>, <c>user/img</c>, <c>localhost:5000/a/b</c>.</summary>
    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain) return Name;
            if (Path.StartsWith(OfficialRepoPrefix, StringComparison.Ordinal) && Path.IndexOf('/', OfficialRepoPrefix.Length) < 0)
                return Path[OfficialRepoPrefix.Length..];
            return Path;
        }
    }

    /// <summary>The short string docker shows: <c>busybox:latest</c>.</summary>
    public string FamiliarString => Compose(FamiliarName, Tag, Digest);

    /// <summary>True when the reference has neither a tag nor a digest.</summary>
    public bool IsNameOnly => Tag is null && Digest is null;

    /// <summary>The host part of <see cref="Domain"/>, without port; IPv6 hosts keep their brackets.</summary>
    public string Host
    {
        get
        {
            if (Domain.StartsWith('['))
            {
                int close = Domain.IndexOf(']');
                return Domain[..(close + 1)];
            }
            int colon = Domain.IndexOf(':');
            return colon < 0 ? Domain : Domain[..colon];
        }
    }

    /// <summary>
    /// True when the registry is on this machine (<c>localhost</c>, 127.0.0.0/8, <c>::1</c>), which docker and
    /// containerd reach over plain HTTP unless configured otherwise.
    /// </summary>
    public bool IsInsecureDefault => IsLoopbackHost(Host);

    public override string ToString() => Canonical;

    /// <summary>
    /// Parses what a user types, as <c>docker pull</c> does: the name is normalized (<c>busybox</c> →
    /// <c>docker.io/library/busybox</c>) and a reference with neither tag nor digest gets <c>:latest</c>.
    /// A reference with both keeps both.
    /// </summary>
    public static ImageReference ParseNormalized(string s) => TagNameOnly(ParseNormalizedNamed(s));

    public static bool TryParseNormalized([NotNullWhen(true)] string? s, [NotNullWhen(true)] out ImageReference? reference)
        => TryParseNormalized(s, out reference, out _);

    public static bool TryParseNormalized([NotNullWhen(true)] string? s, [NotNullWhen(true)] out ImageReference? reference, [NotNullWhen(false)] out string? error)
    {
        ImageReference? parsed = null;
        error = s is null ? "invalid reference format" : TryNormalizedNamed(s, out parsed);
        if (error is not null || parsed is null)
        {
            reference = null;
            error ??= "invalid reference format";
            return false;
        }
        reference = TagNameOnly(parsed);
        return true;
    }

    /// <summary>
    /// docker's <c>ParseNormalizedNamed</c>: normalizes the name but adds no default tag.
    /// Rejects a bare 64-hex string (it would be ambiguous with an image ID) and uppercase repository names.
    /// </summary>
    public static ImageReference ParseNormalizedNamed(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        string? error = TryNormalizedNamed(s, out ImageReference? r);
        if (error is not null) Throw(error);
        return r!;
    }

    /// <summary>
    /// docker's <c>ParseDockerRef</c>: like <see cref="ParseNormalized"/>, but a reference with both a tag and a
    /// digest loses the tag, since the digest is what will be used.
    /// </summary>
    public static ImageReference ParseDockerRef(string s)
    {
        ImageReference r = ParseNormalizedNamed(s);
        if (r.Tag is not null && r.Digest is not null) return r.WithoutTag();
        return TagNameOnly(r);
    }

    /// <summary>
    /// Parses the grammar exactly, with no normalization (distribution's <c>reference.Parse</c>):
    /// <c>busybox</c> stays a path with an empty <see cref="Domain"/>, and a first component is a domain
    /// whenever it matches the domain production.
    /// </summary>
    public static ImageReference Parse(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        string? error = TryParseCore(s, out ImageReference? r);
        if (error is not null) Throw(error);
        return r!;
    }

    /// <summary>A copy with <paramref name="tag"/>; an existing digest is kept.</summary>
    public ImageReference WithTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        if (!IsValidTag(tag)) Throw("invalid tag format");
        return new ImageReference(Domain, Path, tag, Digest);
    }

    /// <summary>A copy with <paramref name="digest"/>; an existing tag is kept.</summary>
    public ImageReference WithDigest(Digest digest)
    {
        if (!digest.IsValid) Throw("invalid digest format");
        return new ImageReference(Domain, Path, Tag, digest);
    }

    public ImageReference WithoutTag() => Tag is null ? this : new ImageReference(Domain, Path, null, Digest);

    public ImageReference WithoutDigest() => Digest is null ? this : new ImageReference(Domain, Path, Tag, null);

    /// <summary>The name alone, with neither tag nor digest.</summary>
    public ImageReference NameOnly() => IsNameOnly ? this : new ImageReference(Domain, Path, null, null);

    /// <summary>True when <paramref name="tag"/> matches <c>[\w][\w.-]{0,127}</c> (ASCII word characters).</summary>
    public static bool IsValidTag(ReadOnlySpan<char> tag)
    {
        if (tag.Length is 0 or > MaxTagLength || !IsWord(tag[0])) return false;
        for (int i = 1; i < tag.Length; i++)
        {
            char c = tag[i];
            if (!IsWord(c) && c is not '.' and not '-') return false;
        }
        return true;
    }

    public bool Equals(ImageReference? other) =>
        other is not null && Domain == other.Domain && Path == other.Path && Tag == other.Tag && Digest == other.Digest;

    public override bool Equals(object? obj) => Equals(obj as ImageReference);

    public override int GetHashCode() => HashCode.Combine(Domain, Path, Tag, Digest);

    public static bool operator ==(ImageReference? a, ImageReference? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(ImageReference? a, ImageReference? b) => !(a == b);

    // ---- normalization (docker's normalize.go, re-expressed) ----

    private static ImageReference TagNameOnly(ImageReference r) =>
        r.IsNameOnly ? new ImageReference(r.Domain, r.Path, DefaultTag, null) : r;

    private static string? TryNormalizedNamed(string s, out ImageReference? reference)
    {
        reference = null;
        if (s.Length == 64 && IsLowerHex(s))
            return $"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings";

        (string domain, string remainder) = SplitDockerDomain(s);
        int tagSep = remainder.IndexOf(':');
        string remote = tagSep >= 0 ? remainder[..tagSep] : remainder;
        if (!remote.Equals(remote.ToLowerInvariant(), StringComparison.Ordinal))
            return $"invalid reference format: repository name ({remote}) must be lowercase";

        return TryParseCore(domain + "/" + remainder, out reference);
    }

    /// <summary>
    /// Splits off the registry: a first component is a domain when it is <c>localhost</c>, contains '.' or ':',
    /// or has uppercase letters (which a path cannot). Everything else is on docker.io, and a one-component path there
    /// is an official image under <c>library/</c>.
    /// </summary>
    private static (string Domain, string Remainder) SplitDockerDomain(string name)
    {
        int slash = name.IndexOf('/');
        if (slash < 0) return (DefaultDomain, OfficialRepoPrefix + name);

        string maybeDomain = name[..slash];
        string maybeRemainder = name[(slash + 1)..];
        string domain, remainder;
        if (maybeDomain == "localhost")
            (domain, remainder) = (maybeDomain, maybeRemainder);
        else if (maybeDomain == LegacyDefaultDomain)
            (domain, remainder) = (DefaultDomain, maybeRemainder);
        else if (maybeDomain.AsSpan().IndexOfAny('.', ':') >= 0)
            (domain, remainder) = (maybeDomain, maybeRemainder);
        else if (!maybeDomain.Equals(maybeDomain.ToLowerInvariant(), StringComparison.Ordinal))
            (domain, remainder) = (maybeDomain, maybeRemainder);
        else
            (domain, remainder) = (DefaultDomain, name);

        if (domain == DefaultDomain && !remainder.Contains('/'))
            remainder = OfficialRepoPrefix + remainder;
        return (domain, remainder);
    }

    // ---- the grammar ----

    private static string? TryParseCore(string s, out ImageReference? reference)
    {
        reference = null;
        if (s.Length == 0) return "repository name must have at least one component";

        if (!TryMatch(s, out string domain, out string path, out string? tag, out string? digestText))
        {
            string lower = s.ToLowerInvariant();
            if (lower != s && TryMatch(lower, out _, out _, out _, out _))
                return "repository name must be lowercase";
            return "invalid reference format";
        }

        if (path.Length > MaxPathLength)
            return $"repository name must not be more than {MaxPathLength} characters";

        Digest? digest = null;
        if (digestText is not null)
        {
            string? digestError = ValidateDigest(digestText, out Digest d);
            if (digestError is not null) return digestError;
            digest = d;
        }
        reference = new ImageReference(domain, path, tag, digest);
        return null;
    }

    /// <summary>Matches <c>^(name)(?::(tag))?(?:@(digest))?$</c> and splits the name into domain and path.</summary>
    internal static bool TryMatch(string s, out string domain, out string path, out string? tag, out string? digest)
    {
        domain = path = "";
        tag = digest = null;

        // No production but the digest may follow '@', and the digest has no '@'.
        ReadOnlySpan<char> rest = s;
        int at = s.IndexOf('@');
        if (at >= 0)
        {
            ReadOnlySpan<char> d = rest[(at + 1)..];
            if (!IsDigestPattern(d)) return false;
            digest = d.ToString();
            rest = rest[..at];
        }

        // The name has ':' only inside its domain, which is always followed by '/';
        // so a ':' after the last '/' can only start the tag.
        int lastSlash = rest.LastIndexOf('/');
        int colon = rest[(lastSlash + 1)..].IndexOf(':');
        if (colon >= 0)
        {
            colon += lastSlash + 1;
            ReadOnlySpan<char> t = rest[(colon + 1)..];
            if (!IsValidTag(t)) return false;
            tag = t.ToString();
            rest = rest[..colon];
        }

        // name := [domain '/'] remote-name; the optional domain is preferred when both readings match.
        int firstSlash = rest.IndexOf('/');
        if (firstSlash >= 0 && IsDomainAndPort(rest[..firstSlash]) && IsRemoteName(rest[(firstSlash + 1)..]))
        {
            domain = rest[..firstSlash].ToString();
            path = rest[(firstSlash + 1)..].ToString();
            return true;
        }
        if (IsRemoteName(rest))
        {
            path = rest.ToString();
            return true;
        }
        return false;
    }

    private static bool IsRemoteName(ReadOnlySpan<char> s)
    {
        foreach (Range r in s.Split('/'))
        {
            if (!IsPathComponent(s[r])) return false;
        }
        return true;
    }

    /// <summary><c>[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*</c></summary>
    private static bool IsPathComponent(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !IsLowerAlnum(s[0]) || !IsLowerAlnum(s[^1])) return false;
        int i = 0;
        while (i < s.Length)
        {
            if (IsLowerAlnum(s[i])) { i++; continue; }
            int start = i;
            while (i < s.Length && !IsLowerAlnum(s[i])) i++;
            ReadOnlySpan<char> sep = s[start..i];
            bool ok = sep is "." or "_" or "__" || (sep.Length > 0 && !sep.ContainsAnyExcept('-'));
            if (!ok) return false;
        }
        return true;
    }

    /// <summary><c>host(?::[0-9]+)?</c> with host a domain name or a bracketed IPv6 address.</summary>
    private static bool IsDomainAndPort(ReadOnlySpan<char> s)
    {
        ReadOnlySpan<char> port;
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']');
            if (close < 0) return false;
            ReadOnlySpan<char> inner = s[1..close];
            if (inner.IsEmpty) return false;
            foreach (char c in inner)
            {
                if (!char.IsAsciiHexDigit(c) && c != ':') return false;
            }
            port = s[(close + 1)..];
        }
        else
        {
            int colon = s.IndexOf(':');
            ReadOnlySpan<char> host = colon < 0 ? s : s[..colon];
            port = colon < 0 ? [] : s[colon..];
            if (host.IsEmpty) return false;
            foreach (Range r in host.Split('.'))
            {
                if (!IsDomainComponent(host[r])) return false;
            }
        }
        if (port.IsEmpty) return true;
        if (port[0] != ':' || port.Length == 1) return false;
        foreach (char c in port[1..])
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return true;
    }

    /// <summary><c>[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]</c></summary>
    private static bool IsDomainComponent(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !char.IsAsciiLetterOrDigit(s[0]) || !char.IsAsciiLetterOrDigit(s[^1])) return false;
        foreach (char c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-') return false;
        }
        return true;
    }

    /// <summary><c>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}</c></summary>
    private static bool IsDigestPattern(ReadOnlySpan<char> s)
    {
        int colon = s.IndexOf(':');
        if (colon < 0) return false;
        ReadOnlySpan<char> algo = s[..colon];
        ReadOnlySpan<char> hex = s[(colon + 1)..];
        if (hex.Length < 32 || hex.ContainsAnyExcept(HexDigits)) return false;
        bool expectLetter = true;
        foreach (char c in algo)
        {
            if (expectLetter)
            {
                if (!char.IsAsciiLetter(c)) return false;
                expectLetter = false;
            }
            else if (c is '-' or '_' or '+' or '.')
            {
                expectLetter = true;
            }
            else if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }
        return !expectLetter;
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits =
        System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>The checks of go-digest's <c>Digest.Validate</c>, limited to the algorithms Berth supports.</summary>
    private static string? ValidateDigest(string text, out Digest digest)
    {
        digest = default;
        int colon = text.IndexOf(':');
        string algo = text[..colon];
        string encoded = text[(colon + 1)..];
        int expectedLength = algo switch
        {
            Core.Digest.Sha256Algorithm => 64,
            Core.Digest.Sha512Algorithm => 128,
            _ => -1,
        };
        if (expectedLength < 0) return "unsupported digest algorithm";
        if (encoded.Length != expectedLength) return "invalid checksum digest length";
        if (!Core.Digest.TryParse(text, out digest)) return "invalid checksum digest format";
        return null;
    }

    private static bool IsLoopbackHost(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            return IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out IPAddress? v6)
                && v6.AddressFamily == AddressFamily.InterNetworkV6 && IPAddress.IsLoopback(v6);
        }
        // Dotted-quad only: IPAddress.TryParse also takes "127.1" and "2130706433", which are domain names here.
        Span<Range> parts = stackalloc Range[5];
        ReadOnlySpan<char> h = host;
        if (h.Split(parts, '.') != 4) return false;
        for (int i = 0; i < 4; i++)
        {
            ReadOnlySpan<char> p = h[parts[i]];
            if (p.Length is 0 or > 3 || p.ContainsAnyExceptInRange('0', '9') || int.Parse(p) > 255) return false;
        }
        return h[parts[0]] is "127";
    }

    private static string Compose(string name, string? tag, Digest? digest)
    {
        string s = name;
        if (tag is not null) s += ":" + tag;
        if (digest is { } d) s += "@" + d.ToString();
        return s;
    }

    private static bool IsLowerAlnum(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9');

    private static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsLowerHex(string s)
    {
        foreach (char c in s)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        }
        return true;
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new BerthException(ErrorKind.InvalidArgument, message);
}
