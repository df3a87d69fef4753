using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Cli;

namespace Berth.RuntimeCli;

/// <summary>"spec": writes a starter config.json into the bundle, refusing to overwrite one.</summary>
internal static class SpecCommand
{
    public static int Run(ParsedArgs a)
    {
        string bundle = a.Get("bundle") ?? ".";
        string path = Path.Combine(bundle, "config.json");
        if (File.Exists(path)) throw new BerthException(ErrorKind.AlreadyExists, "File config.json exists. Remove it first");
        var spec = a.GetBool("rootless")
            ? DefaultSpec.CreateRootless((uint)Berth.Interop.Libc.Geteuid(), (uint)Berth.Interop.Libc.Getegid())
            : DefaultSpec.Create(rootless: false);
        AtomicFile.WriteText(path, OciJson.WriteIndented(spec));
        return 0;
    }
}
