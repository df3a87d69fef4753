using Berth.Core;
using Berth.Interop;
using Berth.Runtime;
using Berth.Runtime.Cli;

namespace Berth.RuntimeCli;

internal static class Program
{
    public static int Main(string[] argv)
    {
        // Leave without .NET's shutdown (about 0.5 ms of a 15 ms run here): everything is written by now, output
        // through flushed streams (Commands.Write, Console's auto-flushing writers) and log lines appended whole.
        int code = Run(argv);
        Libc.Exit(code);
        return code;
    }

    private static int Run(string[] argv)
    {
        // Re-executed by create/exec: the C stage has already put us inside the namespaces.
        if (argv is ["init"]) return RuntimeEntry.Init();
        PhaseTrace.Mark("main");

        ParsedArgs args;
        try { args = RuntimeArgs.Parse(argv); }
        catch (BerthException e)
        {
            Console.Error.WriteLine($"berth-runtime: {e.Message}");
            return 1;
        }
        RuntimeLog.Configure(args.Globals.Log, args.Globals.LogFormat == LogFormat.Json);
        RuntimeLog.Debug = args.Globals.Debug;
        try
        {
            return Commands.Dispatch(args);
        }
        catch (Exception e) when (e is BerthException or ErrnoException or IOException or UnauthorizedAccessException)
        {
            Fail(e.Message);
            return 1;
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            Fail($"invalid argument: {e.Message}");
            return 1;
        }
    }

    /// <summary>One line in the log (JSON for containerd and podman) and, when the log is a file, on stderr too.</summary>
    public static void Fail(string message)
    {
        RuntimeLog.Error(message);
        if (!RuntimeLog.ToStderr) Console.Error.WriteLine($"berth-runtime: {message}");
    }
}
