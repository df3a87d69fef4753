using System.Net.Http.Headers;
using Berth.Cli.Api;
using Berth.Cli.Output;
using Berth.Images;

namespace Berth.Cli.Commands;

/// <summary>pull, push, save, load, import: the commands that move images and stream progress.</summary>
internal static class TransferCommands
{
    public static IEnumerable<CommandDef> Definitions =>
    [
        new("image pull", ["pull"], "NAME[:TAG|@DIGEST]", "Download an image from a registry", 1, 1,
            [FlagDef.Bool("all-tags", 'a', "Download all tagged images in the repository"),
             FlagDef.Str("platform", null, "Set platform if server is multi-platform capable"),
             FlagDef.Bool("quiet", 'q', "Suppress verbose output")], PullAsync),
        new("image push", ["push"], "NAME[:TAG]", "Upload an image to a registry", 1, 1,
            [FlagDef.Bool("all-tags", 'a', "Push all tags of an image to the repository"),
             FlagDef.Bool("quiet", 'q', "Suppress verbose output")], PushAsync),
        new("image save", ["save"], "IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by default)", 1, CommandDef.Many,
            [FlagDef.Str("output", 'o', "Write to a file, instead of STDOUT")], SaveAsync),
        new("image load", ["load"], "", "Load an image from a tar archive or STDIN", 0, 0,
            [FlagDef.Str("input", 'i', "Read from tar archive file, instead of STDIN"),
             FlagDef.Bool("quiet", 'q', "Suppress the load output")], LoadAsync),
        new("image import", ["import"], "file|URL|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image", 1, 2,
            [FlagDef.List("change", 'c', "Apply Dockerfile instruction to the created image"),
             FlagDef.Str("message", 'm', "Set commit message for imported image"),
             FlagDef.Str("platform", null, "Set platform if server is multi-platform capable")], ImportAsync),
    ];

    private static async Task<int> PullAsync(CommandContext ctx)
    {
        bool allTags = ctx.Flags.Bool("all-tags");
        var reference = Inputs.Reference(ctx.Args[0]);
        if (allTags && !reference.IsNameOnly) throw new CliException("tag can't be used with --all-tags/-a");
        if (!allTags && reference.IsNameOnly) reference = reference.WithTag(ImageReference.DefaultTag);
        var api = await ctx.ClientAsync();
        string? tag = reference.Digest?.ToString() ?? reference.Tag;
        string query = ApiClient.Query(("fromImage", reference.Name), ("tag", allTags ? null : tag), ("platform", ctx.Flags.String("platform")));
        using (var r = await api.SendAsync(HttpMethod.Post, "/images/create" + query, headers: Inputs.AuthHeader(ctx, reference)))
        {
            var output = ctx.Flags.Bool("quiet") ? TextWriter.Null : ctx.Out;
            await new ProgressDisplay(output, ctx.IO.OutIsTerminal, ctx.IO.TerminalWidth).RunAsync(await r.Content.ReadAsStreamAsync());
        }
        // docker prints the full reference it pulled, even with -q
        await ctx.Out.WriteLineAsync(allTags ? reference.Name : reference.Canonical);
        return 0;
    }

    private static async Task<int> PushAsync(CommandContext ctx)
    {
        var reference = Inputs.Reference(ctx.Args[0]);
        bool allTags = ctx.Flags.Bool("all-tags");
        if (allTags && !reference.IsNameOnly) throw new CliException("tag can't be used with --all-tags/-a");
        if (!allTags && reference.IsNameOnly)
        {
            await ctx.Out.WriteLineAsync("Using default tag: latest");
            reference = reference.WithTag(ImageReference.DefaultTag);
        }
        if (reference.Digest is not null) throw new CliException("cannot push a digest reference");
        var api = await ctx.ClientAsync();
        string query = ApiClient.Query(("tag", allTags ? null : reference.Tag));
        using var r = await api.SendAsync(HttpMethod.Post, $"/images/{ApiClient.Name(reference.Name)}/push{query}", headers: Inputs.AuthHeader(ctx, reference));
        var output = ctx.Flags.Bool("quiet") ? TextWriter.Null : ctx.Out;
        await new ProgressDisplay(output, ctx.IO.OutIsTerminal, ctx.IO.TerminalWidth).RunAsync(await r.Content.ReadAsStreamAsync());
        if (ctx.Flags.Bool("quiet")) await ctx.Out.WriteLineAsync(reference.Canonical);
        return 0;
    }

