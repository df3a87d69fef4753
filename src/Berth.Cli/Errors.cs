namespace Berth.Cli;

/// <summary>A command line mistake: docker prints it with a usage hint and exits 125 (flags) or 1 (arguments).</summary>
public sealed class UsageException(string message, int exitCode = 125) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The daemon answered with an error status; printed as "Error response from daemon: ...".</summary>
public sealed class DaemonErrorException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>Any other failure a command reports as one line on stderr, exit 1 (or the given code).</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
