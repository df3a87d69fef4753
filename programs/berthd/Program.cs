using Berth.Api;
using Berth.Core;

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
        var images = new Berth.Engine.Images.ImageService(options.Root, events, registry);
        var daemon = new DaemonInfo
        {
            Id = EngineId.LoadOrCreate(options.Root),
            Root = options.Root,
            RuntimePath = Path.Combine(AppContext.BaseDirectory, "berth-runtime"),
            ImageCount = () => images.Count,
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
}