    private static async Task<int> SaveAsync(CommandContext ctx)
    {
        string? output = ctx.Flags.String("output");
        if (string.IsNullOrEmpty(output) && ctx.IO.OutIsTerminal)
            throw new CliException("Cowardly refusing to save to a terminal. Use the -o flag or redirect");
        var api = await ctx.ClientAsync();
        string names = string.Join('&', ctx.Args.Select(n => "names=" + Uri.EscapeDataString(n)));
        using var r = await api.SendAsync(HttpMethod.Get, "/images/get?" + names);
        await using var body = await r.Content.ReadAsStreamAsync();
        if (!string.IsNullOrEmpty(output))
        {
            // written next to the target, then renamed: a failed save leaves no partial archive behind
            string full = Path.GetFullPath(output);
            string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
            try
            {
                await using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                    await body.CopyToAsync(f);
                File.Move(tmp, full, overwrite: true);
            }
            catch
            {
                File.Delete(tmp);
                throw;
            }
        }
        else
        {
            await ctx.Out.FlushAsync();
            await using var raw = ctx.IO.RawOut?.Invoke() ?? throw new CliException("no standard output to write the archive to");
            await body.CopyToAsync(raw);
        }
        return 0;
    }

    private static async Task<int> LoadAsync(CommandContext ctx)
    {
        string? input = ctx.Flags.String("input");
        Stream source = string.IsNullOrEmpty(input) ? ctx.IO.In : File.OpenRead(input);
        await using var _ = source;
        var api = await ctx.ClientAsync();
        var content = new StreamContent(source);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        bool quiet = ctx.Flags.Bool("quiet");
        using var r = await api.SendAsync(HttpMethod.Post, "/images/load" + ApiClient.Query(("quiet", quiet ? "1" : "0")), content);
        await new ProgressDisplay(ctx.Out, ctx.IO.OutIsTerminal && !quiet, ctx.IO.TerminalWidth).RunAsync(await r.Content.ReadAsStreamAsync());
        return 0;
    }

    private static async Task<int> ImportAsync(CommandContext ctx)
    {
        string source = ctx.Args[0];
        ImageReference? target = null;
        if (ctx.Args.Count == 2)
        {
            target = Inputs.Reference(ctx.Args[1]);
            if (target.Digest is not null) throw new CliException("refusing to create a tag with a digest reference");
        }
        bool url = source.StartsWith("http://", StringComparison.Ordinal) || source.StartsWith("https://", StringComparison.Ordinal);
        Stream? body = url ? null : source == "-" ? ctx.IO.In : File.OpenRead(source);
        await using var _ = body;
        var api = await ctx.ClientAsync();
        var query = new List<(string, string?)> { ("fromSrc", url ? source : "-") };
        if (target is not null) { query.Add(("repo", target.Name)); query.Add(("tag", target.Tag)); }
        query.Add(("message", ctx.Flags.String("message")));
        query.Add(("platform", ctx.Flags.String("platform")));
        query.AddRange(ctx.Flags.List("change").Select(c => ("changes", (string?)c)));
        HttpContent? content = body is null ? null : new StreamContent(body);
        if (content is not null) content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var r = await api.SendAsync(HttpMethod.Post, "/images/create" + ApiClient.Query([.. query]), content);
        await new ProgressDisplay(ctx.Out, ctx.IO.OutIsTerminal, ctx.IO.TerminalWidth).RunAsync(await r.Content.ReadAsStreamAsync());
        return 0;
    }
}
