using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Berth.Core;

/// <summary>
/// A content digest as the OCI image spec defines it: <c>algorithm:encoded</c>.
/// Only the two registered algorithms are accepted: <c>sha256</c> (64 lowercase hex digits)
/// and <c>sha512</c> (128 lowercase hex digits).
/// </summary>
/// <remarks>
/// The positional constructor does not validate; use <see cref="Parse"/>, <see cref="TryParse"/>,
/// <see cref="Sha256(ReadOnlySpan{byte})"/> or <see cref="FromHash"/> to get a digest that is known to be well formed.
/// </remarks>
public readonly record struct Digest(string Algorithm, string Encoded)
{
    public const string Sha256Algorithm = "sha256";
    public const string Sha512Algorithm = "sha512";

    /// <summary>Parses <c>sha256:&lt;64 hex&gt;</c> or <c>sha512:&lt;128 hex&gt;</c>; throws <see cref="BerthException"/> (InvalidArgument) otherwise.</summary>
    public static Digest Parse(string s)
    {
        if (!TryParse(s, out Digest d)) ThrowInvalid(s);
        return d;
    }

    public static bool TryParse([NotNullWhen(true)] string? s, out Digest digest)
    {
        digest = default;
        if (s is null) return false;
        int colon = s.IndexOf(':');
        if (colon <= 0) return false;
        ReadOnlySpan<char> algo = s.AsSpan(0, colon);
        ReadOnlySpan<char> enc = s.AsSpan(colon + 1);
        string algorithm;
        if (algo.SequenceEqual(Sha256Algorithm)) algorithm = Sha256Algorithm;
        else if (algo.SequenceEqual(Sha512Algorithm)) algorithm = Sha512Algorithm;
        else return false;
        if (enc.Length != HexLength(algorithm) || !IsLowerHex(enc)) return false;
        digest = new Digest(algorithm, enc.ToString());
        return true;
    }

    /// <summary>True when the algorithm is supported and the encoded part has the right shape.</summary>
    public bool IsValid => Algorithm is Sha256Algorithm or Sha512Algorithm
        && Encoded is not null && Encoded.Length == HexLength(Algorithm) && IsLowerHex(Encoded);

    public override string ToString() => Algorithm is null ? "" : $"{Algorithm}:{Encoded}";

    public static Digest Sha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        return new Digest(Sha256Algorithm, Convert.ToHexStringLower(hash));
    }

    /// <summary>Hashes a stream to its end with SHA-256.</summary>
    public static Digest Sha256(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new Digest(Sha256Algorithm, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    public static Digest FromHash(string algo, byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        string algorithm = NormalizeAlgorithm(algo);
        if (hash.Length * 2 != HexLength(algorithm))
            throw new BerthException(ErrorKind.InvalidArgument, $"{algorithm} hash must be {HexLength(algorithm) / 2} bytes, got {hash.Length}");
        return new Digest(algorithm, Convert.ToHexStringLower(hash));
    }

    /// <summary>A fresh incremental hasher for <paramref name="algo"/> (sha256 or sha512).</summary>
    public static IncrementalHash CreateHasher(string algo) => NormalizeAlgorithm(algo) switch
    {
        Sha256Algorithm => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        _ => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
    };

    private static string NormalizeAlgorithm(string algo) => algo switch
    {
        Sha256Algorithm => Sha256Algorithm,
        Sha512Algorithm => Sha512Algorithm,
        _ => throw new BerthException(ErrorKind.InvalidArgument, $"unsupported digest algorithm \"{algo}\""),
    };

    private static int HexLength(string algorithm) => algorithm == Sha512Algorithm ? 128 : 64;

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        }
        return true;
    }

    [DoesNotReturn]
    private static void ThrowInvalid(string? s) =>
        throw new BerthException(ErrorKind.InvalidArgument, $"invalid digest \"{s}\"");
}
