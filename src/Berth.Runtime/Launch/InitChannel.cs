using System.Buffers.Binary;
using Berth.Core;
using Berth.Interop;

namespace Berth.Runtime.Launch;

/// <summary>
/// The socket between the runtime and the container's init (and the C stage before it).
/// Framing on both sides: { u32 type; u32 len; u8 data[len] }, as native/nsexec.c.
/// </summary>
internal sealed unsafe class InitChannel(int fd) : IDisposable
{
    public const uint BootEnd = 0, BootCloneFlags = 1, BootNsPath = 2, BootUidMap = 3, BootGidMap = 4,
        BootSetgroupsDeny = 5, BootOomScoreAdj = 6, BootCgroup = 7;
    public const uint Ready = 100, Error = 101, Stage1 = 102;
    public const uint Config = 200, RunHooks = 201, HooksDone = 202, Created = 203, HookState = 204, Spec = 205, ExecProcess = 207,
        SeccompFd = 208, SeccompFdDone = 209, SeccompFilter = 210;

    private const int MaxRecord = 16 << 20;

    public int Fd { get; private set; } = fd;

    public void Send(uint type, ReadOnlySpan<byte> data)
    {
        Span<byte> hdr = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(hdr, type);
        BinaryPrimitives.WriteUInt32LittleEndian(hdr[4..], (uint)data.Length);
        WriteAll(hdr);
        WriteAll(data);
    }

    public void Send(uint type, string text) => Send(type, System.Text.Encoding.UTF8.GetBytes(text));

    public (uint Type, byte[] Data) Receive()
    {
        Span<byte> hdr = stackalloc byte[8];
        if (!ReadAll(hdr)) throw new EndOfStreamException("init channel closed");
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(hdr);
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(hdr[4..]);
        if (len is < 0 or > MaxRecord) throw new BerthException(ErrorKind.Internal, $"init channel record too large ({len})");
        var data = new byte[len];
        if (!ReadAll(data)) throw new EndOfStreamException("init channel closed");
        return (type, data);
    }

    /// <summary>
    /// Receives one header-only record sent with SCM_CREDENTIALS (stage 1's, then stage 2's "ready"):
    /// the sender's pid as seen from here.
    /// </summary>
    public int ReceiveCredentials(uint expected)
    {
        byte* hdr = stackalloc byte[8];
        byte* ctl = stackalloc byte[64];
        IoVec iov = new() { Base = hdr, Len = 8 };
        MsgHdr msg = new() { Iov = &iov, IovLen = 1, Control = ctl, ControlLen = 64 };
        nint n;
        do { n = Libc.Recvmsg(Fd, &msg, Libc.MSG_CMSG_CLOEXEC); } while (n < 0 && Check.LastErrno == Errnos.EINTR);
        if (n < 0) Check.ThrowLastError("recvmsg init channel");
        if (n == 0) throw new EndOfStreamException("init channel closed");
        if (n < 8) throw new BerthException(ErrorKind.Internal, "short record from container init");
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(hdr, 4));
        int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(hdr + 4, 4));
        if (type == Error)
        {
            var text = new byte[Math.Min(len, 4096)];
            ReadAll(text);
            throw new BerthException(ErrorKind.Internal, System.Text.Encoding.UTF8.GetString(text));
        }
        if (type != expected || msg.ControlLen < (nuint)(sizeof(CmsgHdr) + sizeof(UCred)))
            throw new BerthException(ErrorKind.Internal, $"unexpected record {type} from container init");
        var cm = (CmsgHdr*)ctl;
        if (cm->Level != Libc.SOL_SOCKET || cm->Type != Libc.SCM_CREDENTIALS)
            throw new BerthException(ErrorKind.Internal, "container init sent no credentials");
        return ((UCred*)(ctl + sizeof(CmsgHdr)))->Pid;
    }

    /// <summary>Receives records until one of the expected type; an Error record becomes an exception.</summary>
    public byte[] Expect(uint type)
    {
        var (t, data) = Receive();
        if (t == Error) throw new BerthException(ErrorKind.Internal, System.Text.Encoding.UTF8.GetString(data));
        if (t != type) throw new BerthException(ErrorKind.Internal, $"unexpected record {t} from container init, expected {type}");
        return data;
    }

    public void EnablePassCred()
    {
        int one = 1;
        Check.Io(Libc.Setsockopt(Fd, Libc.SOL_SOCKET, Libc.SO_PASSCRED, &one, sizeof(int)), "setsockopt SO_PASSCRED");
    }

    private void WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int off = 0;
            while (off < data.Length)
            {
                nint n = Libc.Write(Fd, p + off, data.Length - off);
                if (n < 0 && Check.LastErrno == Errnos.EINTR) continue;
                if (n < 0) Check.ThrowLastError("write init channel");
                off += (int)n;
            }
        }
    }

    private bool ReadAll(Span<byte> buf)
    {
        fixed (byte* p = buf)
        {
            int off = 0;
            while (off < buf.Length)
            {
                nint n = Libc.Read(Fd, p + off, buf.Length - off);
                if (n < 0 && Check.LastErrno == Errnos.EINTR) continue;
                if (n < 0) Check.ThrowLastError("read init channel");
                if (n == 0) return false;
                off += (int)n;
            }
        }
        return true;
    }

    public void Dispose()
    {
        if (Fd >= 0) Libc.Close(Fd);
        Fd = -1;
    }
}
