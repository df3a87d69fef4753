using Berth.Interop;
using Berth.Oci;

namespace Berth.Cgroups.V2.Devices;

/// <summary>
/// Compiles device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program. The kernel calls it with a
/// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } (access_type is access &lt;&lt; 16 | type)
/// and allows the access when it returns 1.
/// </summary>
/// <remarks>
/// The rules first go through the v1 emulation (<see cref="DeviceRuleSet"/>), so every block below has the
/// same action and their order does not matter. The checks are those of the v1 controller: an allow exception
/// must cover every requested access bit; a deny exception matches as soon as one requested bit is in it (runc's
/// program checks deny exceptions like allow ones, so "deny c 1:3 w" in an allow-all list lets an "rw" open through;
/// v1 and this program refuse it).
/// </remarks>
internal static class DeviceProgram
{
    // enum bpf_devcg_type
    private const int DevBlock = 1, DevChar = 2;

    private const byte Type = BpfAssembler.R2, Access = BpfAssembler.R3, Major = BpfAssembler.R4, Minor = BpfAssembler.R5,
        Scratch = BpfAssembler.R1, Result = BpfAssembler.R0;

    public static BpfInsn[] Compile(IReadOnlyList<LinuxDeviceCgroup> rules) => Compile(DeviceRuleSet.From(rules));

    public static BpfInsn[] Compile(DeviceRuleSet set)
    {
        var asm = new BpfAssembler();
        // The context pointer (R1) is only read here: afterwards R1 is free for the access test.
        asm.LoadWord(Type, BpfAssembler.R1, 0);
        asm.And32(Type, 0xffff);
        asm.LoadWord(Access, BpfAssembler.R1, 0);
        asm.Rsh32(Access, 16);
        asm.LoadWord(Major, BpfAssembler.R1, 4);
        asm.LoadWord(Minor, BpfAssembler.R1, 8);

        foreach (DeviceException e in set.Exceptions)
        {
            int next = asm.NewLabel();
            asm.JumpIfNotEqualImm(Type, e.Type == 'b' ? DevBlock : DevChar, next);
            if (e.Access != DeviceAccessBits.All)
            {
                asm.MovReg32(Scratch, Access);
                asm.And32(Scratch, (int)e.Access);
                if (set.DefaultAllow) asm.JumpIfEqualImm(Scratch, 0, next);   // deny: no requested bit is denied
                else asm.JumpIfNotEqualReg(Scratch, Access, next); // allow: some requested bit is not allowed
            }
            if (e.Major >= 0) asm.JumpIfNotEqualImm(Major, (int)e.Major, next);
            if (e.Minor >= 0) asm.JumpIfNotEqualImm(Minor, (int)e.Minor, next);
            Return(asm, !set.DefaultAllow);
            asm.Mark(next);
        }
        Return(asm, set.DefaultAllow);
        return asm.Build();
    }

    private static void Return(BpfAssembler asm, bool allow)
    {
        asm.MovImm32(Result, allow ? 1 : 0);
        asm.Exit();
    }
}
