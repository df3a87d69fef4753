using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Berth.Integration.Tests.Infrastructure;

/// <summary>What the agent tells the kernel to do with one notified syscall.</summary>
public readonly record struct SeccompAnswer(long Value, int Errno, bool Continue)
{
    /// <summary>Let the syscall run as if it had not been notified.</summary>
    public static readonly SeccompAnswer Proceed = new(0, 0, true);

    public static SeccompAnswer Fail(int errno) => new(0, errno, false);

    public static SeccompAnswer Return(long value) => new(value, 0, false);
}

/// <summary>
/// A seccomp agent as runtime-spec describes one: listens on a unix socket (listenerPath), receives the container
/// process state with the listener fd (SCM_RIGHTS), then answers notified syscalls with the seccomp notify ioctls.
/// Every connection (create, each exec) is served on its own thread until its filter's processes are gone.
/// </summary>
public sealed unsafe class SeccompAgent : IDisposable
{
    // include/uapi/linux/seccomp.h: _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
    private const uint NotifRecv = 0xC0502100, NotifSend = 0xC0182101;
    private const uint FlagContinue = 1;
    private const short PollIn = 1, PollHup = 0x10;

    private readonly Socket _socket;
    private readonly Func<int, SeccompAnswer> _answer;
    private readonly List<Thread> _threads = [];
    private volatile bool _stopping;

    public SeccompAgent(string path, Func<int, SeccompAnswer> answer)
    {
        Path = path;
        _answer = answer;
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _socket.Listen(8);
        var accept = new Thread(AcceptLoop) { IsBackground = true, Name = "seccomp agent" };
        accept.Start();
    }

    public string Path { get; }

    /// <summary>Every state document received, in order.</summary>
    public List<JsonElement> States { get; } = [];

    /// <summary>The syscall numbers notified so far.</summary>
    public List<int> Notified { get; } = [];

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket conn;
            try { conn = _socket.Accept(); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
            var (state, fd) = ReceiveStateAndFd(conn);
            conn.Dispose();
            lock (States) States.Add(state);
            if (fd < 0) continue;
            var serve = new Thread(() => Serve(fd)) { IsBackground = true, Name = "seccomp agent fd" };
            lock (_threads) _threads.Add(serve);
            serve.Start();
        }
    }

    private static (JsonElement State, int Fd) ReceiveStateAndFd(Socket conn)
    {
        byte[] data = new byte[64 << 10];
        var (received, fd) = FdPassing.Receive(conn, data);
        // The rest of the document, if the runtime's message was split.
        var all = new MemoryStream();
        all.Write(data, 0, received);
        conn.ReceiveTimeout = 2000;
        try
        {
            int n;
            while ((n = conn.Receive(data)) > 0) all.Write(data, 0, n);
        }
        catch (SocketException) { /* the runtime closed or went quiet */ }
        return (JsonDocument.Parse(Encoding.UTF8.GetString(all.ToArray())).RootElement.Clone(), fd);
    }

    private void Serve(int fd)
    {
        try
        {
            var pfd = new PollFd { Fd = fd, Events = PollIn };
            while (!_stopping)
            {
                pfd.Revents = 0;
                if (poll(&pfd, 1, 100) <= 0) continue;
                if ((pfd.Revents & PollIn) != 0) AnswerOne(fd);
                else if ((pfd.Revents & PollHup) != 0) return; // every process under the filter is gone
            }
        }
        finally { close(fd); }
    }

    private void AnswerOne(int fd)
    {
        SeccompNotif req = default; // the kernel wants it zeroed
        if (ioctl(fd, NotifRecv, &req) < 0) return; // the process died meanwhile (ENOENT)
        lock (Notified) Notified.Add(req.Nr);
        SeccompAnswer a = _answer(req.Nr);
        var resp = new SeccompNotifResp { Id = req.Id, Val = a.Value, Error = -a.Errno, Flags = a.Continue ? FlagContinue : 0 };
        ioctl(fd, NotifSend, &resp); // ENOENT: the process is gone
    }

    public void Dispose()
    {
        _stopping = true;
        _socket.Dispose();
        lock (_threads) foreach (var t in _threads) t.Join(2000);
        try { File.Delete(Path); } catch (DirectoryNotFoundException) { /* the sandbox went first */ }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SeccompNotif
    {
        public ulong Id;
        public uint Pid;
        public uint Flags;
        public int Nr;          // struct seccomp_data
        public uint Arch;
        public ulong InstructionPointer;
        public fixed ulong Args[6];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SeccompNotifResp
    {
        public ulong Id;
        public long Val;
        public int Error;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, void* arg);

    [DllImport("libc", SetLastError = true)]
    private static extern int poll(PollFd* fds, nuint n, int timeout);

    [DllImport("libc")]
    private static extern int close(int fd);
}
