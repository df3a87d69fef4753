namespace Berth.Distribution;

/// <summary>
/// What the client may present to a registry: a user name and password (Basic, or the basis of a
/// token request) or an identity token (an OAuth2 refresh token, as <c>docker login</c> stores).
/// ToString never shows the secret.
/// </summary>
public sealed class RegistryCredentials
{
    public string? Username { get; }
    public string? Password { get; }
    public string? IdentityToken { get; }

    private RegistryCredentials(string? username, string? password, string? identityToken)
        => (Username, Password, IdentityToken) = (username, password, identityToken);

    public static RegistryCredentials Basic(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        if (username.Contains(':')) throw new ArgumentException("a Basic user name cannot contain ':'", nameof(username));
        return new RegistryCredentials(username, password, null);
    }

    /// <summary>An identity (refresh) token; <paramref name="username"/> is sent along where a token service wants one.</summary>
    public static RegistryCredentials Token(string identityToken, string? username = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(identityToken);
        return new RegistryCredentials(username, null, identityToken);
    }

    public bool HasPassword => Username is not null && Password is not null;

    public override string ToString() => IdentityToken is not null ? $"identity token{(Username is null ? "" : $" for {Username}")}" : $"user {Username}";
}

/// <summary>Looks up credentials for a registry host (for example from a Docker config.json or a keyring).</summary>
public interface IRegistryCredentialProvider
{
    /// <summary>Credentials for <paramref name="registry"/> (host[:port] as written in references), or null for anonymous.</summary>
    ValueTask<RegistryCredentials?> GetCredentialsAsync(string registry, CancellationToken cancellationToken);
}

/// <summary>A fixed table of credentials by registry host.</summary>
public sealed class StaticCredentialProvider : IRegistryCredentialProvider
{
    private readonly Dictionary<string, RegistryCredentials> _byRegistry = new(StringComparer.OrdinalIgnoreCase);

    public StaticCredentialProvider Add(string registry, RegistryCredentials credentials)
    {
        _byRegistry[registry] = credentials;
        return this;
    }

    public ValueTask<RegistryCredentials?> GetCredentialsAsync(string registry, CancellationToken cancellationToken)
        => ValueTask.FromResult(_byRegistry.GetValueOrDefault(registry));
}
