using Berth.Core;

namespace Berth.Runtime.Tests.State;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Replaces_AndLeavesNoTempFile()
    {
        string path = Path.Combine(_dir, "state.json");
        AtomicFile.WriteVolatile(path, "first, and longer than the second"u8);
        AtomicFile.WriteVolatile(path, "second"u8);
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal(["state.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void LeftoverTempOfADeadWriter_IsReplaced()
    {
        string path = Path.Combine(_dir, "state.json");
        // What a writer with our pid that died mid-write would have left.
        File.WriteAllText(Path.Combine(_dir, $".state.json.{Environment.ProcessId}.tmp"), "half a stat");
        AtomicFile.Write(path, "{}"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("{}", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
