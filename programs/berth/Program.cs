namespace Berth.CliProgram;

internal static class Program
{
    public static Task<int> Main(string[] argv) => Berth.Cli.BerthCli.RunAsync(argv, Berth.Cli.CliIO.FromProcess());
}
