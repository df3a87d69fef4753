using System.Text;
using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Cli;
using Berth.Runtime.Operations;

namespace Berth.RuntimeCli;

/// <summary>"list": runc's table, JSON array or bare ids.</summary>
internal static class ListCommand
{
    public static int Run(ContainerRuntime rt, ParsedArgs a)
    {
        var states = rt.List().ToList();
        if (a.GetBool("quiet"))
        {
            Commands.Write(string.Concat(states.Select(s => s.Id + "\n")));
            return 0;
        }
        switch (a.Get("format") ?? "table")
        {
            case "json":
                Commands.Write(OciJson.Write(states) + "\n");
                return 0;
            case "table":
                var rows = new List<string[]> { new[] { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" } };
                rows.AddRange(states.Select(s => new[]
                {
                    s.Id, Commands.Int(s.Pid), s.Status, s.Bundle,
                    s.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture),
                    s.Owner,
                }));
                Commands.Write(Table(rows));
                return 0;
            default:
                throw new BerthException(ErrorKind.InvalidArgument, "invalid format option");
        }
    }

    /// <summary>Columns padded to the widest cell plus a space, like Go's tabwriter as runc configures it.</summary>
    public static string Table(List<string[]> rows)
    {
        int cols = rows[0].Length;
        var widths = Enumerable.Range(0, cols).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            for (int c = 0; c < cols; c++)
                sb.Append(c == cols - 1 ? r[c] : r[c].PadRight(widths[c] + 4));
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
