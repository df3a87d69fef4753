using Berth.Api;
using Berth.Core;
using Berth.Snapshots;

namespace Berth.Daemon;

internal static class Program
{
    public static int Main(string[] argv)
    {
        DaemonOptions options;
        try { options = DaemonOptions.Parse(argv); }
        catch (BerthException e)
        {
            Console.Error.WriteLine($"berthd: {e.Message}");
            return 2;
        }
        if (options.Help)
        {
            Console.Out.Write(DaemonOptions.Usage);
            return 0;
        }
        Directory.CreateDirectory(options.Root);
        Directory.CreateDirectory(options.ExecRoot);
        string socket = options.SocketPath;
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        if (File.Exists(socket)) File.Delete(socket); // a stale socket from a daemon that died

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socket));
        var app = builder.Build();
        var events = new Berth.Engine.Events.EventLog();
        var registryOptions = new Berth.Distribution.RegistryClientOptions { Credentials = new RequestCredentials() };
        foreach (string r in options.InsecureRegistries) registryOptions.InsecureRegistries.Add(r);
        var registry = new Berth.Distribution.RegistryClient(registryOptions);
        var storage = new SnapshotterOptions { Driver = options.StorageDriver, Log = m => Console.Error.WriteLine($"berthd: {m}") };
        var images = new Berth.Engine.Images.ImageService(options.Root, events, registry, storage);
        try { _ = images.Snapshots.Driver; } // decided now (a trial mount), so a forced overlay that cannot work stops the start
        catch (BerthException e)
        {
            Console.Error.WriteLine($"berthd: {e.Message}");
            return 1;
        }
        var daemon = new DaemonInfo
        {
            Id = EngineId.LoadOrCreate(options.Root),
            Root = options.Root,
            RuntimePath = Path.Combine(AppContext.BaseDirectory, "berth-runtime"),
            ImageCount = () => images.Count,
            StorageDriver = () => images.Snapshots.Driver.Name(),
            StorageDriverStatus = () => StorageStatus(images.Snapshots, options.Root),
        };
        app.UseDockerApi();
        app.MapSystem(daemon);
        app.MapImages(images);
        app.MapEvents(events);
        app.MapAuth(registry);
        app.MapDockerFallback();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            Console.Error.WriteLine($"berthd: API listening on unix://{socket}");
        });
        app.Run();
        return 0;
    }

    private static List<string[]> StorageStatus(Snapshotter snapshots, string root)
    {
        var status = new List<string[]> { new[] { "Root Dir", Path.Combine(root, "snapshots") } };
        if (snapshots.FallbackReason is { } why) status.Add(["Overlay Unavailable", why]);
        return status;
    }
}
