using Berth.Core;

namespace Berth.Daemon;

/// <summary>berthd's flags: every root is a flag so that daemons and tests run side by side.</summary>
internal sealed class DaemonOptions
{
    public string Host { get; private set; } = "unix:///run/berth/berth.sock";
    public string Root { get; private set; } = "/var/lib/berth";
    public string ExecRoot { get; private set; } = "/run/berth";
    public bool Help { get; private set; }
    public List<string> InsecureRegistries { get; } = [];
    public Berth.Snapshots.StorageDriver StorageDriver { get; private set; } = Berth.Snapshots.StorageDriver.Auto;

    public string SocketPath => Host.StartsWith("unix://", StringComparison.Ordinal) ? Host[7..]
        : Host.StartsWith('/') ? Host
        : throw new BerthException(ErrorKind.InvalidArgument, $"unsupported host \"{Host}\": only unix:// sockets");

    public const string Usage = """
        Usage: berthd [OPTIONS]

        A Docker Engine API daemon for Berth.

          -H, --host string        Daemon socket (default "unix:///run/berth/berth.sock")
              --root string        Root directory of persistent state (default "/var/lib/berth")
              --exec-root string   Root directory of execution state (default "/run/berth")
              --insecure-registry  A registry reached over plain HTTP (localhost always is); repeatable
          -s, --storage-driver string  Container root filesystems: overlay, copy or auto (default "auto": overlay
                                       where a trial mount works, else copy)
          -h, --help               Print usage

        """;

    public static DaemonOptions Parse(string[] argv)
    {
        var o = new DaemonOptions();
        for (int i = 0; i < argv.Length; i++)
        {
            string arg = argv[i];
            string? inline = null;
            int eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0) (arg, inline) = (arg[..eq], arg[(eq + 1)..]);
            string Value() => inline ?? (++i < argv.Length ? argv[i] : throw new BerthException(ErrorKind.InvalidArgument, $"flag needs an argument: {arg}"));
            switch (arg)
            {
                case "-H" or "--host": o.Host = Value(); break;
                case "--root" or "--data-root": o.Root = Path.GetFullPath(Value()); break;
                case "--exec-root": o.ExecRoot = Path.GetFullPath(Value()); break;
                case "--insecure-registry": o.InsecureRegistries.Add(Value()); break;
                case "-s" or "--storage-driver": o.StorageDriver = Berth.Snapshots.StorageDrivers.Parse(Value()); break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new BerthException(ErrorKind.InvalidArgument, $"unknown flag: {arg}");
            }
        }
        _ = o.SocketPath;
        return o;
    }
}
