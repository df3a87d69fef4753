using Berth.Core;
using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>config.json → libseccomp values, with no library involved.</summary>
public sealed class SeccompProgramTests
{
    private static LinuxSeccomp Profile(string defaultAction = "SCMP_ACT_ERRNO", params LinuxSyscall[] syscalls) =>
        new() { DefaultAction = defaultAction, Syscalls = [.. syscalls] };

    private static LinuxSyscall Rule(string action, params string[] names) => new() { Names = [.. names], Action = action };

    private static LinuxSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static BerthException Rejected(LinuxSeccomp seccomp, string expected)
    {
        var e = Assert.Throws<BerthException>(() => SeccompProgram.Compile(seccomp));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(expected, e.Message);
        return e;
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", 0x00000000u)]
    [InlineData("SCMP_ACT_KILL_THREAD", 0x00000000u)]
    [InlineData("SCMP_ACT_KILL_PROCESS", 0x80000000u)]
    [InlineData("SCMP_ACT_TRAP", 0x00030000u)]
    [InlineData("SCMP_ACT_ERRNO", 0x00050001u)] // EPERM when errnoRet is absent
    [InlineData("SCMP_ACT_TRACE", 0x7ff00001u)] // runc's default for TRACE too
    [InlineData("SCMP_ACT_ALLOW", 0x7fff0000u)]
    [InlineData("SCMP_ACT_LOG", 0x7ffc0000u)]
    [InlineData("SCMP_ACT_NOTIFY", 0x7fc00000u)]
    public void Action_MapsToLibseccompValue(string name, uint expected) =>
        Assert.Equal(expected, SeccompProgram.Action(name, null));

    [Theory]
    [InlineData("SCMP_ACT_ERRNO", 38u, 0x00050026u)]
    [InlineData("SCMP_ACT_ERRNO", 0u, 0x00050000u)]
    [InlineData("SCMP_ACT_ERRNO", 0xffffu, 0x0005ffffu)]
    [InlineData("SCMP_ACT_TRACE", 7u, 0x7ff00007u)]
    public void Action_FoldsErrnoRet(string name, uint errno, uint expected) =>
        Assert.Equal(expected, SeccompProgram.Action(name, errno));

    [Fact]
    public void Action_ErrnoRetAbove16Bits_IsRejected()
    {
        var e = Assert.Throws<BerthException>(() => SeccompProgram.Action("SCMP_ACT_ERRNO", 0x10000));
        Assert.Contains("16 bits", e.Message);
    }

    [Theory]
    [InlineData("SCMP_ACT_ALLOW")]
    [InlineData("SCMP_ACT_KILL")]
    [InlineData("SCMP_ACT_LOG")]
    public void Action_ErrnoRetOnActionWithoutErrno_IsRejected(string name)
    {
        // runtime-spec: "When the action doesn't support an errno, the runtime MUST print and error and fail."
        var e = Assert.Throws<BerthException>(() => SeccompProgram.Action(name, 1));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("does not take an errno", e.Message);
    }

    [Theory]
    [InlineData("SCMP_CMP_NE", 1u)]
    [InlineData("SCMP_CMP_LT", 2u)]
    [InlineData("SCMP_CMP_LE", 3u)]
    [InlineData("SCMP_CMP_EQ", 4u)]
    [InlineData("SCMP_CMP_GE", 5u)]
    [InlineData("SCMP_CMP_GT", 6u)]
    [InlineData("SCMP_CMP_MASKED_EQ", 7u)]
    public void Operator_MapsToScmpCompare(string name, uint expected) =>
        Assert.Equal(expected, SeccompTables.Operators[name]);

    [Theory]
    [InlineData("SCMP_ARCH_X86", 0x40000003u)]
    [InlineData("SCMP_ARCH_X86_64", 0xc000003eu)]
    [InlineData("SCMP_ARCH_X32", 0x4000003eu)]
    [InlineData("SCMP_ARCH_ARM", 0x40000028u)]
    [InlineData("SCMP_ARCH_AARCH64", 0xc00000b7u)]
    [InlineData("SCMP_ARCH_MIPSEL64N32", 0xe0000008u)]
    [InlineData("SCMP_ARCH_PPC64LE", 0xc0000015u)]
    [InlineData("SCMP_ARCH_S390X", 0x80000016u)]
    [InlineData("SCMP_ARCH_RISCV64", 0xc00000f3u)]
    [InlineData("SCMP_ARCH_LOONGARCH64", 0xc0000102u)]
    [InlineData("SCMP_ARCH_SH", 0x4000002au)]
    [InlineData("SCMP_ARCH_SHEB", 0x0000002au)]
    public void Architecture_MapsToAuditArch(string name, uint expected) =>
        Assert.Equal(expected, SeccompTables.Architectures[name]);

    [Fact]
    public void Tables_CoverEveryNameTheSpecDefines()
    {
        Assert.Equal(SeccompNames.Actions.Order(), SeccompTables.Actions.Keys.Order());
        Assert.Equal(SeccompNames.Operators.Order(), SeccompTables.Operators.Keys.Order());
        Assert.Equal(SeccompNames.Flags.Order(), SeccompTables.Flags.Order());
        Assert.Equal(23, SeccompTables.Architectures.Count); // runtime-spec config-linux.md, libseccomp v2.6.0 list
    }

    [Fact]
    public void DisabledWhenNoDefaultActionAndNoSyscalls() =>
        Assert.Null(SeccompProgram.Compile(new LinuxSeccomp()));

    [Fact]
    public void DefaultAction_UsesDefaultErrnoRet()
    {
        var p = SeccompProgram.Compile(new LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO", DefaultErrnoRet = 38 })!;
        Assert.Equal(0x00050026u, p.DefaultAction);
    }

    [Fact]
    public void DefaultErrnoRet_OnKill_IsRejected() =>
        Rejected(new LinuxSeccomp { DefaultAction = "SCMP_ACT_KILL", DefaultErrnoRet = 1 }, "defaultErrnoRet is set but SCMP_ACT_KILL");

    [Fact]
    public void UnknownDefaultAction_IsRejected() =>
        Rejected(Profile("SCMP_ACT_MAYBE", Rule("SCMP_ACT_ALLOW", "read")), "unknown action \"SCMP_ACT_MAYBE\"");

    [Fact]
    public void NotifyAsDefault_IsRejected() =>
        Rejected(Profile("SCMP_ACT_NOTIFY"), "SCMP_ACT_NOTIFY cannot be the default action");

    [Fact]
    public void NotifyRule_NeedsListenerPath() =>
        Rejected(Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", "mount")), "SCMP_ACT_NOTIFY is used but listenerPath is not set");

    [Fact]
    public void NotifyRule_WithListenerPath_IsANotifyProgram()
    {
        var s = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", "mount"), Rule("SCMP_ACT_ERRNO", "mkdir"));
        s.ListenerPath = "/run/agent.sock";
        var p = SeccompProgram.Compile(s)!;
        Assert.True(p.HasNotify);
        Assert.Equal(SeccompTables.ActNotify, p.Rules[0].Action);
    }

    [Fact]
    public void NotifyOnWrite_IsRejected()
    {
        var s = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_NOTIFY", "read", "write"));
        s.ListenerPath = "/run/agent.sock";
        Rejected(s, "SCMP_ACT_NOTIFY cannot be used for the write syscall");
    }

    [Fact]
    public void ListenerPathWithoutNotify_IsIgnoredAsRunc()
    {
        var s = Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir"));
        s.ListenerPath = "/run/agent.sock";
        Assert.False(SeccompProgram.Compile(s)!.HasNotify);
    }

    [Fact]
    public void ListenerMetadataWithoutPath_IsRejected()
    {
        var s = Profile("SCMP_ACT_ALLOW");
        s.ListenerMetadata = "x";
        Rejected(s, "listenerMetadata is set but listenerPath is not");
    }

    [Fact]
    public void UnknownArchitecture_IsRejected()
    {
        var s = Profile("SCMP_ACT_ALLOW");
        s.Architectures = ["SCMP_ARCH_VAX"];
        Rejected(s, "unknown architecture \"SCMP_ARCH_VAX\"");
    }

    [Fact]
    public void Architectures_KeepOrderAndDropDuplicates()
    {
        var s = Profile("SCMP_ACT_ALLOW");
        s.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
        var p = SeccompProgram.Compile(s)!;
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], p.Architectures.Select(a => a.Name));
        Assert.Equal(0x40000003u, p.Architectures[1].Token);
    }

    [Fact]
    public void UnknownFlag_IsRejected()
    {
        var s = Profile("SCMP_ACT_ALLOW");
        s.Flags = ["SECCOMP_FILTER_FLAG_NEW_LISTENER"];
        Rejected(s, "unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
    }

    [Fact]
    public void Flags_AbsentMeansSpecAllowIfSupported_EmptyMeansNone()
    {
        Assert.True(SeccompProgram.Compile(Profile("SCMP_ACT_ALLOW"))!.SpecAllowIfSupported);
        var s = Profile("SCMP_ACT_ALLOW");
        s.Flags = [];
        var p = SeccompProgram.Compile(s)!;
        Assert.False(p.SpecAllowIfSupported);
        Assert.Empty(p.Flags);
    }

    [Fact]
    public void OneRulePerName_InConfigOrder()
    {
        var p = SeccompProgram.Compile(Profile("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ALLOW", "read", "write"),
            new LinuxSyscall { Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 38 }))!;
        Assert.Equal(["read", "write", "clone3"], p.Rules.Select(r => r.Syscall));
        Assert.Equal([0x7fff0000u, 0x7fff0000u, 0x00050026u], p.Rules.Select(r => r.Action));
        Assert.All(p.Rules, r => Assert.Empty(r.Conditions));
    }

    [Fact]
    public void RuleEqualToDefault_IsDropped()
    {
        // libseccomp answers -EACCES for such a rule; runc drops it silently.
        var p = SeccompProgram.Compile(Profile("SCMP_ACT_ERRNO",
            Rule("SCMP_ACT_ERRNO", "mkdir"),                                            // ERRNO(EPERM) == default
            new LinuxSyscall { Names = ["rmdir"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 2 }, // ERRNO(ENOENT) differs
            Rule("SCMP_ACT_KILL", "ptrace")))!;
        Assert.Equal(["rmdir", "ptrace"], p.Rules.Select(r => r.Syscall));

        var kill = SeccompProgram.Compile(Profile("SCMP_ACT_KILL_THREAD", Rule("SCMP_ACT_KILL", "read"), Rule("SCMP_ACT_ALLOW", "write")))!;
        Assert.Equal(["write"], kill.Rules.Select(r => r.Syscall)); // KILL is KILL_THREAD
    }

    [Fact]
    public void ConditionsOnDifferentArgs_StayInOneRule()
    {
        var rule = Rule("SCMP_ACT_ALLOW", "personality");
        rule.Args = [Arg(0, "SCMP_CMP_EQ", 8), Arg(1, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0)];
        var p = SeccompProgram.Compile(Profile("SCMP_ACT_ERRNO", rule))!;
        var r = Assert.Single(p.Rules);
        Assert.Equal([new SeccompCondition(0, 4, 8, 0), new SeccompCondition(1, 7, 0x7E020000, 0)], r.Conditions);
    }

    [Fact]
    public void ConditionsOnTheSameArg_BecomeSeparateRules()
    {
        // The moby profile's socket rule: anything but AF_ALG (38) and AF_VSOCK (40).
        var rule = Rule("SCMP_ACT_ALLOW", "socket");
        rule.Args = [Arg(0, "SCMP_CMP_LT", 38), Arg(0, "SCMP_CMP_EQ", 39), Arg(0, "SCMP_CMP_GT", 40)];
        var p = SeccompProgram.Compile(Profile("SCMP_ACT_ERRNO", rule))!;
        Assert.Equal(3, p.Rules.Count);
        Assert.Equal([new SeccompCondition(0, 2, 38, 0)], p.Rules[0].Conditions);
        Assert.Equal([new SeccompCondition(0, 4, 39, 0)], p.Rules[1].Conditions);
        Assert.Equal([new SeccompCondition(0, 6, 40, 0)], p.Rules[2].Conditions);
    }

    [Fact]
    public void SameArgTwice_SplitsAllConditions_AsRuncDoes()
    {
        // runc reverts to one rule per condition for the whole entry, not only for the repeated index.
        var rule = Rule("SCMP_ACT_ALLOW", "a", "b");
        rule.Args = [Arg(0, "SCMP_CMP_EQ", 1), Arg(0, "SCMP_CMP_EQ", 2), Arg(1, "SCMP_CMP_EQ", 3)];
        var p = SeccompProgram.Compile(Profile("SCMP_ACT_ERRNO", rule))!;
        Assert.Equal(6, p.Rules.Count);
        Assert.All(p.Rules, r => Assert.Single(r.Conditions));
    }

    [Fact]
    public void ArgIndexAbove5_IsRejected()
    {
        var rule = Rule("SCMP_ACT_ALLOW", "openat");
        rule.Args = [Arg(6, "SCMP_CMP_EQ", 0)];
        var e = Rejected(Profile("SCMP_ACT_ERRNO", rule), "argument index 6 is out of range");
        Assert.Contains("openat", e.Message);
    }

    [Fact]
    public void UnknownOperator_IsRejected_NamingTheSyscall()
    {
        var rule = Rule("SCMP_ACT_ALLOW", "openat");
        rule.Args = [Arg(0, "SCMP_CMP_ABOUT", 0)];
        var e = Rejected(Profile("SCMP_ACT_ERRNO", rule), "unknown operator \"SCMP_CMP_ABOUT\"");
        Assert.Contains("syscalls[0] (openat)", e.Message);
    }

    [Fact]
    public void EmptyNames_AreRejected()
    {
        Rejected(Profile("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW")), "names must contain at least one syscall name");
        Rejected(Profile("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", "read", "")), "empty syscall name");
    }

    [Fact]
    public void NullEntries_AreRejected()
    {
        Rejected(new LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO", Syscalls = [null!] }, "syscalls[0] is null");
        var rule = Rule("SCMP_ACT_ALLOW", "read");
        rule.Args = [null!];
        Rejected(Profile("SCMP_ACT_ERRNO", rule), "args contains null");
    }

    [Fact]
    public void UnknownRuleAction_IsRejected_NamingTheSyscall()
    {
        var e = Rejected(Profile("SCMP_ACT_ERRNO", Rule("SCMP_ACT_PERMIT", "read")), "unknown action \"SCMP_ACT_PERMIT\"");
        Assert.Contains("(read)", e.Message);
    }

    [Fact]
    public void ErrnoRetOnAllowRule_IsRejected() =>
        Rejected(Profile("SCMP_ACT_ERRNO", new LinuxSyscall { Names = ["read"], Action = "SCMP_ACT_ALLOW", ErrnoRet = 1 }),
            "errnoRet is set but SCMP_ACT_ALLOW does not take an errno");
}
