namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// One busybox bundle made by scripts/busybox-bundle.sh per test run; every test copies it
/// (cp -a keeps the applet symlinks and modes) and edits its own config.json.
/// </summary>
internal static class BundleTemplate
{
    private static readonly Lazy<string> s_dir = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static void CopyTo(string bundle)
    {
        Directory.CreateDirectory(bundle);
        Runtime.Command("/bin/cp", ["-a", s_dir.Value + "/.", bundle]).Ok();
    }

    private static string Build()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"berth-it-template-{Environment.ProcessId}");
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        string script = Path.Combine(RepoRoot, "scripts", "busybox-bundle.sh");
        Runtime.Command(script, [dir], timeout: TimeSpan.FromMinutes(3)).Ok();
        return dir;
    }

    private static string FindRepoRoot()
    {
        if (Environment.GetEnvironmentVariable("BERTH_REPO") is { Length: > 0 } repo) return repo;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "busybox-bundle.sh"))) return d.FullName;
        return "/work/main";
    }
}
