// The typed view of an instruction: what it does, not how it is packed.
// `toOp` reads a slot (and the following one for lddw) into an `Op`;
// `fromOp` packs an `Op` back into one or two slots. fromOp(toOp(x)) == x for every
// instruction `checkInsn` accepts.
import { ALU, ATOMIC, CLASS, JMP, LDDW_CODE, MODE, SIZE_BYTES, BYTES_SIZE, SRC, aluOp, cls, modeOf, sizeOf, srcBit } from './opcodes.ts';
import { insn, type Insn } from './insn.ts';
import { oneLine } from './one-line.ts';

export type Width = 32 | 64;
export type Size = 1 | 2 | 4 | 8;
export type Reg = number;

export type AluName =
  | 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'neg'
  | 'mod' | 'smod' | 'xor' | 'mov' | 'movsx' | 'arsh';
export type JcondName =
  | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';
export type AtomicName = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg' | 'load_acq' | 'store_rel';

/** A second operand: register or 32-bit immediate (sign-extended to 64 for ALU64/JMP). */
export type Operand = { readonly reg: Reg } | { readonly imm: number };

export type Op =
  | { kind: 'alu'; op: AluName; width: Width; dst: Reg; src: Operand; /** movsx: 8|16|32 */ ext?: 8 | 16 | 32 }
  | { kind: 'end'; order: 'le' | 'be' | 'swap'; bits: 16 | 32 | 64; dst: Reg }
  | { kind: 'ja'; /** slots to skip: target = pc + 1 + off */ off: number; long: boolean }
  | { kind: 'jcond'; op: JcondName; width: Width; dst: Reg; src: Operand; off: number }
  /** BPF_JMP|BPF_JCOND with src BPF_MAY_GOTO: jumps once the loop budget runs out. */
  | { kind: 'maygoto'; off: number }
  | { kind: 'call'; callKind: 'helper' | 'local' | 'kfunc'; imm: number; off: number }
  | { kind: 'exit' }
  | { kind: 'lddw'; dst: Reg; pseudo: number; /** low and high 32 bits (imm of both slots) */ lo: number; hi: number }
  | { kind: 'ldabs'; size: Size; imm: number }
  | { kind: 'ldind'; size: Size; src: Reg; imm: number }
  | { kind: 'ldx'; size: Size; signed: boolean; dst: Reg; src: Reg; off: number }
  | { kind: 'st'; size: Size; dst: Reg; off: number; imm: number }
  | { kind: 'stx'; size: Size; dst: Reg; src: Reg; off: number }
  | { kind: 'atomic'; size: 4 | 8; op: AtomicName; fetch: boolean; dst: Reg; src: Reg; off: number };

