using Berth.Runtime.Init;

namespace Berth.Runtime.Tests.Lifecycle;

public sealed class ProcessEnvTests
{
    [Fact]
    public void Later_entries_override_in_place() =>
        Assert.Equal(["PATH=/x", "A=2", "B=1"], ProcessEnv.Dedupe(["PATH=/bin", "A=1", "B=1", "A=2", "PATH=/x"]));

    [Fact]
    public void Home_comes_from_passwd_when_unset()
    {
        string passwd = Path.GetTempFileName();
        File.WriteAllText(passwd, "root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n");
        try
        {
            Assert.Contains("HOME=/home/bob", ProcessEnv.WithHome(["A=1"], 1000, passwd));
            Assert.Contains("HOME=/", ProcessEnv.WithHome(["A=1"], 4242, passwd));
            Assert.Equal(["HOME=/mine"], ProcessEnv.WithHome(["HOME=/mine"], 0, passwd));
        }
        finally { File.Delete(passwd); }
    }
}
