using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Cli;
using Berth.Runtime.Operations;

namespace Berth.RuntimeCli;

/// <summary>"update": new limits for a running container, from --resources (file or - for stdin) or legacy flags.</summary>
internal static class UpdateCommand
{
    public static int Run(ContainerRuntime rt, ParsedArgs a)
    {
        LinuxResources r;
        string? source = a.Get("resources");
        if (source is not null)
        {
            using Stream s = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            r = OciJson.ReadResources(ms.ToArray(), source == "-" ? "resources" : source);
        }
        else r = FromFlags(a);
        rt.Update(a.Positionals[0], r);
        return 0;
    }

    private static LinuxResources FromFlags(ParsedArgs a)
    {
        var r = new LinuxResources();
        long? L(string f) => a.Get(f) is { } v ? Integer(f, v) : null;
        ulong? U(string f) => a.Get(f) is { } v ? (ulong)Math.Max(0, Integer(f, v)) : null;
        long? Bytes(string f) => a.Get(f) is { } v ? RamInBytes(f, v) : null;
        if (a.Has("memory") || a.Has("memory-swap") || a.Has("memory-reservation"))
            r.Memory = new LinuxMemory { Limit = Bytes("memory"), Swap = Bytes("memory-swap"), Reservation = Bytes("memory-reservation") };
        if (a.Has("cpu-share") || a.Has("cpu-quota") || a.Has("cpu-period") || a.Has("cpuset-cpus") || a.Has("cpuset-mems") || a.Has("cpu-burst"))
            r.Cpu = new LinuxCpu
            {
                Shares = U("cpu-share"), Quota = L("cpu-quota"), Period = U("cpu-period"), Burst = U("cpu-burst"),
                Cpus = a.Get("cpuset-cpus"), Mems = a.Get("cpuset-mems"),
            };
        if (a.Has("pids-limit")) r.Pids = new LinuxPids { Limit = L("pids-limit") };
        if (a.Get("blkio-weight") is { } w) r.BlockIO = new LinuxBlockIO { Weight = (ushort)Math.Clamp(Integer("blkio-weight", w), 0, ushort.MaxValue) };
        if (r.Memory is null && r.Cpu is null && r.Pids is null && r.BlockIO is null)
            throw new BerthException(ErrorKind.InvalidArgument, "update: no resources given (use --resources or a limit flag)");
        return r;
    }

    private static long Integer(string flag, string value) =>
        long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long n) ? n
            : throw new BerthException(ErrorKind.InvalidArgument, $"invalid value \"{value}\" for flag --{flag}: not an integer");

    /// <summary>As runc's (go-units) RAMInBytes: "64m", "1.5g", "512KiB", "1024"; binary units; -1 means unlimited.</summary>
    public static long RamInBytes(string flag, string value)
    {
        if (value == "-1") return -1;
        var m = System.Text.RegularExpressions.Regex.Match(value, @"^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$");
        if (!m.Success || !double.TryParse(m.Groups[1].Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double n))
            throw new BerthException(ErrorKind.InvalidArgument, $"invalid value \"{value}\" for flag --{flag}: invalid size");
        int power = m.Groups[2].Success ? "kmgtp".IndexOf(char.ToLowerInvariant(m.Groups[2].Value[0])) + 1 : 0;
        return (long)(n * Math.Pow(1024, power));
    }
}