const ALU_BY_CODE: Record<number, AluName> = {
  [ALU.ADD]: 'add', [ALU.SUB]: 'sub', [ALU.MUL]: 'mul', [ALU.DIV]: 'div', [ALU.OR]: 'or',
  [ALU.AND]: 'and', [ALU.LSH]: 'lsh', [ALU.RSH]: 'rsh', [ALU.NEG]: 'neg', [ALU.MOD]: 'mod',
  [ALU.XOR]: 'xor', [ALU.MOV]: 'mov', [ALU.ARSH]: 'arsh',
};
const ALU_CODE: Record<AluName, number> = {
  add: ALU.ADD, sub: ALU.SUB, mul: ALU.MUL, div: ALU.DIV, sdiv: ALU.DIV, or: ALU.OR, and: ALU.AND,
  lsh: ALU.LSH, rsh: ALU.RSH, neg: ALU.NEG, mod: ALU.MOD, smod: ALU.MOD, xor: ALU.XOR,
  mov: ALU.MOV, movsx: ALU.MOV, arsh: ALU.ARSH,
};
const JCOND_BY_CODE: Record<number, JcondName> = {
  [JMP.JEQ]: 'jeq', [JMP.JGT]: 'jgt', [JMP.JGE]: 'jge', [JMP.JSET]: 'jset', [JMP.JNE]: 'jne',
  [JMP.JSGT]: 'jsgt', [JMP.JSGE]: 'jsge', [JMP.JLT]: 'jlt', [JMP.JLE]: 'jle', [JMP.JSLT]: 'jslt',
  [JMP.JSLE]: 'jsle',
};
export const JCOND_CODE: Record<JcondName, number> = {
  jeq: JMP.JEQ, jgt: JMP.JGT, jge: JMP.JGE, jset: JMP.JSET, jne: JMP.JNE, jsgt: JMP.JSGT,
  jsge: JMP.JSGE, jlt: JMP.JLT, jle: JMP.JLE, jslt: JMP.JSLT, jsle: JMP.JSLE,
};
const ATOMIC_BY_IMM: Record<number, [AtomicName, boolean]> = {
  [ATOMIC.ADD]: ['add', false], [ATOMIC.OR]: ['or', false], [ATOMIC.AND]: ['and', false], [ATOMIC.XOR]: ['xor', false],
  [ATOMIC.ADD | ATOMIC.FETCH]: ['add', true], [ATOMIC.OR | ATOMIC.FETCH]: ['or', true],
  [ATOMIC.AND | ATOMIC.FETCH]: ['and', true], [ATOMIC.XOR | ATOMIC.FETCH]: ['xor', true],
  [ATOMIC.XCHG]: ['xchg', true], [ATOMIC.CMPXCHG]: ['cmpxchg', true],
  [ATOMIC.LOAD_ACQ]: ['load_acq', false], [ATOMIC.STORE_REL]: ['store_rel', false],
};
const ATOMIC_IMM: Record<AtomicName, number> = {
  add: ATOMIC.ADD, or: ATOMIC.OR, and: ATOMIC.AND, xor: ATOMIC.XOR, xchg: ATOMIC.XCHG,
  cmpxchg: ATOMIC.CMPXCHG, load_acq: ATOMIC.LOAD_ACQ, store_rel: ATOMIC.STORE_REL,
};

/** Why an instruction is not valid: the kernel's own wording where it has one. */
export class InsnError extends Error {
  constructor(message: string, readonly index: number) {
    super(oneLine(message));
    this.name = 'InsnError';
  }
}

const fail = (i: number, msg: string): never => {
  throw new InsnError(msg, i);
};

/**
 * Decode slot `i` of `insns` into an Op, enforcing the kernel's reserved-field rules
 * (verifier.c: check_alu_op, check_cond_jmp_op, do_check, resolve_pseudo_ldimm64).
 * The second slot of an lddw is not an instruction of its own: decode the first.
 */
export function toOp(insns: readonly Insn[], i: number): Op {
  const x = insns[i];
  const c = x.code;
  const k = cls(c);
  if (x.dst > 10 && !(k === CLASS.STX || k === CLASS.ST || k === CLASS.JMP || k === CLASS.JMP32)) {
    fail(i, `R${x.dst} is invalid`);
  }
  switch (k) {
    case CLASS.ALU:
    case CLASS.ALU64:
      return aluOpOf(x, i);
    case CLASS.JMP:
    case CLASS.JMP32:
      return jmpOpOf(x, i);
    case CLASS.LD:
      return ldOpOf(insns, i);
    case CLASS.LDX: {
      const m = modeOf(c);
      if ((m !== MODE.MEM && m !== MODE.MEMSX) || x.imm !== 0) fail(i, 'BPF_LDX uses reserved fields');
      if (m === MODE.MEMSX && sizeOf(c) === 0x18) fail(i, `unknown opcode ${hex2(c)}`);
      checkReg(x.src, i);
      return { kind: 'ldx', size: SIZE_BYTES[sizeOf(c)], signed: m === MODE.MEMSX, dst: x.dst, src: x.src, off: x.off };
    }
    case CLASS.ST:
      if (modeOf(c) !== MODE.MEM || x.src !== 0) fail(i, 'BPF_ST uses reserved fields');
      checkReg(x.dst, i);
      return { kind: 'st', size: SIZE_BYTES[sizeOf(c)], dst: x.dst, off: x.off, imm: x.imm };
    default: {
      // STX
      checkReg(x.dst, i);
      checkReg(x.src, i);
      if (modeOf(c) === MODE.ATOMIC) {
        const size = SIZE_BYTES[sizeOf(c)];
        if (size !== 4 && size !== 8) fail(i, 'invalid atomic operand size');
        const a = ATOMIC_BY_IMM[x.imm];
        if (!a) fail(i, `BPF_ATOMIC uses invalid atomic opcode ${hex2(x.imm)}`);
        return { kind: 'atomic', size: size as 4 | 8, op: a[0], fetch: a[1], dst: x.dst, src: x.src, off: x.off };
      }
      if (modeOf(c) !== MODE.MEM || x.imm !== 0) fail(i, 'BPF_STX uses reserved fields');
      return { kind: 'stx', size: SIZE_BYTES[sizeOf(c)], dst: x.dst, src: x.src, off: x.off };
    }
  }
}

