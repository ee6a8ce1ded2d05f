// eBPF opcode constants (RFC 9669 and Linux's include/uapi/linux/bpf.h).
// opcode byte = class (3 low bits) | the class-specific upper bits.

export const CLASS = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;
export const CLASS_NAME = ['LD', 'LDX', 'ST', 'STX', 'ALU', 'JMP', 'JMP32', 'ALU64'] as const;

/** Source bit for ALU/JMP: K = immediate, X = register. For END it selects the byte order. */
export const SRC = { K: 0x00, X: 0x08 } as const;

export const ALU = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70,
  NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;

export const JMP = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70,
  CALL: 0x80, EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0, JCOND: 0xe0,
} as const;

/** Size field of LD/LDX/ST/STX. */
export const SIZE = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export const SIZE_BYTES: Record<number, 1 | 2 | 4 | 8> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
export const BYTES_SIZE: Record<1 | 2 | 4 | 8, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

/** Mode field of LD/LDX/ST/STX. */
export const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

/** imm of an ATOMIC instruction. */
export const ATOMIC = {
  ADD: 0x00, OR: 0x40, AND: 0x50, XOR: 0xa0,
  FETCH: 0x01, XCHG: 0xe0 | 0x01, CMPXCHG: 0xf0 | 0x01,
  LOAD_ACQ: 0x100, STORE_REL: 0x110,
} as const;

/** src of lddw (BPF_PSEUDO_*): how the 64-bit immediate is to be read. */
export const PSEUDO = {
  NONE: 0, MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6,
} as const;

/** src of CALL. */
export const CALL_KIND = { HELPER: 0, LOCAL: 1, KFUNC: 2 } as const;

export const LDDW_CODE = CLASS.LD | MODE.IMM | SIZE.DW; // 0x18
export const CALL_CODE = CLASS.JMP | JMP.CALL; // 0x85

export const cls = (code: number): number => code & 0x07;
export const aluOp = (code: number): number => code & 0xf0;
export const jmpOp = (code: number): number => code & 0xf0;
export const srcBit = (code: number): number => code & 0x08;
export const sizeOf = (code: number): number => code & 0x18;
export const modeOf = (code: number): number => code & 0xe0;

export const MAX_REG = 10; // r0..r10; r10 is the read-only frame pointer
export const FP = 10;
