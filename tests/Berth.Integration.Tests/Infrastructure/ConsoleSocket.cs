using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>
/// The receiving end of <c>create --console-socket</c>, as conmon and go-runc's receiver are: a unix
/// socket that gets one message carrying the pty master as an SCM_RIGHTS fd.
/// </summary>
public sealed class ConsoleSocket : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public string Path { get; }

    public ConsoleSocket(string path)
    {
        Path = path;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    /// <summary>Accepts the runtime's connection and returns the pty master it sent.</summary>
    public FileStream ReceiveMaster(TimeSpan timeout)
    {
        using var accepted = _listener.AcceptAsync().WaitAsync(timeout).GetAwaiter().GetResult();
        var (_, fd) = FdPassing.Receive(accepted, new byte[256]);
        if (fd < 0) throw new IOException("the console socket got a message without an fd");
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, 1);
    }

    /// <summary>Reads the pty until <paramref name="marker"/> appears; returns everything read.</summary>
    public static string ReadUntil(FileStream master, string marker, TimeSpan timeout)
    {
        var text = new StringBuilder();
        var clock = Stopwatch.StartNew();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(marker, StringComparison.Ordinal))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"the pty never showed \"{marker}\"; it showed:\n{text}");
            int n;
            try { n = master.Read(buffer); }
            catch (IOException) { break; } // EIO: the slave side is closed, the process is gone
            if (n == 0) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();
}
