using System.Globalization;
using Berth.Interop;

namespace Berth.Runtime.Launch;

/// <summary>
/// A new container's network namespace, made by a thread of the runtime while init loads and the cgroup is made,
/// so that the C stage joins it instead of creating it: a network namespace is most of what unsharing costs (about
/// 0.5 ms of loopback, sysctl and netfilter set-up), and it comes off the path to the container's start.
/// Only without a user namespace, which must own the network namespace and exists only once stage 1 made it.
/// unshare(CLONE_NEWNET) is per thread: the thread ends after opening the namespace, and our fd is what keeps it
/// until the C stage has joined it.
/// </summary>
internal sealed class EarlyNetns : IDisposable
{
    private readonly Thread _thread;
    private int _fd = -1;

    private EarlyNetns()
    {
        _thread = new Thread(Make, maxStackSize: 256 << 10) { IsBackground = true, Name = "netns" };
        _thread.Start();
    }

    /// <summary>Starts making one if the bootstrap creates a network namespace and no user namespace.</summary>
    public static EarlyNetns? For(uint cloneFlags) =>
        (cloneFlags & Bootstrap.CLONE_NEWNET) != 0 && (cloneFlags & Bootstrap.CLONE_NEWUSER) == 0 && Libc.Geteuid() == 0
            ? new EarlyNetns() : null;

    private void Make()
    {
        // A failure leaves the C stage to create it, and to report why that fails too.
        if (Libc.Unshare((int)Bootstrap.CLONE_NEWNET) == 0)
            _fd = Libc.Open("/proc/thread-self/ns/net", Libc.O_RDONLY | Libc.O_CLOEXEC);
    }

    /// <summary>Joins the namespace in place of creating it, when it was made.</summary>
    public void ApplyTo(Bootstrap bootstrap)
    {
        _thread.Join();
        if (_fd < 0) return;
        bootstrap.CloneFlags &= ~Bootstrap.CLONE_NEWNET;
        bootstrap.Join.Add((Bootstrap.CLONE_NEWNET, string.Create(CultureInfo.InvariantCulture, $"/proc/{Environment.ProcessId}/fd/{_fd}")));
    }

    public void Dispose()
    {
        _thread.Join();
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }
}
