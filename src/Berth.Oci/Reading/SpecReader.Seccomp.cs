namespace Berth.Oci.Reading;

public static partial class SpecReader
{
    private static LinuxSeccomp? ReadSeccomp(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxSeccomp))) return null;
        var seccomp = new LinuxSeccomp();
        while (c.NextProperty())
        {
            if (c.Is("defaultAction"u8)) seccomp.DefaultAction = c.GetRequiredString("defaultAction", typeof(LinuxSeccomp));
            else if (c.Is("defaultErrnoRet"u8)) seccomp.DefaultErrnoRet = c.GetNullableUInt32();
            else if (c.Is("architectures"u8)) seccomp.Architectures = ReadStrings(ref c);
            else if (c.Is("flags"u8)) seccomp.Flags = ReadStrings(ref c);
            else if (c.Is("listenerPath"u8)) seccomp.ListenerPath = c.GetString();
            else if (c.Is("listenerMetadata"u8)) seccomp.ListenerMetadata = c.GetString();
            else if (c.Is("syscalls"u8)) seccomp.Syscalls = ReadList(ref c, ReadSyscall);
            else c.Skip();
        }
        return seccomp;
    }

    private static LinuxSyscall? ReadSyscall(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxSyscall))) return null;
        var syscall = new LinuxSyscall();
        while (c.NextProperty())
        {
            if (c.Is("names"u8)) syscall.Names = ReadStrings(ref c) ?? throw c.NullNotAllowed("names", typeof(LinuxSyscall));
            else if (c.Is("action"u8)) syscall.Action = c.GetRequiredString("action", typeof(LinuxSyscall));
            else if (c.Is("errnoRet"u8)) syscall.ErrnoRet = c.GetNullableUInt32();
            else if (c.Is("args"u8)) syscall.Args = ReadList(ref c, ReadSeccompArg);
            else c.Skip();
        }
        return syscall;
    }

    private static LinuxSeccompArg? ReadSeccompArg(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxSeccompArg))) return null;
        var arg = new LinuxSeccompArg();
        while (c.NextProperty())
        {
            if (c.Is("index"u8)) arg.Index = c.GetUInt32();
            else if (c.Is("value"u8)) arg.Value = c.GetUInt64();
            else if (c.Is("valueTwo"u8)) arg.ValueTwo = c.GetUInt64();
            else if (c.Is("op"u8)) arg.Op = c.GetRequiredString("op", typeof(LinuxSeccompArg));
            else c.Skip();
        }
        return arg;
    }
}
