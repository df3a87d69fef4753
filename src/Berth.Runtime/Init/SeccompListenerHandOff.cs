using System.Buffers.Binary;
using Berth.Interop;
using Berth.Runtime.Launch;

namespace Berth.Runtime.Init;

/// <summary>
/// init's side of SCMP_ACT_NOTIFY: the filter is loaded, and the listener fd must reach linux.seccomp.listenerPath
/// before any syscall the filter notifies can be answered.
/// </summary>
/// <remarks>
/// Sending the fd itself (sendmsg with SCM_RIGHTS) would be a syscall the filter might notify while nobody
/// holds the listener yet: init would wait forever. So, as runc, init only writes the fd's number; the runtime
/// copies the fd out of init with pidfd_getfd(2), sends it to the listener, and then answers. From then on the
/// listener is there to answer whatever init still does (read, close, execve...); write is the one syscall a
/// notify rule may not name (SeccompProgram refuses it).
/// </remarks>
internal static class SeccompListenerHandOff
{
    public static void Send(InitChannel channel, int listenerFd)
    {
        if (listenerFd < 0) return;
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, listenerFd);
        channel.Send(InitChannel.SeccompFd, number);
        channel.Expect(InitChannel.SeccompFdDone);
        // The listener holds its own copy now; ours must not reach the container's process.
        Libc.Close(listenerFd);
    }
}
