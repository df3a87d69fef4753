using System.Diagnostics;

namespace Berth.Runtime;

/// <summary>
/// BERTH_TRACE=1: one stderr line per phase of create/init, stamped with the monotonic clock so that
/// the runtime's and init's lines can be merged. For performance work; costs nothing when off.
/// </summary>
public static class PhaseTrace
{
    public const string EnvVar = "BERTH_TRACE";
    public static readonly bool Enabled =
        Environment.GetEnvironmentVariable(EnvVar) == "1" || Environment.GetEnvironmentVariable("_" + EnvVar) == "1";

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        double ms = Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        Console.Error.WriteLine($"berth-trace {Environment.ProcessId,7} {ms,14:F3} {phase}");
    }
}
