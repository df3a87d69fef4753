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
            r = OciJson.Read(ms.ToArray(), OciJsonContext.Default.LinuxResources, source == "-" ? "resources" : source);
        }
        else r = FromFlags(a);
        rt.Update(a.Positionals[0], r);
        return 0;
    }

    private static LinuxResources FromFlags(ParsedArgs a)
    {
        var r = new LinuxResources();
        long? L(string f) => a.Has(f) ? a.GetInt64(f, 0) : null;
        ulong? U(string f) => a.Has(f) ? (ulong)a.GetInt64(f, 0) : null;
        if (a.Has("memory") || a.Has("memory-swap") || a.Has("memory-reservation"))
            r.Memory = new LinuxMemory { Limit = L("memory"), Swap = L("memory-swap"), Reservation = L("memory-reservation") };
        if (a.Has("cpu-share") || a.Has("cpu-quota") || a.Has("cpu-period") || a.Has("cpuset-cpus") || a.Has("cpuset-mems") || a.Has("cpu-burst"))
            r.Cpu = new LinuxCpu
            {
                Shares = U("cpu-share"), Quota = L("cpu-quota"), Period = U("cpu-period"), Burst = U("cpu-burst"),
                Cpus = a.Get("cpuset-cpus"), Mems = a.Get("cpuset-mems"),
            };
        if (a.Has("pids-limit")) r.Pids = new LinuxPids { Limit = L("pids-limit") };
        if (a.Has("blkio-weight")) r.BlockIO = new LinuxBlockIO { Weight = (ushort)a.GetInt("blkio-weight", 0) };
        if (r.Memory is null && r.Cpu is null && r.Pids is null && r.BlockIO is null)
            throw new BerthException(ErrorKind.InvalidArgument, "update: no resources given (use --resources or a limit flag)");
        return r;
    }
}