function checkReg(r: number, i: number): void {
  if (r > 10) fail(i, `R${r} is invalid`);
}

const hex2 = (n: number): string => (n >>> 0).toString(16).padStart(2, '0');

// Operands are never mutated once decoded, so decoding shares them: one object per register and
// one per small immediate, made here once (a check decodes every instruction; an operand object
// per ALU or conditional jump was a third of the decoder's allocation).
const REG_OPERANDS: readonly Operand[] = Array.from({ length: 11 }, (_, r) => ({ reg: r }));
const SMALL_IMM_LO = -256, SMALL_IMM_HI = 256;
const IMM_OPERANDS: readonly Operand[] = Array.from({ length: SMALL_IMM_HI - SMALL_IMM_LO }, (_, k) => ({ imm: k + SMALL_IMM_LO }));
/** The operand for register `r` (0..10, checked by the caller). */
const regOperand = (r: number): Operand => REG_OPERANDS[r];
/** The operand for immediate `imm` (a hand-made slot's non-integer one gets an object of its own). */
const immOperand = (imm: number): Operand =>
  (imm >= SMALL_IMM_LO && imm < SMALL_IMM_HI ? IMM_OPERANDS[imm - SMALL_IMM_LO] : undefined) ?? { imm };

function aluOpOf(x: Insn, i: number): Op {
  const width: Width = cls(x.code) === CLASS.ALU64 ? 64 : 32;
  const o = aluOp(x.code);
  const isX = srcBit(x.code) === SRC.X;
  if (o === ALU.END) {
    if (x.src !== 0 || x.off !== 0 || (x.imm !== 16 && x.imm !== 32 && x.imm !== 64) || (width === 64 && isX)) {
      fail(i, 'BPF_END uses reserved fields');
    }
    const order = width === 64 ? 'swap' : isX ? 'be' : 'le';
    return { kind: 'end', order, bits: x.imm as 16 | 32 | 64, dst: x.dst };
  }
  if (o === ALU.NEG) {
    if (isX || x.src !== 0 || x.off !== 0 || x.imm !== 0) fail(i, 'BPF_NEG uses reserved fields');
    return { kind: 'alu', op: 'neg', width, dst: x.dst, src: immOperand(0) };
  }
  if (o > ALU.END) fail(i, `invalid BPF_ALU opcode ${(o >> 4).toString(16)}0`);
  if (o === ALU.MOV) {
    if (isX) {
      // movsx's extension widths: 8 and 16, and 32 for ALU64 only
      const offOk = x.off === 0 || x.off === 8 || x.off === 16 || (x.off === 32 && width === 64);
      if (!offOk || x.imm !== 0) fail(i, 'BPF_MOV uses reserved fields');
      checkReg(x.src, i);
      if (x.off === 0) return { kind: 'alu', op: 'mov', width, dst: x.dst, src: regOperand(x.src) };
      return { kind: 'alu', op: 'movsx', width, dst: x.dst, src: regOperand(x.src), ext: x.off as 8 | 16 | 32 };
    }
    if (x.src !== 0 || x.off !== 0) fail(i, 'BPF_MOV uses reserved fields');
    return { kind: 'alu', op: 'mov', width, dst: x.dst, src: immOperand(x.imm) };
  }
  const signedOk = o === ALU.DIV || o === ALU.MOD;
  if (isX) {
    if (x.imm !== 0 || (x.off !== 0 && x.off !== 1) || (x.off === 1 && !signedOk)) fail(i, 'BPF_ALU uses reserved fields');
    checkReg(x.src, i);
  } else if (x.src !== 0 || (x.off !== 0 && x.off !== 1) || (x.off === 1 && !signedOk)) {
    fail(i, 'BPF_ALU uses reserved fields');
  }
  let op = ALU_BY_CODE[o];
  if (x.off === 1) op = o === ALU.DIV ? 'sdiv' : 'smod';
  return { kind: 'alu', op, width, dst: x.dst, src: isX ? regOperand(x.src) : immOperand(x.imm) };
}

