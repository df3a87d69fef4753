using System.Buffers.Binary;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;
using Berth.Runtime.Launch;

namespace Berth.Runtime.Operations;

/// <summary>
/// The runtime's side of SCMP_ACT_NOTIFY (runtime-spec config-linux.md, "seccomp"): take the listener fd from
/// init, connect to linux.seccomp.listenerPath and send it the container process state with the fd attached.
/// </summary>
internal static class SeccompListener
{
    /// <summary>
    /// Receives init's records up to "created", handing a seccomp listener fd to the listener on the way if init
    /// reports one (see <see cref="Init.SeccompListenerHandOff"/>).
    /// </summary>
    /// <param name="state">the container's state as the listener should see it</param>
    public static void ExpectCreated(InitChannel channel, int pid, LinuxSeccomp? seccomp, Func<ContainerState> state)
    {
        while (true)
        {
            var (type, data) = channel.Receive();
            if (type == InitChannel.SeccompFd && data.Length == 4 && seccomp is not null)
            {
                HandOff(pid, BinaryPrimitives.ReadInt32LittleEndian(data), seccomp, state());
                channel.Send(InitChannel.SeccompFdDone, []);
                continue;
            }
            if (type == InitChannel.Error) throw new BerthException(ErrorKind.Internal, System.Text.Encoding.UTF8.GetString(data));
            if (type != InitChannel.Created)
                throw new BerthException(ErrorKind.Internal, $"unexpected record {type} from container init, expected {InitChannel.Created}");
            return;
        }
    }

    private static void HandOff(int pid, int fdInInit, LinuxSeccomp seccomp, ContainerState state)
    {
        int pidfd = Check.Io(Libc.PidfdOpen(pid), "seccomp: pidfd_open of container init");
        int listener = -1, socket = -1;
        try
        {
            listener = Libc.PidfdGetfd(pidfd, fdInInit);
            if (listener < 0) Check.ThrowLastError("seccomp: copying the listener fd out of container init (pidfd_getfd)");
            try { socket = UnixSocket.Connect(seccomp.ListenerPath!, "seccomp listener"); }
            catch (ErrnoException e)
            {
                throw new BerthException(ErrorKind.FailedPrecondition, $"seccomp: failed to connect with the seccomp agent at {seccomp.ListenerPath}: {ErrnoException.Describe(e.Errno)}");
            }
            var message = new ContainerProcessState
            {
                OciVersion = DefaultSpec.OciVersion,
                Fds = ["seccompFd"],
                Pid = pid,
                Metadata = string.IsNullOrEmpty(seccomp.ListenerMetadata) ? null : seccomp.ListenerMetadata,
                State = state,
            };
            UnixSocket.SendWithFd(socket, listener, OciJson.WriteUtf8(message), "seccomp listener fd");
        }
        finally
        {
            // Our copy goes: the listener keeps the filter's notifications alive on its own.
            if (socket >= 0) Libc.Close(socket);
            if (listener >= 0) Libc.Close(listener);
            Libc.Close(pidfd);
        }
    }
}
