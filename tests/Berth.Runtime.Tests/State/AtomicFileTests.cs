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
    public void ConcurrentWriters_NeverPublishAHalfWrittenFile()
    {
        string path = Path.Combine(_dir, "state.json");
        byte[][] contents = [.. Enumerable.Range(0, 4).Select(i => Enumerable.Repeat((byte)('a' + i), 64 << 10).ToArray())];
        Parallel.For(0, 200, i => AtomicFile.WriteVolatile(path, contents[i % contents.Length]));
        byte[] final = File.ReadAllBytes(path);
        Assert.Contains(contents, c => c.AsSpan().SequenceEqual(final));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Mode_IsApplied()
    {
        string path = Path.Combine(_dir, "key");
        AtomicFile.Write(path, "{}"u8, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("{}", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
