using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Berth.Oci;
using Berth.Runtime.Seccomp;

namespace Berth.Runtime.Tests.Seccomp;

/// <summary>
/// Our constants and struct layout against the real seccomp.h, in the manner of Tmds.LibC's
/// ConstantsTests: a C program prints what the header says, and we compare.
/// </summary>
public sealed class SeccompHeaderTests
{
    private static Dictionary<string, ulong> HeaderValues(string cNames)
    {
        string source = $$"""
            #include <stddef.h>
            #include <stdio.h>
            #include <linux/audit.h>
            #include <seccomp.h>
            #define P(x) printf("%s=%llu\n", #x, (unsigned long long)(x));
            int main(void) {
            {{cNames}}
                return 0;
            }
            """;
        return Encoding.ASCII.GetString(CCompiler.Run(source))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('='))
            .ToDictionary(p => p[0], p => ulong.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [SeccompHeaderFact]
    public void Actions_MatchHeader()
    {
        var h = HeaderValues("""
            P(SCMP_ACT_KILL) P(SCMP_ACT_KILL_PROCESS) P(SCMP_ACT_KILL_THREAD) P(SCMP_ACT_TRAP)
            P(SCMP_ACT_ERRNO(0)) P(SCMP_ACT_TRACE(0)) P(SCMP_ACT_ALLOW) P(SCMP_ACT_LOG) P(SCMP_ACT_NOTIFY)
            P(SCMP_ACT_ERRNO(38)) P(SCMP_ACT_TRACE(65535))
            """);
        foreach (var (name, value) in SeccompTables.Actions)
            Assert.True(h[SeccompTables.TakesErrno(name) ? name + "(0)" : name] == value, name);
        Assert.Equal(h["SCMP_ACT_ERRNO(38)"], SeccompProgram.Action("SCMP_ACT_ERRNO", 38));
        Assert.Equal(h["SCMP_ACT_TRACE(65535)"], SeccompProgram.Action("SCMP_ACT_TRACE", 65535));
    }

    [SeccompHeaderFact]
    public void Operators_MatchHeader()
    {
        var h = HeaderValues(string.Concat(SeccompTables.Operators.Keys.Select(k => $"P({k}) ")));
        foreach (var (name, value) in SeccompTables.Operators)
            Assert.True(h[name] == value, name);
    }

    [SeccompHeaderFact]
    public void Architectures_MatchHeader()
    {
        // libseccomp 2.5 lacks the last four; their definitions in 2.6 are AUDIT_ARCH_* from linux/audit.h.
        var fallback = new Dictionary<string, string>
        {
            ["SCMP_ARCH_LOONGARCH64"] = "AUDIT_ARCH_LOONGARCH64",
            ["SCMP_ARCH_M68K"] = "AUDIT_ARCH_M68K",
            ["SCMP_ARCH_SH"] = "AUDIT_ARCH_SHEL",
            ["SCMP_ARCH_SHEB"] = "AUDIT_ARCH_SH",
        };
        var c = new StringBuilder();
        foreach (string name in SeccompTables.Architectures.Keys)
        {
            c.Append($"#ifdef {name}\nP({name})\n");
            if (fallback.TryGetValue(name, out string? audit))
                c.Append($"#else\nprintf(\"%s=%llu\\n\", \"{name}\", (unsigned long long)({audit}));\n");
            c.Append("#endif\n");
        }
        var h = HeaderValues(c.ToString());
        foreach (var (name, value) in SeccompTables.Architectures)
        {
            Assert.True(h.ContainsKey(name), $"{name} is not in seccomp.h");
            Assert.True(h[name] == value, $"{name}: header 0x{h[name]:x}, ours 0x{value:x}");
        }
    }

    [SeccompHeaderFact]
    public void FilterAttributesAndStructLayout_MatchHeader()
    {
        var h = HeaderValues("""
            P(SCMP_FLTATR_ACT_DEFAULT) P(SCMP_FLTATR_ACT_BADARCH) P(SCMP_FLTATR_CTL_NNP) P(SCMP_FLTATR_CTL_TSYNC)
            P(SCMP_FLTATR_API_TSKIP) P(SCMP_FLTATR_CTL_LOG) P(SCMP_FLTATR_CTL_SSB) P(SCMP_FLTATR_CTL_OPTIMIZE)
            P(SCMP_FLTATR_API_SYSRAWRC)
            #if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
            P(SCMP_FLTATR_CTL_WAITKILL)
            #endif
            P(sizeof(struct scmp_arg_cmp)) P(offsetof(struct scmp_arg_cmp, arg)) P(offsetof(struct scmp_arg_cmp, op))
            P(offsetof(struct scmp_arg_cmp, datum_a)) P(offsetof(struct scmp_arg_cmp, datum_b))
            P(sizeof(struct scmp_version)) P(__NR_SCMP_ERROR + 0)
            """);

        // The bindings are internal and Berth.Runtime does not (yet) grant Berth.Runtime.Tests access,
        // so this one test looks them up by name.
        Assembly runtime = typeof(SeccompFilter).Assembly;
        Type attr = runtime.GetType("Berth.Runtime.Seccomp.ScmpFilterAttr", throwOnError: true)!;
        string[] names = ["ActDefault", "ActBadArch", "CtlNnp", "CtlTsync", "ApiTskip", "CtlLog", "CtlSsb", "CtlOptimize", "ApiSysRawRc"];
        string[] cNames = ["SCMP_FLTATR_ACT_DEFAULT", "SCMP_FLTATR_ACT_BADARCH", "SCMP_FLTATR_CTL_NNP", "SCMP_FLTATR_CTL_TSYNC",
            "SCMP_FLTATR_API_TSKIP", "SCMP_FLTATR_CTL_LOG", "SCMP_FLTATR_CTL_SSB", "SCMP_FLTATR_CTL_OPTIMIZE", "SCMP_FLTATR_API_SYSRAWRC"];
        for (int i = 0; i < names.Length; i++)
            Assert.True(h[cNames[i]] == Convert.ToUInt64(Enum.Parse(attr, names[i])), names[i]);
        if (h.TryGetValue("SCMP_FLTATR_CTL_WAITKILL", out ulong waitKill))
            Assert.Equal(waitKill, Convert.ToUInt64(Enum.Parse(attr, "CtlWaitKill")));
        else
            Assert.Equal(10, (int)Enum.Parse(attr, "CtlWaitKill")); // libseccomp 2.6's seccomp.h.in

        Type cmp = runtime.GetType("Berth.Runtime.Seccomp.ScmpArgCmp", throwOnError: true)!;
        Assert.Equal(h["sizeof(struct scmp_arg_cmp)"], (ulong)Marshal.SizeOf(cmp));
        Assert.Equal(h["offsetof(struct scmp_arg_cmp, arg)"], (ulong)Marshal.OffsetOf(cmp, "Arg"));
        Assert.Equal(h["offsetof(struct scmp_arg_cmp, op)"], (ulong)Marshal.OffsetOf(cmp, "Op"));
        Assert.Equal(h["offsetof(struct scmp_arg_cmp, datum_a)"], (ulong)Marshal.OffsetOf(cmp, "DatumA"));
        Assert.Equal(h["offsetof(struct scmp_arg_cmp, datum_b)"], (ulong)Marshal.OffsetOf(cmp, "DatumB"));
        Assert.Equal(h["sizeof(struct scmp_version)"], (ulong)Marshal.SizeOf(runtime.GetType("Berth.Runtime.Seccomp.ScmpVersion", true)!));
        Assert.Equal(unchecked((ulong)-1L), h["__NR_SCMP_ERROR + 0"]);
    }

    /// <summary>
    /// The same filter built by C calling libseccomp directly and by SeccompFilter from config.json
    /// must give the same BPF, byte for byte: this checks the bindings, the constants, syscall-name
    /// resolution (including a pseudo syscall) and the runc-style splitting of same-argument rules.
    /// </summary>
    [SeccompHeaderFact]
    public void Bpf_IsIdenticalToTheSameFilterBuiltInC()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64) return; // the rules name x86_64 syscalls

