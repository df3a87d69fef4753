using System.Text;
using System.Text.Json;
using Berth.Core;
using Berth.Distribution;

namespace Berth.Api;

/// <summary>
/// X-Registry-Auth: base64url JSON {username, password, identitytoken, serveraddress} sent by the docker
/// CLI with pulls and pushes. The credentials belong to that one request: they reach the registry client
/// through an async-local, never a daemon-wide store.
/// </summary>
public sealed class RequestCredentials : IRegistryCredentialProvider
{
    private static readonly AsyncLocal<RegistryCredentials?> Current = new();

    public static IDisposable Use(RegistryCredentials? credentials)
    {
        var previous = Current.Value;
        Current.Value = credentials;
        return new Restore(previous);
    }

    public ValueTask<RegistryCredentials?> GetCredentialsAsync(string registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Current.Value);

    /// <summary>Decodes the header; empty or "{}" means anonymous. Bad input is a 400, not a silent anonymous pull.</summary>
    public static RegistryCredentials? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        byte[] json;
        try
        {
            string b64 = header.Trim().Replace('-', '+').Replace('_', '/');
            json = Convert.FromBase64String(b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '='));
        }
        catch (FormatException) { throw new BerthException(ErrorKind.InvalidArgument, "invalid X-Registry-Auth header: not base64"); }
        try
        {
            using var doc = JsonDocument.Parse(json);
            var e = doc.RootElement;
            string? S(string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString() is { Length: > 0 } s ? s : null : null;
            if (S("identitytoken") is { } token) return RegistryCredentials.Token(token, S("username"));
            if (S("username") is { } user && S("password") is { } password) return RegistryCredentials.Basic(user, password);
            return null;
        }
        catch (JsonException e) { throw new BerthException(ErrorKind.InvalidArgument, $"invalid X-Registry-Auth header: {e.Message}"); }
    }

    private sealed class Restore(RegistryCredentials? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
