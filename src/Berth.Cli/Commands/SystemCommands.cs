using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Output;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary>version and info.</summary>
internal static class SystemCommands
{
    public static IEnumerable<CommandDef> Definitions =>
    [
        new("version", [], "", "Show the Berth version information", 0, 0,
            [FlagDef.Str("format", 'f', "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template")], VersionAsync),
        new("system info", ["info"], "", "Display system-wide information", 0, 0,
            [FlagDef.Str("format", 'f', "Format output using a custom template")], InfoAsync),
    ];

    private static async Task<int> VersionAsync(CommandContext ctx)
    {
        string? format = ctx.Flags.String("format");
        var client = new Dictionary<string, string>
        {
            ["Version"] = BerthCli.Version,
            ["ApiVersion"] = ApiClient.MaxVersion,
            ["DefaultAPIVersion"] = ApiClient.MaxVersion,
            ["GoVersion"] = ".NET " + Environment.Version,
            ["Os"] = "linux",
            ["Arch"] = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant() is "x64" ? "amd64" : "arm64",
            ["Context"] = "default",
        };
        JsonElement? server = null;
        Exception? serverError = null;
        try
        {
            var api = await ctx.ClientAsync();
            server = await api.GetElementAsync("/version");
            client["ApiVersion"] = api.ApiVersion!;
        }
        catch (Exception e) when (e is ConnectionException or DaemonErrorException) { serverError = e; }

        if (!string.IsNullOrEmpty(format))
        {
            var data = JsonDocument.Parse("{\"Client\":" + TemplateValues.Json(Row.From(client)) + ",\"Server\":" + (server is { } s ? s.GetRawText() : "null") + "}").RootElement;
            string f = format == "json" ? "{{json .}}" : format;
            await ctx.Out.WriteLineAsync(GoTemplate.Parse(f).Execute(data));
        }
        else
        {
            var sb = new StringBuilder();
            sb.Append("Client:\n");
            sb.Append($" Version:           {client["Version"]}\n");
            string downgraded = client["ApiVersion"] != ApiClient.MaxVersion ? $" (downgraded from {ApiClient.MaxVersion})" : "";
            sb.Append($" API version:       {client["ApiVersion"]}{downgraded}\n");
            sb.Append($" .NET version:      {Environment.Version}\n");
            sb.Append($" OS/Arch:           linux/{client["Arch"]}\n");
            sb.Append($" Context:           default\n");
            if (server is { } v)
            {
                sb.Append($"\nServer: {Str(v, "Platform", "Name")}\n");
                sb.Append(" Engine:\n");
                sb.Append($"  Version:          {Str(v, "Version")}\n");
                sb.Append($"  API version:      {Str(v, "ApiVersion")} (minimum version {Str(v, "MinAPIVersion")})\n");
                sb.Append($"  Go version:       {Str(v, "GoVersion")}\n");
                sb.Append($"  Git commit:       {Str(v, "GitCommit")}\n");
                sb.Append($"  Built:            {Str(v, "BuildTime")}\n");
                sb.Append($"  OS/Arch:          {Str(v, "Os")}/{Str(v, "Arch")}\n");
                sb.Append($"  Experimental:     {(v.TryGetProperty("Experimental", out var x) && x.ValueKind == JsonValueKind.True ? "true" : "false")}\n");
                if (v.TryGetProperty("Components", out var comps) && comps.ValueKind == JsonValueKind.Array)
                    foreach (var c in comps.EnumerateArray().Where(c => Str(c, "Name") != "Engine"))
                        sb.Append($" {Str(c, "Name")}:\n  Version:          {Str(c, "Version")}\n");
            }
            await ctx.Out.WriteAsync(sb.ToString());
        }
        if (serverError is not null) throw serverError;
        return 0;
    }

    private static string Str(JsonElement e, params string[] path)
    {
        foreach (string p in path)
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return "";
        return e.ValueKind == JsonValueKind.String ? e.GetString()! : e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? "" : e.GetRawText();
    }

    private static async Task<int> InfoAsync(CommandContext ctx)
    {
        var api = await ctx.ClientAsync();
        var info = await api.GetElementAsync("/info");
        string? format = ctx.Flags.String("format");
        if (!string.IsNullOrEmpty(format))
        {
            await ctx.Out.WriteLineAsync(GoTemplate.Parse(format == "json" ? "{{json .}}" : format).Execute(info));
            return 0;
        }
        var sb = new StringBuilder();
        sb.Append($"Client:\n Version:    {BerthCli.Version}\n Context:    default\n Debug Mode: {(ctx.Global.Debug ? "true" : "false")}\n\n");
        sb.Append("Server:\n");
        sb.Append($" Containers: {Str(info, "Containers")}\n  Running: {Str(info, "ContainersRunning")}\n  Paused: {Str(info, "ContainersPaused")}\n  Stopped: {Str(info, "ContainersStopped")}\n");
        sb.Append($" Images: {Str(info, "Images")}\n");
        sb.Append($" Server Version: {Str(info, "ServerVersion")}\n");
        sb.Append($" Storage Driver: {Str(info, "Driver")}\n");
        sb.Append($" Logging Driver: {Str(info, "LoggingDriver")}\n");
        sb.Append($" Cgroup Driver: {Str(info, "CgroupDriver")}\n");
        sb.Append($" Cgroup Version: {Str(info, "CgroupVersion")}\n");
        if (info.TryGetProperty("Runtimes", out var rts) && rts.ValueKind == JsonValueKind.Object)
            sb.Append($" Runtimes: {string.Join(' ', rts.EnumerateObject().Select(p => p.Name))}\n");
        sb.Append($" Default Runtime: {Str(info, "DefaultRuntime")}\n");
        sb.Append($" Kernel Version: {Str(info, "KernelVersion")}\n");
        sb.Append($" Operating System: {Str(info, "OperatingSystem")}\n");
        sb.Append($" OSType: {Str(info, "OSType")}\n");
        sb.Append($" Architecture: {Str(info, "Architecture")}\n");
        sb.Append($" CPUs: {Str(info, "NCPU")}\n");
        long mem = info.TryGetProperty("MemTotal", out var m) && m.TryGetInt64(out long mm) ? mm : 0;
        sb.Append($" Total Memory: {BinarySize(mem)}\n");
        sb.Append($" Name: {Str(info, "Name")}\n");
        sb.Append($" ID: {Str(info, "ID")}\n");
        sb.Append($" Docker Root Dir: {Str(info, "DockerRootDir")}\n");
        sb.Append($" Debug Mode: {Str(info, "Debug")}\n");
        sb.Append($" Experimental: {Str(info, "ExperimentalBuild")}\n");
        sb.Append($" Live Restore Enabled: {Str(info, "LiveRestoreEnabled")}\n");
        await ctx.Out.WriteAsync(sb.ToString());
        if (info.TryGetProperty("Warnings", out var w) && w.ValueKind == JsonValueKind.Array)
            foreach (var warning in w.EnumerateArray()) await ctx.Err.WriteLineAsync(warning.GetString());
        return 0;
    }

    /// <summary>go-units BytesSize: binary units with 4 significant digits ("23.47GiB").</summary>
    private static string BinarySize(double size)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        int i = 0;
        while (size >= 1024 && i < units.Length - 1) { size /= 1024; i++; }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }
}
