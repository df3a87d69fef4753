using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Output;
using Berth.Cli.Templates;
using Berth.Images;

namespace Berth.Cli.Commands;

/// <summary>images, inspect, history, tag, rmi, image prune.</summary>
internal static class ImageCommands
{
    private const string FormatHelp = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template";

    public static IEnumerable<CommandDef> Definitions =>
    [
        new("image ls", ["images", "image list"], "[REPOSITORY[:TAG]]", "List images", 0, 1,
            [FlagDef.Bool("all", 'a', "Show all images (default hides intermediate images)"),
             FlagDef.Bool("digests", null, "Show digests"),
             FlagDef.List("filter", 'f', "Filter output based on conditions provided"),
             FlagDef.Str("format", null, FormatHelp),
             FlagDef.Bool("no-trunc", null, "Don't truncate output"),
             FlagDef.Bool("quiet", 'q', "Only show image IDs")], ListAsync),
        new("inspect", [], "NAME|ID [NAME|ID...]", "Return low-level information on Berth objects", 1, CommandDef.Many,
            [FlagDef.Str("format", 'f', FormatHelp), FlagDef.Bool("size", 's', "Display total file sizes if the type is container"),
             FlagDef.Str("type", null, "Only inspect objects of the given type")], ctx => InspectAsync(ctx, generic: true)),
        new("image inspect", [], "IMAGE [IMAGE...]", "Display detailed information on one or more images", 1, CommandDef.Many,
            [FlagDef.Str("format", 'f', FormatHelp)], ctx => InspectAsync(ctx, generic: false)),
        new("image history", ["history"], "IMAGE", "Show the history of an image", 1, 1,
            [FlagDef.Str("format", null, FormatHelp),
             FlagDef.Bool("human", 'H', "Print sizes and dates in human readable format") with { Default = "true" },
             FlagDef.Bool("no-trunc", null, "Don't truncate output"),
             FlagDef.Bool("quiet", 'q', "Only show image IDs")], HistoryAsync),
        new("image tag", ["tag"], "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", 2, 2, [], TagAsync),
        new("image rm", ["rmi", "image remove"], "IMAGE [IMAGE...]", "Remove one or more images", 1, CommandDef.Many,
            [FlagDef.Bool("force", 'f', "Force removal of the image"), FlagDef.Bool("no-prune", null, "Do not delete untagged parents")], RemoveAsync),
        new("image prune", [], "", "Remove unused images", 0, 0,
            [FlagDef.Bool("all", 'a', "Remove all unused images, not just dangling ones"),
             FlagDef.List("filter", null, "Provide filter values (e.g. \"until=<timestamp>\")"),
             FlagDef.Bool("force", 'f', "Do not prompt for confirmation")], PruneAsync),
    ];

    private static readonly Dictionary<string, string> ImageHeaders = new()
    {
        ["Containers"] = "CONTAINERS", ["CreatedAt"] = "CREATED AT", ["CreatedSince"] = "CREATED", ["Digest"] = "DIGEST",
        ["ID"] = "IMAGE ID", ["Repository"] = "REPOSITORY", ["SharedSize"] = "SHARED SIZE", ["Size"] = "SIZE",
        ["Tag"] = "TAG", ["UniqueSize"] = "UNIQUE SIZE", ["VirtualSize"] = "SIZE",
    };

    private static async Task<int> ListAsync(CommandContext ctx)
    {
        var api = await ctx.ClientAsync();
        bool digests = ctx.Flags.Bool("digests"), quiet = ctx.Flags.Bool("quiet"), trunc = !ctx.Flags.Bool("no-trunc");
        string? format = ctx.Flags.String("format");
        // docker sends the positional as a reference filter; the daemon filters (berth does not filter here either).
        var extra = ctx.Args.Count == 1 ? new[] { ("reference", ctx.Args[0]) } : null;
        string query = ApiClient.Query(("all", ctx.Flags.Bool("all") ? "1" : null), ("filters", Inputs.Filters(ctx.Flags.List("filter"), extra)));
        var images = await api.GetJsonAsync("/images/json" + query, CliJsonContext.Default.ListImageSummary);

        string defaultTable = quiet ? "{{.ID}}"
            : digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
            : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
        if (quiet && (string.IsNullOrEmpty(format) || format == "table")) format = null;
        var formatter = new ListFormatter(format, defaultTable, "*formatter.imageContext");
        var now = DateTimeOffset.UtcNow;
        var rows = images.SelectMany(i => ImageRows.For(i, digests).Select(r => ImageRows.Row(i, r, trunc, now)));
        await ctx.Out.WriteAsync(formatter.Render(rows, ImageHeaders));
        return 0;
    }

    private static async Task<int> InspectAsync(CommandContext ctx, bool generic)
    {
        var api = await ctx.ClientAsync();
        string? format = ctx.Flags.String("format");
        GoTemplate? template = null;
        if (!string.IsNullOrEmpty(format) && format != "json")
        {
            try { template = GoTemplate.Parse(format); }
            catch (TemplateException e) { throw new CliException("template parsing error: " + e.Message, 64); }
        }
        var found = new List<JsonElement>();
        var errors = new List<string>();
        foreach (string name in ctx.Args)
        {
            try { found.Add(await api.GetElementAsync($"/images/{ApiClient.Name(name)}/json")); }
            catch (DaemonErrorException e) when (e.Status == 404)
            {
                errors.Add(generic ? $"Error: No such object: {name}" : $"Error response from daemon: {e.Message}");
            }
        }
        if (template is null) await ctx.Out.WriteLineAsync(Indented(found));
        else
        {
            var sb = new StringBuilder();
            try
            {
                foreach (var e in found) sb.Append(template.Execute(e)).Append('\n');
            }
            catch (TemplateException e)
            {
                await ctx.Out.WriteLineAsync(sb.ToString()); // docker ends stdout with an empty line here
                throw new CliException("template parsing error: " + e.Message);
            }
            await ctx.Out.WriteAsync(sb.ToString());
        }
        foreach (string e in errors) await ctx.Err.WriteLineAsync(e);
        return errors.Count > 0 ? 1 : 0;
    }

