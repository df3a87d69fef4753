using System.Text;

namespace Berth.Cli.Commands;

/// <summary>
/// Every command berth knows, by its canonical name ("image ls") and aliases ("images", "image list").
/// Container, network and volume commands join this table as their own groups.
/// </summary>
public static class CommandTable
{
    public static readonly IReadOnlyList<CommandDef> All =
    [
        .. SystemCommands.Definitions,
        .. EventCommands.Definitions,
        .. ImageCommands.Definitions,
        .. TransferCommands.Definitions,
        .. AuthCommands.Definitions,
    ];

    private static readonly Dictionary<string, string> Groups = new(StringComparer.Ordinal)
    {
        ["image"] = "Manage images",
        ["system"] = "Manage Berth",
    };

    public static bool IsGroup(string name) => Groups.ContainsKey(name);

    /// <summary>The command named by the first one or two words, how it was called, and where its arguments start.</summary>
    public static (CommandDef? Command, string InvokedAs, int ArgsAt) Find(IReadOnlyList<string> words)
    {
        if (words.Count >= 2 && IsGroup(words[0]))
        {
            string two = $"{words[0]} {words[1]}";
            var c = All.FirstOrDefault(d => d.Name == two || d.Aliases.Contains(two));
            return (c, c is null ? words[0] : two, c is null ? 1 : 2);
        }
        if (IsGroup(words[0])) return (null, words[0], 1);
        var single = All.FirstOrDefault(d => d.Name == words[0] || d.Aliases.Contains(words[0]));
        return (single, words[0], 1);
    }

    public static string TopLevelHelp()
    {
        var sb = new StringBuilder();
        sb.Append("\nUsage:  berth [OPTIONS] COMMAND\n\nA Docker-compatible client for berthd (or any Docker Engine API daemon)\n\nCommands:\n");
        foreach (var c in All.Where(c => c.TopLevel).OrderBy(ShortName, StringComparer.Ordinal))
            sb.Append($"  {ShortName(c),-11} {c.Description}\n");
        sb.Append("\nManagement Commands:\n");
        foreach (var (g, d) in Groups) sb.Append($"  {g,-11} {d}\n");
        sb.Append("\nGlobal Options:\n");
        int width = BerthCli.GlobalFlags.Max(f => f.Left.Length);
        foreach (var f in BerthCli.GlobalFlags) sb.Append(f.UsageLine(width)).Append('\n');
        sb.Append("\nRun 'berth COMMAND --help' for more information on a command.\n");
        return sb.ToString();
    }

    public static string GroupHelp(string group)
    {
        var sb = new StringBuilder();
        sb.Append($"Usage:  berth {group} COMMAND\n\n{Groups[group]}\n\nCommands:\n");
        foreach (var c in All.Where(c => c.Name.StartsWith(group + " ", StringComparison.Ordinal)).OrderBy(c => c.Name, StringComparer.Ordinal))
            sb.Append($"  {c.Name[(group.Length + 1)..],-11} {c.Description}\n");
        sb.Append($"\nRun 'berth {group} COMMAND --help' for more information on a command.\n");
        return sb.ToString();
    }

    private static string ShortName(CommandDef c) => c.Name.Contains(' ') ? c.Aliases.First(a => !a.Contains(' ')) : c.Name;
}
