using Berth.Cgroups.V2.Devices;
using Berth.Core;
using Berth.Interop;
using Berth.Oci;

namespace Berth.Cgroups.Tests;

/// <summary>
/// Golden programs for the cgroup v2 device filter, one instruction a line as "opcode dst src off imm"
/// (opcodes in hex: 61 ldxw, 54 and32, 74 rsh32, b4 mov32 imm, bc mov32 reg, 55 jne imm, 5d jne reg, 15 jeq imm, 95 exit).
/// RealDeviceProgramTests runs such programs in the kernel.
/// </summary>
public sealed class DeviceProgramTests
{
    // R2 = type, R3 = access, R4 = major, R5 = minor, read from struct bpf_cgroup_dev_ctx at R1
    private static readonly string[] Prologue =
    [
        "61 r2 r1 0 0", "54 r2 r0 0 65535",
        "61 r3 r1 0 0", "74 r3 r0 0 16",
        "61 r4 r1 4 0",
        "61 r5 r1 8 0",
    ];

    private static LinuxDeviceCgroup Rule(bool allow, string type, long? major, long? minor, string access) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    private static readonly LinuxDeviceCgroup DenyAll = new() { Allow = false, Access = "rwm" };
    private static readonly LinuxDeviceCgroup AllowAll = new() { Allow = true, Access = "rwm" };

    private static string[] Text(BpfInsn[] program) =>
        program.Select(i => $"{i.Code:x2} r{i.Dst} r{i.Src} {i.Off} {i.Imm}").ToArray();

    [Fact]
    public void Deny_all_but_one_char_device()
    {
        string[] expected =
        [
            .. Prologue,
            "55 r2 r0 4 2",   // not a char device: next
            "55 r4 r0 3 1",   // major != 1: next
            "55 r5 r0 2 3",   // minor != 3: next
            "b4 r0 r0 0 1", "95 r0 r0 0 0",
            "b4 r0 r0 0 0", "95 r0 r0 0 0", // default: deny
        ];
        Assert.Equal(expected, Text(DeviceProgram.Compile([DenyAll, Rule(true, "c", 1, 3, "rwm")])));
    }

    [Fact]
    public void Allow_all_with_deny_exceptions_matches_any_denied_access_bit()
    {
        string[] expected =
        [
            .. Prologue,
            "55 r2 r0 7 2",
            "bc r1 r3 0 0", "54 r1 r0 0 4", "15 r1 r0 4 0", // no write bit asked: next
            "55 r4 r0 3 1", "55 r5 r0 2 5",
            "b4 r0 r0 0 0", "95 r0 r0 0 0",
            "55 r2 r0 6 1",                                  // block device, any minor
            "bc r1 r3 0 0", "54 r1 r0 0 1", "15 r1 r0 3 0",
            "55 r4 r0 2 8",
            "b4 r0 r0 0 0", "95 r0 r0 0 0",
            "b4 r0 r0 0 1", "95 r0 r0 0 0", // default: allow
        ];
        Assert.Equal(expected, Text(DeviceProgram.Compile([AllowAll, Rule(false, "c", 1, 5, "w"), Rule(false, "b", 8, -1, "m")])));
    }

    [Fact]
    public void Rules_are_reduced_as_the_v1_controller_would()
    {
        // c 1:3 gets rw and then m, loses w again; the wildcard rule stays a separate exception.
        string[] expected =
        [
            .. Prologue,
            "55 r2 r0 7 2",
            "bc r1 r3 0 0", "54 r1 r0 0 3", "5d r1 r3 4 0", // asks for more than mknod and read: next
            "55 r4 r0 3 1", "55 r5 r0 2 3",
            "b4 r0 r0 0 1", "95 r0 r0 0 0",
            "55 r2 r0 5 2",
            "bc r1 r3 0 0", "54 r1 r0 0 1", "5d r1 r3 2 0",
            "b4 r0 r0 0 1", "95 r0 r0 0 0",
            "b4 r0 r0 0 0", "95 r0 r0 0 0",
        ];
        Assert.Equal(expected, Text(DeviceProgram.Compile(
        [
            DenyAll, Rule(true, "c", 1, 3, "rw"), Rule(true, "c", 1, 3, "m"), Rule(false, "c", 1, 3, "w"), Rule(true, "c", null, null, "m"),
        ])));
    }

    [Fact]
    public void A_type_a_rule_drops_everything_before_it()
    {
        var set = DeviceRuleSet.From([DenyAll, Rule(true, "c", 1, 3, "rwm"), AllowAll]);
        Assert.True(set.DefaultAllow);
        Assert.Empty(set.Exceptions);
        Assert.Equal([.. Prologue, "b4 r0 r0 0 1", "95 r0 r0 0 0"], Text(DeviceProgram.Compile(set)));
    }

    [Fact]
    public void An_empty_list_denies_everything() =>
        Assert.Equal([.. Prologue, "b4 r0 r0 0 0", "95 r0 r0 0 0"], Text(DeviceProgram.Compile([])));

    [Fact]
    public void A_rule_with_the_default_action_does_not_punch_a_hole_in_a_wildcard()
    {
        var set = DeviceRuleSet.From([DenyAll, Rule(true, "c", 136, null, "rwm"), Rule(false, "c", 136, 2, "rwm")]);
        Assert.Equal([new DeviceException('c', 136, -1, DeviceAccessBits.All)], set.Exceptions);
    }

    [Theory]
    [InlineData("x", 1L, "rwm")]
    [InlineData("c", 1L, "")]
    [InlineData("c", 1L, "rx")]
    [InlineData("c", 4294967296L, "rwm")]
    public void Invalid_rules_are_refused(string type, long major, string access) =>
        TestSupport.Fails(ErrorKind.InvalidArgument, () => DeviceProgram.Compile([Rule(true, type, major, 0, access)]));
}
