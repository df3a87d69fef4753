using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Berth.Core;

namespace Berth.Distribution;

/// <summary>
/// Checks registry hosts, repository names, tags and digests before they become part of a URL
/// (security case 3B-10: never request an attacker-shaped path).
/// </summary>
internal static partial class Names
{
    // distribution reference grammar: path components of lower-case alphanumerics joined by
    // '.', '_', '__' or any number of '-'; components joined by '/'.
    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryRegex();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    // host[:port]: DNS labels joined by '.', or a bracketed IPv6 literal.
    [GeneratedRegex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostRegex();

    public const int MaxRepositoryLength = 255;

    public static void CheckRegistry(string registry)
    {
        if (string.IsNullOrEmpty(registry) || registry.Length > 255 || !HostRegex().IsMatch(registry))
            Throw($"invalid registry host \"{Shorten(registry)}\"");
    }

    public static void CheckRepository(string repository)
    {
        if (string.IsNullOrEmpty(repository) || repository.Length > MaxRepositoryLength || !RepositoryRegex().IsMatch(repository))
            Throw($"invalid repository name \"{Shorten(repository)}\"");
    }

    public static bool IsTag(string s) => TagRegex().IsMatch(s);

    /// <summary>A tag or a digest; returns the digest when it is one. Anything else throws InvalidArgument.</summary>
    public static Digest? CheckReference(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Contains(':'))
        {
            if (Digest.TryParse(reference, out Digest d)) return d;
            Throw($"invalid digest \"{Shorten(reference)}\"");
        }
        if (!IsTag(reference)) Throw($"invalid tag \"{Shorten(reference)}\"");
        return null;
    }

    public static void CheckDigest(Digest digest, string what)
    {
        if (!digest.IsValid) Throw($"invalid {what} digest \"{Shorten(digest.ToString())}\"");
    }

    private static string Shorten(string? s) => s is { Length: > 80 } ? s[..80] + "..." : s ?? "";

    [DoesNotReturn]
    private static void Throw(string message) => throw new BerthException(ErrorKind.InvalidArgument, message);
}
