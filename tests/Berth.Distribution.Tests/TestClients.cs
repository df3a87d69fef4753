namespace Berth.Distribution.Tests;

internal static class TestClients
{
    /// <summary>A client with short backoff and timeouts so that retry tests run fast.</summary>
    public static RegistryClient Create(Action<RegistryClientOptions>? configure = null)
    {
        var options = new RegistryClientOptions
        {
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(100),
            RequestTimeout = TimeSpan.FromSeconds(15),
            ReadTimeout = TimeSpan.FromSeconds(15),
        };
        configure?.Invoke(options);
        return new RegistryClient(options);
    }

    public static RegistryClient WithBasic(string registry, string user, string password, Action<RegistryClientOptions>? configure = null)
        => Create(o =>
        {
            o.Registries[registry] = new RegistryHostSettings { Credentials = RegistryCredentials.Basic(user, password) };
            configure?.Invoke(o);
        });
}
