using System.Text;
using Berth.Core;

namespace Berth.Runtime.Cli;

public static partial class RuntimeArgs
{
    /// <summary>Help text generated from <see cref="RuntimeCommands"/>: the overview, or one command's.</summary>
    public static string Usage(string? command = null)
    {
        if (command is not null && command is not ("help" or "h"))
            return CommandUsage(RuntimeCommands.Find(command) ?? throw NoHelpTopic(command));

        var sb = new StringBuilder();
        sb.Append("NAME:\n   ").Append(ProgramName).Append(" - Open Container Initiative runtime (runc-compatible)\n\n");
        sb.Append("USAGE:\n   ").Append(ProgramName).Append(" [global options] command [command options] [arguments...]\n\n");
        sb.Append("COMMANDS:\n");
        var rows = new List<(string, string)>();
        foreach (CommandSpec c in RuntimeCommands.All) rows.Add((c.Name, c.Description));
        rows.Add(("help, h", "show the commands, or help for one command"));
        AppendRows(sb, rows);
        sb.Append("\nGLOBAL OPTIONS:\n");
        AppendFlags(sb, [.. RuntimeCommands.GlobalFlags, RuntimeCommands.HelpFlag, RuntimeCommands.VersionFlag]);
        return sb.ToString();
    }

    private static string CommandUsage(CommandSpec c)
    {
        var sb = new StringBuilder();
        sb.Append("NAME:\n   ").Append(ProgramName).Append(' ').Append(c.Name).Append(" - ").Append(c.Description).Append("\n\n");
        sb.Append("USAGE:\n   ").Append(ProgramName).Append(' ').Append(c.Name).Append(" [command options]");
        if (c.ArgsUsage.Length > 0) sb.Append(' ').Append(c.ArgsUsage);
        sb.Append("\n\nOPTIONS:\n");
        AppendFlags(sb, [.. c.Flags, RuntimeCommands.HelpFlag]);
        return sb.ToString();
    }

    private static void AppendFlags(StringBuilder sb, IEnumerable<FlagSpec> flags)
    {
        var rows = new List<(string, string)>();
        foreach (FlagSpec f in flags)
        {
            if (f.Hidden) continue;
            string value = f.TakesValue ? " value" : "";
            string names = f.Short is null ? $"--{f.Name}{value}" : $"--{f.Name}{value}, -{f.Short}{value}";
            string help = f.IsList ? $"{f.Help} [may be repeated]" : f.Help;
            rows.Add((names, help));
        }
        AppendRows(sb, rows);
    }

    private static void AppendRows(StringBuilder sb, List<(string Left, string Right)> rows)
    {
        int width = 0;
        foreach ((string left, _) in rows) width = Math.Max(width, left.Length);
        foreach ((string left, string right) in rows)
            sb.Append("   ").Append(left.PadRight(width)).Append("  ").Append(right).Append('\n');
    }
}
