using Berth.Core;
using Berth.Distribution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Berth.Api;

/// <summary>POST /auth (docker login): checks the credentials against the registry; stores nothing (the CLI keeps them).</summary>
public static class AuthEndpoints
{
    public static void MapAuth(this IEndpointRouteBuilder app, RegistryClient registry)
    {
        app.MapPost("/auth", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            string json = Convert.ToBase64String(body.ToArray()); // the same JSON the X-Registry-Auth header carries
            var credentials = RequestCredentials.Parse(json)
                ?? throw new BerthException(ErrorKind.InvalidArgument, "login needs a username and password");
            string server = ServerOf(System.Text.Json.JsonDocument.Parse(body.ToArray()).RootElement);
            using (RequestCredentials.Use(credentials))
            {
                try { await registry.CheckLoginAsync(server, http.RequestAborted); }
                catch (BerthException e) when (e.Kind is ErrorKind.PermissionDenied or ErrorKind.InvalidArgument)
                {
                    await ErrorMapping.WriteError(http, StatusCodes.Status401Unauthorized, $"login attempt to {server} failed: {e.Message}");
                    return;
                }
            }
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("{\"Status\":\"Login Succeeded\",\"IdentityToken\":\"\"}");
        });
    }

    /// <summary>"https://index.docker.io/v1/" → docker.io; "127.0.0.1:5000" as is.</summary>
    private static string ServerOf(System.Text.Json.JsonElement e)
    {
        string s = e.TryGetProperty("serveraddress", out var v) ? v.GetString() ?? "" : "";
        if (s.Length == 0 || s.Contains("index.docker.io", StringComparison.Ordinal)) return "docker.io";
        int scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) s = s[(scheme + 3)..];
        return s.Split('/')[0];
    }
}
