using System.Text;

namespace Berth.Cli.Output;

/// <summary>
/// Go's text/tabwriter as docker configures it (min width 10, padding 3, spaces, left-aligned): tab-terminated
/// cells are aligned per column over each run of consecutive lines that have that column; the text after a
/// line's last tab is written as it is.
/// </summary>
public static class TabWriter
{
    public static string Format(string text, int minWidth = 10, int padding = 3)
    {
        var lines = text.Split('\n').ToList();
        bool trailingNewline = lines.Count > 0 && lines[^1].Length == 0;
        if (trailingNewline) lines.RemoveAt(lines.Count - 1);
        var cells = lines.Select(l => l.Split('\t')).ToList();
        var sb = new StringBuilder();
        var widths = new List<int>();
        FormatBlock(cells, 0, cells.Count, widths, minWidth, padding, sb);
        return sb.ToString();
    }

    private static void FormatBlock(List<string[]> lines, int line0, int line1, List<int> widths, int minWidth, int padding, StringBuilder sb)
    {
        int column = widths.Count;
        for (int i = line0; i < line1; i++)
        {
            if (column >= lines[i].Length - 1) continue;
            // lines[i] starts a block of lines with a cell in this column
            Write(lines, line0, i, widths, sb);
            line0 = i;
            int width = minWidth;
            for (; i < line1 && column < lines[i].Length - 1; i++)
                width = Math.Max(width, Width(lines[i][column]) + padding);
            widths.Add(width);
            FormatBlock(lines, line0, i, widths, minWidth, padding, sb);
            widths.RemoveAt(widths.Count - 1);
            line0 = i;
            i--;
        }
        Write(lines, line0, line1, widths, sb);
    }

    private static void Write(List<string[]> lines, int from, int to, List<int> widths, StringBuilder sb)
    {
        for (int i = from; i < to; i++)
        {
            string[] line = lines[i];
            for (int j = 0; j < line.Length; j++)
            {
                sb.Append(line[j]);
                if (j < widths.Count && j < line.Length - 1) sb.Append(' ', Math.Max(0, widths[j] - Width(line[j])));
            }
            sb.Append('\n');
        }
    }

    private static int Width(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }
}
