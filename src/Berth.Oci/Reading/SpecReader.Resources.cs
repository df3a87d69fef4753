namespace Berth.Oci.Reading;

public static partial class SpecReader
{
    private static LinuxResources? ReadResources(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxResources))) return null;
        var resources = new LinuxResources();
        while (c.NextProperty())
        {
            if (c.Is("devices"u8)) resources.Devices = ReadList(ref c, ReadDeviceCgroup);
            else if (c.Is("memory"u8)) resources.Memory = ReadMemory(ref c);
            else if (c.Is("cpu"u8)) resources.Cpu = ReadCpu(ref c);
            else if (c.Is("pids"u8)) resources.Pids = ReadPids(ref c);
            else if (c.Is("blockIO"u8)) resources.BlockIO = ReadBlockIO(ref c);
            else if (c.Is("hugepageLimits"u8)) resources.HugepageLimits = ReadList(ref c, ReadHugepageLimit);
            else if (c.Is("network"u8)) resources.Network = ReadNetwork(ref c);
            else if (c.Is("rdma"u8)) resources.Rdma = ReadMap(ref c, ReadRdma);
            else if (c.Is("unified"u8)) resources.Unified = ReadStringMap(ref c);
            else c.Skip();
        }
        return resources;
    }

    private static LinuxDeviceCgroup? ReadDeviceCgroup(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxDeviceCgroup))) return null;
        var rule = new LinuxDeviceCgroup();
        while (c.NextProperty())
        {
            if (c.Is("allow"u8)) rule.Allow = c.GetBoolean();
            else if (c.Is("type"u8)) rule.Type = c.GetString();
            else if (c.Is("major"u8)) rule.Major = c.GetNullableInt64();
            else if (c.Is("minor"u8)) rule.Minor = c.GetNullableInt64();
            else if (c.Is("access"u8)) rule.Access = c.GetString();
            else c.Skip();
        }
        return rule;
    }

    private static LinuxMemory? ReadMemory(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxMemory))) return null;
        var memory = new LinuxMemory();
        while (c.NextProperty())
        {
            if (c.Is("limit"u8)) memory.Limit = c.GetNullableInt64();
            else if (c.Is("reservation"u8)) memory.Reservation = c.GetNullableInt64();
            else if (c.Is("swap"u8)) memory.Swap = c.GetNullableInt64();
            else if (c.Is("kernel"u8)) memory.Kernel = c.GetNullableInt64();
            else if (c.Is("kernelTCP"u8)) memory.KernelTCP = c.GetNullableInt64();
            else if (c.Is("swappiness"u8)) memory.Swappiness = c.GetNullableUInt64();
            else if (c.Is("disableOOMKiller"u8)) memory.DisableOOMKiller = c.GetNullableBoolean();
            else if (c.Is("useHierarchy"u8)) memory.UseHierarchy = c.GetNullableBoolean();
            else if (c.Is("checkBeforeUpdate"u8)) memory.CheckBeforeUpdate = c.GetNullableBoolean();
            else c.Skip();
        }
        return memory;
    }

    private static LinuxCpu? ReadCpu(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxCpu))) return null;
        var cpu = new LinuxCpu();
        while (c.NextProperty())
        {
            if (c.Is("shares"u8)) cpu.Shares = c.GetNullableUInt64();
            else if (c.Is("quota"u8)) cpu.Quota = c.GetNullableInt64();
            else if (c.Is("burst"u8)) cpu.Burst = c.GetNullableUInt64();
            else if (c.Is("period"u8)) cpu.Period = c.GetNullableUInt64();
            else if (c.Is("realtimeRuntime"u8)) cpu.RealtimeRuntime = c.GetNullableInt64();
            else if (c.Is("realtimePeriod"u8)) cpu.RealtimePeriod = c.GetNullableUInt64();
            else if (c.Is("cpus"u8)) cpu.Cpus = c.GetString();
            else if (c.Is("mems"u8)) cpu.Mems = c.GetString();
            else if (c.Is("idle"u8)) cpu.Idle = c.GetNullableInt64();
            else c.Skip();
        }
        return cpu;
    }

    private static LinuxPids? ReadPids(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxPids))) return null;
        var pids = new LinuxPids();
        while (c.NextProperty())
        {
            if (c.Is("limit"u8)) pids.Limit = c.GetNullableInt64();
            else c.Skip();
        }
        return pids;
    }

    private static LinuxBlockIO? ReadBlockIO(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxBlockIO))) return null;
        var blkio = new LinuxBlockIO();
        while (c.NextProperty())
        {
            if (c.Is("weight"u8)) blkio.Weight = c.GetNullableUInt16();
            else if (c.Is("leafWeight"u8)) blkio.LeafWeight = c.GetNullableUInt16();
            else if (c.Is("weightDevice"u8)) blkio.WeightDevice = ReadList(ref c, ReadWeightDevice);
            else if (c.Is("throttleReadBpsDevice"u8)) blkio.ThrottleReadBpsDevice = ReadThrottleDevices(ref c);
            else if (c.Is("throttleWriteBpsDevice"u8)) blkio.ThrottleWriteBpsDevice = ReadThrottleDevices(ref c);
            else if (c.Is("throttleReadIOPSDevice"u8)) blkio.ThrottleReadIOPSDevice = ReadThrottleDevices(ref c);
            else if (c.Is("throttleWriteIOPSDevice"u8)) blkio.ThrottleWriteIOPSDevice = ReadThrottleDevices(ref c);
            else c.Skip();
        }
        return blkio;
    }

    private static LinuxWeightDevice? ReadWeightDevice(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxWeightDevice))) return null;
        var device = new LinuxWeightDevice();
        while (c.NextProperty())
        {
            if (c.Is("major"u8)) device.Major = c.GetInt64();
            else if (c.Is("minor"u8)) device.Minor = c.GetInt64();
            else if (c.Is("weight"u8)) device.Weight = c.GetNullableUInt16();
            else if (c.Is("leafWeight"u8)) device.LeafWeight = c.GetNullableUInt16();
            else c.Skip();
        }
        return device;
    }

    private static List<LinuxThrottleDevice>? ReadThrottleDevices(ref JsonCursor c) => ReadList(ref c, ReadThrottleDevice);

    private static LinuxThrottleDevice? ReadThrottleDevice(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxThrottleDevice))) return null;
        var device = new LinuxThrottleDevice();
        while (c.NextProperty())
        {
            if (c.Is("major"u8)) device.Major = c.GetInt64();
            else if (c.Is("minor"u8)) device.Minor = c.GetInt64();
            else if (c.Is("rate"u8)) device.Rate = c.GetUInt64();
            else c.Skip();
        }
        return device;
    }

    private static LinuxHugepageLimit? ReadHugepageLimit(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxHugepageLimit))) return null;
        var limit = new LinuxHugepageLimit();
        while (c.NextProperty())
        {
            if (c.Is("pageSize"u8)) limit.Pagesize = c.GetRequiredString("pageSize", typeof(LinuxHugepageLimit));
            else if (c.Is("limit"u8)) limit.Limit = c.GetUInt64();
            else c.Skip();
        }
        return limit;
    }

    private static LinuxNetwork? ReadNetwork(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxNetwork))) return null;
        var network = new LinuxNetwork();
        while (c.NextProperty())
        {
            if (c.Is("classID"u8)) network.ClassID = c.GetNullableUInt32();
            else if (c.Is("priorities"u8)) network.Priorities = ReadList(ref c, ReadInterfacePriority);
            else c.Skip();
        }
        return network;
    }

    private static LinuxInterfacePriority? ReadInterfacePriority(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxInterfacePriority))) return null;
        var priority = new LinuxInterfacePriority();
        while (c.NextProperty())
        {
            if (c.Is("name"u8)) priority.Name = c.GetRequiredString("name", typeof(LinuxInterfacePriority));
            else if (c.Is("priority"u8)) priority.Priority = c.GetUInt32();
            else c.Skip();
        }
        return priority;
    }

    private static LinuxRdma? ReadRdma(ref JsonCursor c)
    {
        if (!c.StartObject(typeof(LinuxRdma))) return null;
        var rdma = new LinuxRdma();
        while (c.NextProperty())
        {
            if (c.Is("hcaHandles"u8)) rdma.HcaHandles = c.GetNullableUInt32();
            else if (c.Is("hcaObjects"u8)) rdma.HcaObjects = c.GetNullableUInt32();
            else c.Skip();
        }
        return rdma;
    }
}
