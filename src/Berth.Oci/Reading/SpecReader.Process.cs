namespace Berth.Oci.Reading;

public static partial class SpecReader
{
    private static Process? ReadProcess(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Process))) return null;
        var p = new Process();
        while (c.NextProperty())
        {
            if (c.Is("terminal"u8)) p.Terminal = c.GetBoolean();
            else if (c.Is("consoleSize"u8)) p.ConsoleSize = ReadBox(ref c);
            else if (c.Is("user"u8)) p.User = ReadUser(ref c) ?? throw c.NullNotAllowed("user", typeof(Process));
            else if (c.Is("args"u8)) p.Args = ReadStrings(ref c);
            else if (c.Is("commandLine"u8)) p.CommandLine = c.GetString();
            else if (c.Is("env"u8)) p.Env = ReadStrings(ref c);
            else if (c.Is("cwd"u8)) p.Cwd = c.GetRequiredString("cwd", typeof(Process));
            else if (c.Is("capabilities"u8)) p.Capabilities = ReadCapabilities(ref c);
            else if (c.Is("rlimits"u8)) p.Rlimits = ReadList(ref c, ReadRlimit);
            else if (c.Is("noNewPrivileges"u8)) p.NoNewPrivileges = c.GetBoolean();
            else if (c.Is("apparmorProfile"u8)) p.ApparmorProfile = c.GetString();
            else if (c.Is("oomScoreAdj"u8)) p.OOMScoreAdj = c.GetNullableInt32();
            else if (c.Is("scheduler"u8)) p.Scheduler = ReadScheduler(ref c);
            else if (c.Is("selinuxLabel"u8)) p.SelinuxLabel = c.GetString();
            else if (c.Is("ioPriority"u8)) p.IOPriority = ReadIOPriority(ref c);
            else if (c.Is("execCPUAffinity"u8)) p.ExecCPUAffinity = ReadCpuAffinity(ref c);
            else c.Skip();
        }
        return p;
    }

    private static Box? ReadBox(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Box))) return null;
        var box = new Box();
        while (c.NextProperty())
        {
            if (c.Is("height"u8)) box.Height = c.GetUInt32();
            else if (c.Is("width"u8)) box.Width = c.GetUInt32();
            else c.Skip();
        }
        return box;
    }

    private static User? ReadUser(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(User))) return null;
        var user = new User();
        while (c.NextProperty())
        {
            if (c.Is("uid"u8)) user.UID = c.GetUInt32();
            else if (c.Is("gid"u8)) user.GID = c.GetUInt32();
            else if (c.Is("umask"u8)) user.Umask = c.GetNullableUInt32();
            else if (c.Is("additionalGids"u8)) user.AdditionalGids = ReadList(ref c, static (ref JsonCursor c) => c.GetUInt32());
            else if (c.Is("username"u8)) user.Username = c.GetString();
            else c.Skip();
        }
        return user;
    }

    private static LinuxCapabilities? ReadCapabilities(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxCapabilities))) return null;
        var caps = new LinuxCapabilities();
        while (c.NextProperty())
        {
            if (c.Is("bounding"u8)) caps.Bounding = ReadStrings(ref c);
            else if (c.Is("effective"u8)) caps.Effective = ReadStrings(ref c);
            else if (c.Is("inheritable"u8)) caps.Inheritable = ReadStrings(ref c);
            else if (c.Is("permitted"u8)) caps.Permitted = ReadStrings(ref c);
            else if (c.Is("ambient"u8)) caps.Ambient = ReadStrings(ref c);
            else c.Skip();
        }
        return caps;
    }

    private static PosixRlimit? ReadRlimit(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(PosixRlimit))) return null;
        var rlimit = new PosixRlimit();
        while (c.NextProperty())
        {
            if (c.Is("type"u8)) rlimit.Type = c.GetRequiredString("type", typeof(PosixRlimit));
            else if (c.Is("hard"u8)) rlimit.Hard = c.GetUInt64();
            else if (c.Is("soft"u8)) rlimit.Soft = c.GetUInt64();
            else c.Skip();
        }
        return rlimit;
    }

    private static Scheduler? ReadScheduler(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Scheduler))) return null;
        var scheduler = new Scheduler();
        while (c.NextProperty())
        {
            if (c.Is("policy"u8)) scheduler.Policy = c.GetRequiredString("policy", typeof(Scheduler));
            else if (c.Is("nice"u8)) scheduler.Nice = c.GetInt32();
            else if (c.Is("priority"u8)) scheduler.Priority = c.GetInt32();
            else if (c.Is("flags"u8)) scheduler.Flags = ReadStrings(ref c);
            else if (c.Is("runtime"u8)) scheduler.Runtime = c.GetUInt64();
            else if (c.Is("deadline"u8)) scheduler.Deadline = c.GetUInt64();
            else if (c.Is("period"u8)) scheduler.Period = c.GetUInt64();
            else c.Skip();
        }
        return scheduler;
    }

    private static LinuxIOPriority? ReadIOPriority(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxIOPriority))) return null;
        var priority = new LinuxIOPriority();
        while (c.NextProperty())
        {
            if (c.Is("class"u8)) priority.Class = c.GetRequiredString("class", typeof(LinuxIOPriority));
            else if (c.Is("priority"u8)) priority.Priority = c.GetInt32();
            else c.Skip();
        }
        return priority;
    }

    private static CpuAffinity? ReadCpuAffinity(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(CpuAffinity))) return null;
        var affinity = new CpuAffinity();
        while (c.NextProperty())
        {
            if (c.Is("initial"u8)) affinity.Initial = c.GetString();
            else if (c.Is("final"u8)) affinity.Final = c.GetString();
            else c.Skip();
        }
        return affinity;
    }
}
