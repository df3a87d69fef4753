using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>A fact that needs libseccomp.so.2; skipped where it is not installed.</summary>
public sealed class LibseccompFactAttribute : FactAttribute
{
    public LibseccompFactAttribute()
    {
        if (!SeccompFilter.IsAvailable) Skip = "needs libseccomp.so.2";
    }
}

/// <summary>A fact that compiles C against seccomp.h and links -lseccomp (libseccomp-dev and a C compiler).</summary>
public sealed class SeccompHeaderFactAttribute : FactAttribute
{
    public SeccompHeaderFactAttribute()
    {
        if (!SeccompFilter.IsAvailable) Skip = "needs libseccomp.so.2";
        else if (CCompiler.Path is null) Skip = "needs a C compiler (cc, gcc or clang)";
        else if (!File.Exists("/usr/include/seccomp.h")) Skip = "needs /usr/include/seccomp.h (libseccomp-dev)";
    }
}

internal static class CCompiler
{
    public static string? Path { get; } = new[] { "/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang" }.FirstOrDefault(File.Exists);

    /// <summary>Compiles and runs a C program; returns its stdout as bytes.</summary>
    public static byte[] Run(string source, params string[] extraArgs)
    {
        string dir = Directory.CreateTempSubdirectory("berth-seccomp-c-").FullName;
        try
        {
            string c = System.IO.Path.Combine(dir, "probe.c"), exe = System.IO.Path.Combine(dir, "probe");
            File.WriteAllText(c, source);
            Exec(Path!, [c, "-o", exe, .. extraArgs, "-lseccomp"]);
            return Exec(exe, []);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static byte[] Exec(string file, string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        string stderr = p.StandardError.ReadToEnd();
        copy.Wait();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} exited {p.ExitCode}: {stderr}");
        return stdout.ToArray();
    }
}
