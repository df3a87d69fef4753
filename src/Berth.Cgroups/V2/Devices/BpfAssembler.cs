using Berth.Interop;

namespace Berth.Cgroups.V2.Devices;

/// <summary>
/// Just enough of an eBPF assembler for the device program: 32-bit loads from the context, a few 32-bit ALU
/// operations, conditional jumps forward to a label, and exit. Opcodes are class | operation | source, as in
/// include/uapi/linux/bpf_common.h and bpf.h.
/// </summary>
internal sealed class BpfAssembler
{
    public const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    // classes
    private const byte Ldx = 0x01, Alu32 = 0x04, Jmp = 0x05;
    // size and mode of a load
    private const byte SizeWord = 0x00, ModeMem = 0x60;
    // ALU and jump operations
    private const byte OpAnd = 0x50, OpRsh = 0x70, OpMov = 0xb0, OpJeq = 0x10, OpJne = 0x50, OpExit = 0x90;
    // source: immediate (K) or register (X)
    private const byte SrcK = 0x00, SrcX = 0x08;

    private readonly List<BpfInsn> _code = [];
    private readonly List<(int At, int Label)> _fixups = [];
    private readonly List<int> _labels = [];

    public int Count => _code.Count;

    /// <summary>A label to jump to, placed later with <see cref="Mark"/>.</summary>
    public int NewLabel()
    {
        _labels.Add(-1);
        return _labels.Count - 1;
    }

    public void Mark(int label) => _labels[label] = _code.Count;

    /// <summary>dst = *(u32 *)(src + off)</summary>
    public void LoadWord(byte dst, byte src, short off) => Emit(Ldx | SizeWord | ModeMem, dst, src, off, 0);

    public void And32(byte dst, int imm) => Emit(Alu32 | OpAnd | SrcK, dst, 0, 0, imm);

    public void Rsh32(byte dst, int imm) => Emit(Alu32 | OpRsh | SrcK, dst, 0, 0, imm);

    public void MovImm32(byte dst, int imm) => Emit(Alu32 | OpMov | SrcK, dst, 0, 0, imm);

    public void MovReg32(byte dst, byte src) => Emit(Alu32 | OpMov | SrcX, dst, src, 0, 0);

    public void JumpIfNotEqualImm(byte dst, int imm, int label) => EmitJump(Jmp | OpJne | SrcK, dst, 0, imm, label);

    public void JumpIfNotEqualReg(byte dst, byte src, int label) => EmitJump(Jmp | OpJne | SrcX, dst, src, 0, label);

    public void JumpIfEqualImm(byte dst, int imm, int label) => EmitJump(Jmp | OpJeq | SrcK, dst, 0, imm, label);

    public void Exit() => Emit(Jmp | OpExit, 0, 0, 0, 0);

    /// <summary>The program, with every jump resolved to its label (offsets count from the next instruction).</summary>
    public BpfInsn[] Build()
    {
        var code = _code.ToArray();
        foreach (var (at, label) in _fixups)
        {
            int target = _labels[label];
            if (target <= at) throw new InvalidOperationException($"label {label} is not placed after the jump at {at}");
            code[at] = code[at] with { Off = checked((short)(target - at - 1)) };
        }
        return code;
    }

    private void EmitJump(int code, byte dst, byte src, int imm, int label)
    {
        _fixups.Add((_code.Count, label));
        Emit(code, dst, src, 0, imm);
    }

    private void Emit(int code, byte dst, byte src, short off, int imm) =>
        _code.Add(new BpfInsn((byte)code, (byte)(dst | src << 4), off, imm));
}