    /// <summary>docker's inspect output: a JSON array indented by four spaces, strings as the daemon sent them.</summary>
    internal static string Indented(IEnumerable<JsonElement> items)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, IndentSize = 4, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartArray();
            foreach (var e in items) e.WriteTo(w);
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static readonly Dictionary<string, string> HistoryHeaders = new()
    {
        ["ID"] = "IMAGE", ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["CreatedBy"] = "CREATED BY",
        ["Size"] = "SIZE", ["Comment"] = "COMMENT",
    };

    private static async Task<int> HistoryAsync(CommandContext ctx)
    {
        var api = await ctx.ClientAsync();
        var items = await api.GetJsonAsync($"/images/{ApiClient.Name(ctx.Args[0])}/history", CliJsonContext.Default.ListHistoryItem);
        bool human = ctx.Flags.String("human") != "false", trunc = !ctx.Flags.Bool("no-trunc"), quiet = ctx.Flags.Bool("quiet");
        string? format = ctx.Flags.String("format");
        string defaultTable = quiet ? "{{.ID}}"
            : human ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
            : "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
        if (quiet && (string.IsNullOrEmpty(format) || format == "table")) format = null;
        var now = DateTimeOffset.UtcNow;
        var rows = items.Select(h => Row.From(new Dictionary<string, string>
        {
            ["ID"] = h.Id.StartsWith('<') || !trunc ? h.Id : Units.ShortId(h.Id),
            ["CreatedSince"] = !human ? Units.Rfc3339(h.Created) : h.Created == 0 ? "N/A" : Units.Ago(h.Created, now),
            ["CreatedAt"] = Units.Rfc3339(h.Created),
            ["CreatedBy"] = trunc ? Units.Ellipsis(h.CreatedBy.Replace('\t', ' '), 45) : h.CreatedBy.Replace('\t', ' '),
            ["Size"] = human ? Units.HumanSize(h.Size, 3) : h.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Comment"] = h.Comment,
        }));
        var formatter = new ListFormatter(format, defaultTable, "*formatter.historyContext");
        await ctx.Out.WriteAsync(formatter.Render(rows, HistoryHeaders));
        return 0;
    }

    private static async Task<int> TagAsync(CommandContext ctx)
    {
        ImageReference target;
        try { target = ImageReference.ParseNormalizedNamed(ctx.Args[1]); }
        catch (Berth.Core.BerthException e)
        {
            throw new CliException($"Error parsing reference: \"{ctx.Args[1]}\" is not a valid repository/tag: {e.Message}");
        }
        if (target.Digest is not null) throw new CliException("refusing to create a tag with a digest reference");
        var api = await ctx.ClientAsync();
        string query = ApiClient.Query(("repo", target.Name), ("tag", target.Tag ?? ImageReference.DefaultTag));
        using var _ = await api.SendAsync(HttpMethod.Post, $"/images/{ApiClient.Name(ctx.Args[0])}/tag{query}");
        return 0;
    }

    private static async Task<int> RemoveAsync(CommandContext ctx)
    {
        var api = await ctx.ClientAsync();
        string query = ApiClient.Query(("force", ctx.Flags.Bool("force") ? "1" : null), ("noprune", ctx.Flags.Bool("no-prune") ? "1" : null));
        var errors = new List<string>();
        foreach (string name in ctx.Args)
        {
            try
            {
                var deleted = await api.SendJsonAsync(HttpMethod.Delete, $"/images/{ApiClient.Name(name)}{query}", CliJsonContext.Default.ListDeleteItem);
                foreach (var d in deleted)
                    await ctx.Out.WriteLineAsync(d.Deleted is { } id ? $"Deleted: {id}" : $"Untagged: {d.Untagged}");
            }
            catch (DaemonErrorException e) { errors.Add($"Error response from daemon: {e.Message}"); }
        }
        foreach (string e in errors) await ctx.Err.WriteLineAsync(e);
        return errors.Count > 0 ? 1 : 0;
    }

    private static async Task<int> PruneAsync(CommandContext ctx)
    {
        bool all = ctx.Flags.Bool("all");
        string warning = all
            ? "WARNING! This will remove all images without at least one container associated to them."
            : "WARNING! This will remove all dangling images.";
        if (!ctx.Flags.Bool("force") && !Inputs.Confirm(ctx, warning)) return 0;
        var api = await ctx.ClientAsync();
        string filters = Inputs.Filters(ctx.Flags.List("filter"), [("dangling", all ? "false" : "true")])!;
        var report = await api.SendJsonAsync(HttpMethod.Post, "/images/prune" + ApiClient.Query(("filters", filters)), CliJsonContext.Default.PruneReport);
        var sb = new StringBuilder();
        if (report.ImagesDeleted is { Count: > 0 } deleted)
        {
            sb.Append("Deleted Images:\n");
            foreach (var d in deleted) sb.Append(d.Deleted is { } id ? $"deleted: {id}\n" : $"untagged: {d.Untagged}\n");
            sb.Append('\n');
        }
        sb.Append($"Total reclaimed space: {Units.HumanSize(report.SpaceReclaimed, 3)}\n");
        await ctx.Out.WriteAsync(sb.ToString());
        return 0;
    }
}
