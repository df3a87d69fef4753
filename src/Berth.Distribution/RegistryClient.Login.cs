namespace Berth.Distribution;

public sealed partial class RegistryClient
{
    /// <summary>
    /// docker login's check: GET /v2/ with the current request's credentials, answering an auth challenge
    /// (with no scope, as the docker daemon does). Returns normally when the registry accepts them.
    /// </summary>
    public async Task CheckLoginAsync(string registry, CancellationToken cancellationToken = default)
    {
        RegistryEndpoint ep = Endpoint(registry);
        var target = new RequestTarget("logging in to", registry, null, null);
        using HttpResponseMessage response = await SendAsync(ep, new Request
        {
            Method = HttpMethod.Get,
            Uri = ep.ApiUri("v2/"),
            Scopes = [],
            Target = target,
            Accept = "application/json",
        }, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(ep, response, target, cancellationToken).ConfigureAwait(false);
    }
}
