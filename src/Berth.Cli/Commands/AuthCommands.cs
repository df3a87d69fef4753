using System.Net.Http.Json;
using System.Text;
using Berth.Cli.Api;

namespace Berth.Cli.Commands;

/// <summary>login and logout: credentials checked by the daemon (POST /auth), kept in config.json as docker keeps them.</summary>
internal static class AuthCommands
{
    public static IEnumerable<CommandDef> Definitions =>
    [
        new("login", [], "[SERVER]", "Authenticate to a registry", 0, 1,
            [FlagDef.Str("password", 'p', "Password or Personal Access Token (PAT)"),
             FlagDef.Bool("password-stdin", null, "Take the Password or Personal Access Token (PAT) from stdin"),
             FlagDef.Str("username", 'u', "Username")], LoginAsync),
        new("logout", [], "[SERVER]", "Log out from a registry", 0, 1, [], LogoutAsync),
    ];

    private static async Task<int> LoginAsync(CommandContext ctx)
    {
        string? user = ctx.Flags.String("username");
        string? password = ctx.Flags.String("password");
        if (ctx.Flags.Bool("password-stdin"))
        {
            if (!string.IsNullOrEmpty(password)) throw new CliException("--password and --password-stdin are mutually exclusive");
            if (string.IsNullOrEmpty(user)) throw new CliException("the --password-stdin option requires --username to be set");
            password = new StreamReader(ctx.IO.In, Encoding.UTF8).ReadToEnd().TrimEnd('\n', '\r');
        }
        else if (!string.IsNullOrEmpty(password))
            await ctx.Err.WriteLineAsync("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");

        string server = ctx.Args.Count == 1 ? ctx.Args[0] : DockerConfig.IndexServer;
        string key = ctx.Args.Count == 1 ? DockerConfig.Host(server) : DockerConfig.IndexServer;
        var config = DockerConfig.Load(ctx.Global.ConfigDir);
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            if (Console.IsInputRedirected) throw new CliException("Error: Cannot perform an interactive login from a non TTY device");
            var stored = config.Get(key);
            if (string.IsNullOrEmpty(user))
            {
                await ctx.Out.WriteAsync(stored is { } s ? $"Username ({s.User}): " : "Username: ");
                user = Inputs.ReadLine(ctx.IO.In)?.Trim();
                if (string.IsNullOrEmpty(user)) user = stored?.User;
                if (string.IsNullOrEmpty(user)) throw new CliException("Error: Non-null Username Required");
            }
            if (string.IsNullOrEmpty(password))
            {
                await ctx.Out.WriteAsync("Password: ");
                password = ReadSecret();
                await ctx.Out.WriteLineAsync();
                if (string.IsNullOrEmpty(password)) throw new CliException("Error: Password Required");
            }
        }

        var api = await ctx.ClientAsync();
        var auth = new AuthConfig { Username = user, Password = password, ServerAddress = key };
        var response = await api.SendJsonAsync(HttpMethod.Post, "/auth", CliJsonContext.Default.AuthResponse,
            JsonContent.Create(auth, CliJsonContext.Default.AuthConfig));
        config.Set(key, user!, password!);
        config.Save();
        await ctx.Err.WriteLineAsync($"WARNING! Your credentials are stored unencrypted in '{config.Path}'.");
        await ctx.Out.WriteLineAsync(response.Status is { Length: > 0 } status ? status : "Login Succeeded");
        return 0;
    }

    /// <summary>A password typed on the terminal, not echoed.</summary>
    private static string ReadSecret()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var k = Console.ReadKey(intercept: true);
            if (k.Key == ConsoleKey.Enter) return sb.ToString();
            if (k.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; }
            else if (k.KeyChar != '\0') sb.Append(k.KeyChar);
        }
    }

    private static async Task<int> LogoutAsync(CommandContext ctx)
    {
        string server = ctx.Args.Count == 1 ? DockerConfig.Host(ctx.Args[0]) : DockerConfig.IndexServer;
        var config = DockerConfig.Load(ctx.Global.ConfigDir);
        // docker 28 says this whether or not it had credentials for the server
        await ctx.Out.WriteLineAsync($"Removing login credentials for {server}");
        if (config.Remove(server)) config.Save();
        return 0;
    }
}
