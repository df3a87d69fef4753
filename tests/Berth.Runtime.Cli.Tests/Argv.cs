namespace Berth.Runtime.Cli.Tests;

internal static class Argv
{
    /// <summary>Splits on single spaces; tests with spaces inside an argument build the array by hand.</summary>
    public static string[] Of(string line) => line.Length == 0 ? [] : line.Split(' ');

    public static ParsedArgs Parse(string line) => RuntimeArgs.Parse(Of(line));

    public static string Error(string line) => Assert.Throws<Berth.Core.BerthException>(() => Parse(line)).Message;
}
