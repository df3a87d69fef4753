namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// A small C program from Native/ (copied next to the tests), compiled with gcc once per test run: for what only a
/// syscall-level wrapper can set up, such as a seccomp filter on the runtime itself.
/// </summary>
public static class NativeHelper
{
    private static readonly Lazy<string> NoClone3Path = new(() => Compile("noclone3"));

    /// <summary>Runs its arguments with clone3 failing with ENOSYS (an old kernel, Docker's default seccomp profile).</summary>
    public static string NoClone3 => NoClone3Path.Value;

    private static string Compile(string name)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Native", name + ".c");
        string output = Path.Combine(Directory.CreateTempSubdirectory("berth-it-native-").FullName, name);
        Runtime.Command("gcc", ["-O2", "-Wall", "-Werror", "-o", output, source]).Ok();
        return output;
    }
}