function jmpOpOf(x: Insn, i: number): Op {
  const jmp32 = cls(x.code) === CLASS.JMP32;
  const o = x.code & 0xf0;
  const isX = srcBit(x.code) === SRC.X;
  if (o === JMP.CALL) {
    if (isX || (x.src !== 2 && x.off !== 0) || x.src > 2 || x.dst !== 0 || jmp32) fail(i, 'BPF_CALL uses reserved fields');
    const callKind = x.src === 0 ? 'helper' : x.src === 1 ? 'local' : 'kfunc';
    return { kind: 'call', callKind, imm: x.imm, off: x.off };
  }
  if (o === JMP.JA) {
    if (isX || x.src !== 0 || x.dst !== 0 || (!jmp32 && x.imm !== 0) || (jmp32 && x.off !== 0)) fail(i, 'BPF_JA uses reserved fields');
    return { kind: 'ja', off: jmp32 ? x.imm : x.off, long: jmp32 };
  }
  if (o === JMP.JCOND && !jmp32 && !isX) {
    // check_cond_jmp_op's one message for every malformed BPF_JCOND
    if (isX || x.src !== 0 || x.dst !== 0 || x.imm !== 0) fail(i, `invalid may_goto imm ${x.imm}`);
    return { kind: 'maygoto', off: x.off };
  }
  if (o === JMP.EXIT) {
    if (isX || x.imm !== 0 || x.src !== 0 || x.dst !== 0 || jmp32) fail(i, 'BPF_EXIT uses reserved fields');
    return { kind: 'exit' };
  }
  const op = JCOND_BY_CODE[o];
  if (!op) fail(i, `unknown opcode ${hex2(x.code)}`);
  checkReg(x.dst, i);
  if (isX) {
    if (x.imm !== 0) fail(i, 'BPF_JMP/JMP32 uses reserved fields');
    checkReg(x.src, i);
  } else if (x.src !== 0) fail(i, 'BPF_JMP/JMP32 uses reserved fields');
  return { kind: 'jcond', op, width: jmp32 ? 32 : 64, dst: x.dst, src: isX ? regOperand(x.src) : immOperand(x.imm), off: x.off };
}

function ldOpOf(insns: readonly Insn[], i: number): Op {
  const x = insns[i];
  const m = modeOf(x.code);
  if (m === MODE.IMM) {
    if (x.code !== LDDW_CODE) fail(i, 'invalid BPF_LD_IMM insn');
    if (x.off !== 0) fail(i, 'BPF_LD_IMM64 uses reserved fields');
    const y = insns[i + 1];
    if (!y || y.code !== 0 || y.dst !== 0 || y.src !== 0 || y.off !== 0) fail(i, 'invalid bpf_ld_imm64 insn');
    if (x.src > 6) fail(i, 'unrecognized bpf_ld_imm64 insn');
    return { kind: 'lddw', dst: x.dst, pseudo: x.src, lo: x.imm, hi: y.imm };
  }
  if (m === MODE.ABS || m === MODE.IND) {
    if (x.dst !== 0 || x.off !== 0 || sizeOf(x.code) === 0x18 || (m === MODE.ABS && x.src !== 0)) {
      fail(i, 'BPF_LD_[ABS|IND] uses reserved fields');
    }
    const size = SIZE_BYTES[sizeOf(x.code)];
    if (m === MODE.ABS) return { kind: 'ldabs', size, imm: x.imm };
    checkReg(x.src, i);
    return { kind: 'ldind', size, src: x.src, imm: x.imm };
  }
  return fail(i, `unknown opcode ${hex2(x.code)}`);
}

/** Number of slots an Op occupies. */
export const opSlots = (op: Op): 1 | 2 => (op.kind === 'lddw' ? 2 : 1);

