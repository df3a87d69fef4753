using Process = System.Diagnostics.Process;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using Berth.Cgroups.V2.Devices;
using Berth.Oci;

namespace Berth.Cgroups.Tests;

/// <summary>
/// The v2 device program in the real kernel. A BPF_PROG_TYPE_CGROUP_DEVICE program attaches to any cgroup2
/// directory, whatever controllers it has, so this runs on a hybrid host too (in a directory of its own in
/// the cgroup2 tree), with a shell moved into that directory trying the devices.
/// </summary>
public sealed class RealDeviceProgramTests : IDisposable
{
    private readonly string _dir = Path.Join(RootFactAttribute.Cgroup2Mount() ?? "/nonexistent", "berth-devtest-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (!Directory.Exists(_dir)) return;
        try { Directory.Delete(_dir); } catch (IOException) { /* the test's own failure says more */ }
    }

    private static readonly LinuxDeviceCgroup DenyAll = new() { Allow = false, Access = "rwm" };

    private static LinuxDeviceCgroup AllowChar(long major, long minor, string access = "rwm") =>
        new() { Allow = true, Type = "c", Major = major, Minor = minor, Access = access };

    /// <summary>Runs sh in the cgroup; it reports, per device, "ok" or the error its open got.</summary>
    private string Probe(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"echo $$ > {_dir}/cgroup.procs || exit 99; {script}"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(10_000));
        Assert.NotEqual(99, p.ExitCode);
        return output;
    }

    private const string ReadNullAndZero =
        "head -c1 /dev/null && echo null:ok; head -c1 /dev/zero > /dev/stdout && echo zero:ok; true";

    [RootFact(NeedsCgroup2 = true)]
    public void Only_the_allowed_device_opens_and_a_replacement_takes_over()
    {
        Directory.CreateDirectory(_dir);

        BpfDevicePrograms.Instance.Replace(_dir, DeviceProgram.Compile([DenyAll, AllowChar(1, 3)]));
        uint[] first = BpfDevicePrograms.Attached(_dir);
        Assert.Single(first);
        string output = Probe(ReadNullAndZero);
        Assert.Contains("null:ok", output);
        Assert.DoesNotContain("zero:ok", output);
        Assert.Contains("'/dev/zero' for reading: Operation not permitted", output);

        BpfDevicePrograms.Instance.Replace(_dir, DeviceProgram.Compile([DenyAll, AllowChar(1, 5)]));
        uint[] second = BpfDevicePrograms.Attached(_dir);
        Assert.Single(second);
        Assert.NotEqual(first[0], second[0]); // attached new, detached old
        output = Probe(ReadNullAndZero);
        Assert.Contains("zero:ok", output);
        Assert.Contains("'/dev/null' for reading: Operation not permitted", output);

        BpfDevicePrograms.DetachAll(_dir);
        Assert.Empty(BpfDevicePrograms.Attached(_dir));
        output = Probe(ReadNullAndZero);
        Assert.Contains("null:ok", output);
        Assert.Contains("zero:ok", output);
    }

    [RootFact(NeedsCgroup2 = true)]
    public void Partial_access_is_checked_per_bit()
    {
        Directory.CreateDirectory(_dir);
        // /dev/null readable but not writable; /dev/zero everything but writing (allow-all with a deny exception)
        BpfDevicePrograms.Instance.Replace(_dir, DeviceProgram.Compile([DenyAll, AllowChar(1, 3, "r")]));
        string output = Probe("head -c1 /dev/null && echo read:ok; echo x > /dev/null && echo write:ok; true");
        Assert.Contains("read:ok", output);
        Assert.DoesNotContain("write:ok", output);

        BpfDevicePrograms.Instance.Replace(_dir, DeviceProgram.Compile(
            [new LinuxDeviceCgroup { Allow = true, Access = "rwm" }, new LinuxDeviceCgroup { Allow = false, Type = "c", Major = 1, Minor = 5, Access = "w" }]));
        output = Probe("head -c1 /dev/zero >/dev/null && echo read:ok; echo x > /dev/zero && echo write:ok; true");
        Assert.Contains("read:ok", output);
        Assert.DoesNotContain("write:ok", output);
    }
}