        byte[] expected = CCompiler.Run("""
            #include <seccomp.h>
            int main(void) {
                scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(1));
                if (!ctx) return 2;
                if (seccomp_arch_add(ctx, SCMP_ARCH_X86) || seccomp_arch_add(ctx, SCMP_ARCH_X32)) return 3;
                if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) return 4;
            #define R(...) if (seccomp_rule_add(ctx, __VA_ARGS__)) return 5;
                R(SCMP_ACT_ALLOW, SCMP_SYS(read), 0)
                R(SCMP_ACT_ALLOW, SCMP_SYS(write), 0)
                R(SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_LT, 38))
                R(SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, 39))
                R(SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GT, 40))
                R(SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7E020000, 0))
                R(SCMP_ACT_ERRNO(38), SCMP_SYS(clone3), 0)
                R(SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0)
                R(SCMP_ACT_TRAP, SCMP_SYS(kexec_load), 0)
                R(SCMP_ACT_LOG, SCMP_SYS(uname), 0)
                R(SCMP_ACT_TRACE(5), SCMP_SYS(mkdirat), 2, SCMP_A1(SCMP_CMP_NE, 0), SCMP_A2(SCMP_CMP_GE, 0700))
                R(SCMP_ACT_ALLOW, SCMP_SYS(socketcall), 0)
                R(SCMP_ACT_KILL, SCMP_SYS(kill), 2, SCMP_A0(SCMP_CMP_LE, 1), SCMP_A1(SCMP_CMP_EQ, 9))
                return seccomp_export_bpf(ctx, 1) ? 6 : 0;
            }
            """);

        static LinuxSeccompArg A(uint i, string op, ulong v, ulong v2 = 0) => new() { Index = i, Op = op, Value = v, ValueTwo = v2 };
        var spec = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ERRNO",
            Architectures = ["SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Flags = [],
            Syscalls =
            [
                new() { Names = ["read", "write"], Action = "SCMP_ACT_ALLOW" },
                new() { Names = ["socket"], Action = "SCMP_ACT_ALLOW", Args = [A(0, "SCMP_CMP_LT", 38), A(0, "SCMP_CMP_EQ", 39), A(0, "SCMP_CMP_GT", 40)] },
                new() { Names = ["clone"], Action = "SCMP_ACT_ALLOW", Args = [A(0, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0)] },
                new() { Names = ["clone3"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 38 },
                new() { Names = ["ptrace"], Action = "SCMP_ACT_KILL_PROCESS" },
                new() { Names = ["kexec_load"], Action = "SCMP_ACT_TRAP" },
                new() { Names = ["uname"], Action = "SCMP_ACT_LOG" },
                new() { Names = ["mkdirat"], Action = "SCMP_ACT_TRACE", ErrnoRet = 5, Args = [A(1, "SCMP_CMP_NE", 0), A(2, "SCMP_CMP_GE", 0x1C0)] },
                new() { Names = ["socketcall", "berth_future_syscall_not_in_any_kernel"], Action = "SCMP_ACT_ALLOW" },
                new() { Names = ["kill"], Action = "SCMP_ACT_KILL", Args = [A(0, "SCMP_CMP_LE", 1), A(1, "SCMP_CMP_EQ", 9)] },
                new() { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" }, // equal to the default: dropped
            ],
        };
        byte[] actual = SeccompFilter.ExportBpf(spec);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }
}
