namespace Berth.Oci.Reading;

public static partial class SpecReader
{
    private static Linux? ReadLinux(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(Linux))) return null;
        var linux = new Linux();
        while (c.NextProperty())
        {
            if (c.Is("uidMappings"u8)) linux.UIDMappings = ReadIdMappings(ref c);
            else if (c.Is("gidMappings"u8)) linux.GIDMappings = ReadIdMappings(ref c);
            else if (c.Is("sysctl"u8)) linux.Sysctl = ReadStringMap(ref c);
            else if (c.Is("resources"u8)) linux.Resources = ReadResources(ref c);
            else if (c.Is("cgroupsPath"u8)) linux.CgroupsPath = c.GetString();
            else if (c.Is("namespaces"u8)) linux.Namespaces = ReadList(ref c, ReadNamespace);
            else if (c.Is("devices"u8)) linux.Devices = ReadList(ref c, ReadDevice);
            else if (c.Is("netDevices"u8)) linux.NetDevices = ReadMap(ref c, ReadNetDevice);
            else if (c.Is("seccomp"u8)) linux.Seccomp = ReadSeccomp(ref c);
            else if (c.Is("rootfsPropagation"u8)) linux.RootfsPropagation = c.GetString();
            else if (c.Is("maskedPaths"u8)) linux.MaskedPaths = ReadStrings(ref c);
            else if (c.Is("readonlyPaths"u8)) linux.ReadonlyPaths = ReadStrings(ref c);
            else if (c.Is("mountLabel"u8)) linux.MountLabel = c.GetString();
            else if (c.Is("intelRdt"u8)) linux.IntelRdt = ReadIntelRdt(ref c);
            else if (c.Is("memoryPolicy"u8)) linux.MemoryPolicy = ReadMemoryPolicy(ref c);
            else if (c.Is("personality"u8)) linux.Personality = ReadPersonality(ref c);
            else if (c.Is("timeOffsets"u8)) linux.TimeOffsets = ReadMap(ref c, ReadTimeOffset);
            else c.Skip();
        }
        return linux;
    }

    private static LinuxNamespace? ReadNamespace(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxNamespace))) return null;
        var ns = new LinuxNamespace();
        while (c.NextProperty())
        {
            if (c.Is("type"u8)) ns.Type = c.GetRequiredString("type", typeof(LinuxNamespace));
            else if (c.Is("path"u8)) ns.Path = c.GetString();
            else c.Skip();
        }
        return ns;
    }

    private static LinuxDevice? ReadDevice(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxDevice))) return null;
        var device = new LinuxDevice();
        while (c.NextProperty())
        {
            if (c.Is("path"u8)) device.Path = c.GetRequiredString("path", typeof(LinuxDevice));
            else if (c.Is("type"u8)) device.Type = c.GetRequiredString("type", typeof(LinuxDevice));
            else if (c.Is("major"u8)) device.Major = c.GetInt64();
            else if (c.Is("minor"u8)) device.Minor = c.GetInt64();
            else if (c.Is("fileMode"u8)) device.FileMode = c.GetNullableUInt32();
            else if (c.Is("uid"u8)) device.UID = c.GetNullableUInt32();
            else if (c.Is("gid"u8)) device.GID = c.GetNullableUInt32();
            else c.Skip();
        }
        return device;
    }

    private static LinuxNetDevice? ReadNetDevice(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxNetDevice))) return null;
        var device = new LinuxNetDevice();
        while (c.NextProperty())
        {
            if (c.Is("name"u8)) device.Name = c.GetString();
            else c.Skip();
        }
        return device;
    }

    private static LinuxTimeOffset? ReadTimeOffset(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxTimeOffset))) return null;
        var offset = new LinuxTimeOffset();
        while (c.NextProperty())
        {
            if (c.Is("secs"u8)) offset.Secs = c.GetInt64();
            else if (c.Is("nanosecs"u8)) offset.Nanosecs = c.GetUInt32();
            else c.Skip();
        }
        return offset;
    }

    private static LinuxIntelRdt? ReadIntelRdt(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxIntelRdt))) return null;
        var rdt = new LinuxIntelRdt();
        while (c.NextProperty())
        {
            if (c.Is("closID"u8)) rdt.ClosID = c.GetString();
            else if (c.Is("schemata"u8)) rdt.Schemata = ReadStrings(ref c);
            else if (c.Is("l3CacheSchema"u8)) rdt.L3CacheSchema = c.GetString();
            else if (c.Is("memBwSchema"u8)) rdt.MemBwSchema = c.GetString();
            else if (c.Is("enableMonitoring"u8)) rdt.EnableMonitoring = c.GetBoolean();
            else c.Skip();
        }
        return rdt;
    }

    private static LinuxMemoryPolicy? ReadMemoryPolicy(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxMemoryPolicy))) return null;
        var policy = new LinuxMemoryPolicy();
        while (c.NextProperty())
        {
            if (c.Is("mode"u8)) policy.Mode = c.GetRequiredString("mode", typeof(LinuxMemoryPolicy));
            else if (c.Is("nodes"u8)) policy.Nodes = c.GetString();
            else if (c.Is("flags"u8)) policy.Flags = ReadStrings(ref c);
            else c.Skip();
        }
        return policy;
    }

    private static LinuxPersonality? ReadPersonality(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxPersonality))) return null;
        var personality = new LinuxPersonality();
        while (c.NextProperty())
        {
            if (c.Is("domain"u8)) personality.Domain = c.GetRequiredString("domain", typeof(LinuxPersonality));
            else if (c.Is("flags"u8)) personality.Flags = ReadStrings(ref c);
            else c.Skip();
        }
        return personality;
    }
}