/** Pack an Op into its slot(s). */
export function fromOp(op: Op): Insn[] {
  switch (op.kind) {
    case 'alu': {
      const k = op.width === 64 ? CLASS.ALU64 : CLASS.ALU;
      const code = k | ALU_CODE[op.op] | ('reg' in op.src ? SRC.X : SRC.K);
      const off = op.op === 'sdiv' || op.op === 'smod' ? 1 : op.op === 'movsx' ? (op.ext ?? 0) : 0;
      if (op.op === 'neg') return [insn(k | ALU.NEG, op.dst)];
      return 'reg' in op.src ? [insn(code, op.dst, op.src.reg, off, 0)] : [insn(code, op.dst, 0, off, op.src.imm)];
    }
    case 'end': {
      const code = op.order === 'swap' ? CLASS.ALU64 | ALU.END : CLASS.ALU | ALU.END | (op.order === 'be' ? SRC.X : SRC.K);
      return [insn(code, op.dst, 0, 0, op.bits)];
    }
    case 'ja':
      return op.long ? [insn(CLASS.JMP32 | JMP.JA, 0, 0, 0, op.off)] : [insn(CLASS.JMP | JMP.JA, 0, 0, op.off, 0)];
    case 'jcond': {
      const code = (op.width === 32 ? CLASS.JMP32 : CLASS.JMP) | JCOND_CODE[op.op] | ('reg' in op.src ? SRC.X : SRC.K);
      return 'reg' in op.src ? [insn(code, op.dst, op.src.reg, op.off, 0)] : [insn(code, op.dst, 0, op.off, op.src.imm)];
    }
    case 'maygoto':
      return [insn(CLASS.JMP | JMP.JCOND, 0, 0, op.off, 0)];
    case 'call':
      return [insn(CLASS.JMP | JMP.CALL, 0, op.callKind === 'helper' ? 0 : op.callKind === 'local' ? 1 : 2, op.off, op.imm)];
    case 'exit':
      return [insn(CLASS.JMP | JMP.EXIT)];
    case 'lddw':
      return [insn(LDDW_CODE, op.dst, op.pseudo, 0, op.lo), insn(0, 0, 0, 0, op.hi)];
    case 'ldabs':
      return [insn(CLASS.LD | MODE.ABS | BYTES_SIZE[op.size], 0, 0, 0, op.imm)];
    case 'ldind':
      return [insn(CLASS.LD | MODE.IND | BYTES_SIZE[op.size], 0, op.src, 0, op.imm)];
    case 'ldx':
      return [insn(CLASS.LDX | (op.signed ? MODE.MEMSX : MODE.MEM) | BYTES_SIZE[op.size], op.dst, op.src, op.off, 0)];
    case 'st':
      return [insn(CLASS.ST | MODE.MEM | BYTES_SIZE[op.size], op.dst, 0, op.off, op.imm)];
    case 'stx':
      return [insn(CLASS.STX | MODE.MEM | BYTES_SIZE[op.size], op.dst, op.src, op.off, 0)];
    case 'atomic': {
      let imm = ATOMIC_IMM[op.op];
      if (op.fetch && (op.op === 'add' || op.op === 'or' || op.op === 'and' || op.op === 'xor')) imm |= ATOMIC.FETCH;
      return [insn(CLASS.STX | MODE.ATOMIC | BYTES_SIZE[op.size], op.dst, op.src, op.off, imm)];
    }
  }
}

/** 64-bit value of an lddw (unsigned). */
export const lddwValue = (op: { lo: number; hi: number }): bigint =>
  (BigInt(op.hi >>> 0) << 32n) | BigInt(op.lo >>> 0);

/** Split a 64-bit value into lddw's lo/hi immediates. */
export function lddwParts(v: bigint): { lo: number; hi: number } {
  const u = BigInt.asUintN(64, v);
  return { lo: Number(u & 0xffffffffn) | 0, hi: Number(u >> 32n) | 0 };
}

let programsDecoded = 0;
/** How many times toOps has run in this process (a test checks that the search decodes a program once). */
export const toOpsCalls = (): number => programsDecoded;

/** Decode every instruction of a program; slot i of an lddw's second half maps to null. */
export function toOps(insns: readonly Insn[]): (Op | null)[] {
  programsDecoded++;
  const out: (Op | null)[] = [];
  for (let i = 0; i < insns.length; i++) {
    const op = toOp(insns, i);
    out.push(op);
    if (op.kind === 'lddw') {
      out.push(null);
      i++;
    }
  }
  return out;
}
