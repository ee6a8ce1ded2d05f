// Pre-decoding: turn instruction slots into a compact Int32Array the loop can switch on.
//
// Four words per slot:
//   [0] internal opcode | dst << 8
//   [1] source operand index into the register file: 0..10 for registers, or a constant
//       slot >= CONST_BASE holding the instruction's immediate (sign-extended to 64 bits).
//       So K and X forms share one case in the loop.
//   [2] memory offset, or absolute jump/call target
//   [3] auxiliary immediate (helper id, atomic op, LD_ABS offset, lddw high half...)
// Several programs (the entry and its tail-call targets) are decoded into one array; each is
// followed by a sentinel slot that faults with 'fell-off-end'.
import { toOp, type Op } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import { CODE_TAG, FIRST_MAP_REGION, MAP_TAG, TAG } from './layout.ts';

/** Register-file index of the first constant slot. */
export const CONST_BASE = 16;

/** BPF_JMP | BPF_CALL | BPF_X. */
const CALLX_CODE = 0x8d;

// Internal opcodes. ALU ops come in 64/32 pairs, conditions in 64/32 pairs.
export const O = {
  INVALID: 0,
  ADD64: 1, SUB64: 2, MUL64: 3, DIV64: 4, SDIV64: 5, OR64: 6, AND64: 7, LSH64: 8, RSH64: 9,
  NEG64: 10, MOD64: 11, SMOD64: 12, XOR64: 13, MOV64: 14, ARSH64: 15, MOVSX64_8: 16,
  MOVSX64_16: 17, MOVSX64_32: 18,
  ADD32: 21, SUB32: 22, MUL32: 23, DIV32: 24, SDIV32: 25, OR32: 26, AND32: 27, LSH32: 28, RSH32: 29,
  NEG32: 30, MOD32: 31, SMOD32: 32, XOR32: 33, MOV32: 34, ARSH32: 35, MOVSX32_8: 36, MOVSX32_16: 37,
  LE16: 40, LE32: 41, NOP: 42, SWAP16: 43, SWAP32: 44, SWAP64: 45,
  JA: 50,
  JEQ: 51, JGT: 52, JGE: 53, JSET: 54, JNE: 55, JSGT: 56, JSGE: 57, JLT: 58, JLE: 59, JSLT: 60, JSLE: 61,
  JEQ32: 71, JGT32: 72, JGE32: 73, JSET32: 74, JNE32: 75, JSGT32: 76, JSGE32: 77, JLT32: 78,
  JLE32: 79, JSLT32: 80, JSLE32: 81,
  CALL: 90, CALL_LOCAL: 91, EXIT: 92, CALLX: 93, MAYGOTO: 94,
  LDDW: 100, LDABS: 101, LDIND: 102,
  LDXB: 110, LDXH: 111, LDXW: 112, LDXDW: 113, LDXSB: 114, LDXSH: 115, LDXSW: 116,
  STB: 120, STH: 121, STW: 122, STDW: 123,
  ATOMIC: 130,
  BAD_JUMP: 140, FELL_OFF: 141,
} as const;

const ALU_BASE: Record<string, number> = {
  add: O.ADD64, sub: O.SUB64, mul: O.MUL64, div: O.DIV64, sdiv: O.SDIV64, or: O.OR64, and: O.AND64,
  lsh: O.LSH64, rsh: O.RSH64, neg: O.NEG64, mod: O.MOD64, smod: O.SMOD64, xor: O.XOR64, mov: O.MOV64,
  arsh: O.ARSH64,
};
const JCOND_BASE: Record<string, number> = {
  jeq: O.JEQ, jgt: O.JGT, jge: O.JGE, jset: O.JSET, jne: O.JNE, jsgt: O.JSGT, jsge: O.JSGE,
  jlt: O.JLT, jle: O.JLE, jslt: O.JSLT, jsle: O.JSLE,
};
const LDX_CODE: Record<number, number> = { 1: O.LDXB, 2: O.LDXH, 4: O.LDXW, 8: O.LDXDW };
const LDXSX_CODE: Record<number, number> = { 1: O.LDXSB, 2: O.LDXSH, 4: O.LDXSW };
const ST_CODE: Record<number, number> = { 1: O.STB, 2: O.STH, 4: O.STW, 8: O.STDW };
const ATOMIC_SUB: Record<string, number> = { add: 0, or: 1, and: 2, xor: 3, xchg: 4, cmpxchg: 5, load_acq: 6, store_rel: 7 };

export interface Decoded {
  readonly code: Int32Array;
  /** Register-file initial contents for the constant slots (lo, hi), from index CONST_BASE. */
  readonly constLo: Int32Array;
  readonly constHi: Int32Array;
  /** Global slot of each program's first instruction. */
  readonly entries: readonly number[];
  /** For each global slot: index of the program it belongs to. */
  readonly progOf: Int32Array;
  /** For each global slot: the slot number inside its own program (what faults report). */
  readonly localPc: Int32Array;
  /** Why slot i is invalid (only for INVALID slots). */
  readonly invalid: Map<number, string>;
  /** For BAD_JUMP sentinels: the slot whose jump target was outside the program. */
  readonly badJumpFrom: Map<number, number>;
}

/** Decode `progs` (entry first) into one array. `nMaps` bounds lddw map indices. */
export function decodePrograms(progs: readonly Program[], nMaps: number): Decoded {
  const words: number[] = [];
  const cLo: number[] = [];
  const cHi: number[] = [];
  const entries: number[] = [];
  const progOf: number[] = [];
  const localPc: number[] = [];
  const invalid = new Map<number, string>();
  const badJumpFrom = new Map<number, number>();
  const fixups: { at: number; from: number; target: number; prog: number }[] = [];

  const constSlot = (lo: number, hi: number): number => {
    cLo.push(lo | 0);
    cHi.push(hi | 0);
    return CONST_BASE + cLo.length - 1;
  };
  const emit = (op: number, dst: number, src: number, w2: number, w3: number, prog: number, pc: number): void => {
    words.push(op | (dst << 8), src, w2 | 0, w3 | 0);
    progOf.push(prog);
    localPc.push(pc);
  };

  // (helpers outside the per-instruction loop: no closure is created per slot)
  let p = 0, pc = 0, g = 0;
  const jump = (opc: number, dst: number, src: number, off: number): void => {
    emit(opc, dst, src, 0, 0, p, pc);
    fixups.push({ at: g, from: pc, target: pc + 1 + off, prog: p });
  };
  const srcOf = (o: { reg: number } | { imm: number }): number => ('reg' in o ? o.reg : constSlot(o.imm, o.imm >> 31));

  for (p = 0; p < progs.length; p++) {
    const prog = progs[p];
    const entry = words.length / 4;
    entries.push(entry);
    const n = prog.insns.length;
    for (pc = 0; pc < n; pc++) {
      const raw = prog.insns[pc];
      if (raw.code === CALLX_CODE && raw.src === 0 && raw.off === 0 && raw.imm === 0 && raw.dst <= 10) {
        // callx as bpf_conformance defines it (BPF_JMP | BPF_CALL | BPF_X): the helper id is
        // in register dst. Linux has no such instruction (the verifier model refuses it, as
        // the kernel does); only the interpreter runs it, for the conformance suite.
        g = entry + pc;
        emit(O.CALLX, raw.dst, 0, 0, 0, p, pc);
        continue;
      }
      let op: Op;
      try {
        op = toOp(prog.insns, pc);
      } catch (e) {
        invalid.set(entry + pc, (e as Error).message);
        emit(O.INVALID, 0, 0, 0, 0, p, pc);
        continue;
      }
      g = entry + pc;
      switch (op.kind) {
        case 'alu': {
          let c: number;
          if (op.op === 'movsx') {
            c = op.ext === 8 ? O.MOVSX64_8 : op.ext === 16 ? O.MOVSX64_16 : O.MOVSX64_32;
          } else c = ALU_BASE[op.op];
          if (op.width === 32) c += 20;
          emit(c, op.dst, srcOf(op.src), 0, 0, p, pc);
          break;
        }
        case 'end': {
          const c = op.order === 'le'
            ? (op.bits === 16 ? O.LE16 : op.bits === 32 ? O.LE32 : O.NOP)
            : (op.bits === 16 ? O.SWAP16 : op.bits === 32 ? O.SWAP32 : O.SWAP64);
          emit(c, op.dst, 0, 0, 0, p, pc);
          break;
        }
        case 'ja':
          jump(O.JA, 0, 0, op.off);
          break;
        case 'maygoto':
          jump(O.MAYGOTO, 0, 0, op.off);
          break;
        case 'jcond':
          jump(JCOND_BASE[op.op] + (op.width === 32 ? 20 : 0), op.dst, srcOf(op.src), op.off);
          break;
        case 'call':
          if (op.callKind === 'local') jump(O.CALL_LOCAL, 0, 0, op.imm);
          else if (op.callKind === 'helper') emit(O.CALL, 0, 0, 0, op.imm, p, pc);
          else emit(O.CALL, 0, 0, 0, -1, p, pc); // kfuncs: unknown helper
          break;
        case 'exit':
          emit(O.EXIT, 0, 0, 0, 0, p, pc);
          break;
        case 'lddw': {
          let lo = op.lo, hi = op.hi, bad = '';
          const ps = op.pseudo;
          if (ps === 1 || ps === 5) { // map by index (MAP_FD is read as an index too)
            if (op.lo >>> 0 >= nMaps) bad = `map index ${op.lo} out of range`;
            lo = op.lo; hi = MAP_TAG;
          } else if (ps === 2 || ps === 6) { // pointer into the value of array map `lo`, offset hi
            if (op.lo >>> 0 >= nMaps) bad = `map index ${op.lo} out of range`;
            lo = op.hi; hi = TAG + FIRST_MAP_REGION + op.lo;
          } else if (ps === 4) { // address of a subprogram
            lo = pc + 1 + op.lo; hi = CODE_TAG;
          } else if (ps !== 0) bad = `unsupported lddw src=${ps}`;
          if (bad) {
            invalid.set(g, bad);
            emit(O.INVALID, 0, 0, 0, 0, p, pc);
          } else emit(O.LDDW, op.dst, 0, lo, hi, p, pc);
          invalid.set(g + 1, 'jump into the middle of lddw');
          emit(O.INVALID, 0, 0, 0, 0, p, pc + 1);
          pc++;
          break;
        }
        case 'ldabs':
          emit(O.LDABS, 0, 0, op.size, op.imm, p, pc);
          break;
        case 'ldind':
          emit(O.LDIND, 0, op.src, op.size, op.imm, p, pc);
          break;
        case 'ldx':
          emit(op.signed ? LDXSX_CODE[op.size] : LDX_CODE[op.size], op.dst, op.src, op.off, 0, p, pc);
          break;
        case 'st':
          emit(ST_CODE[op.size], op.dst, constSlot(op.imm, op.imm >> 31), op.off, 0, p, pc);
          break;
        case 'stx':
          emit(ST_CODE[op.size], op.dst, op.src, op.off, 0, p, pc);
          break;
        case 'atomic':
          emit(O.ATOMIC, op.dst, op.src, op.off, ATOMIC_SUB[op.op] | (op.fetch ? 8 : 0) | (op.size === 8 ? 16 : 0), p, pc);
          break;
      }
    }
    emit(O.FELL_OFF, 0, 0, 0, 0, p, n);
  }

  for (const f of fixups) {
    const n = progs[f.prog].insns.length;
    let target: number;
    if (f.target >= 0 && f.target < n) target = entries[f.prog] + f.target;
    else {
      target = words.length / 4;
      badJumpFrom.set(target, f.from);
      emit(O.BAD_JUMP, 0, 0, 0, 0, f.prog, f.from);
    }
    words[f.at * 4 + 2] = target;
  }

  return {
    code: Int32Array.from(words),
    constLo: Int32Array.from(cLo),
    constHi: Int32Array.from(cHi),
    entries,
    progOf: Int32Array.from(progOf),
    localPc: Int32Array.from(localPc),
    invalid,
    badJumpFrom,
  };
}

/**
 * The four code words of one straight-line instruction (ALU, END, load, store) or of a no-op
 * (op = null), for in-place patching by the optimizer. `constSlot` gives the register-file slot
 * that holds an immediate. Returns undefined for kinds that need whole-program decoding.
 */
export function encodeStraight(op: Op | null, constSlot: (lo: number, hi: number) => number): [number, number, number, number] | undefined {
  const w = (opc: number, dst: number, src: number, w2: number, w3: number): [number, number, number, number] => [opc | (dst << 8), src, w2 | 0, w3 | 0];
  if (op === null) return w(O.NOP, 0, 0, 0, 0);
  const srcOf = (o: { reg: number } | { imm: number }): number => ('reg' in o ? o.reg : constSlot(o.imm, o.imm >> 31));
  switch (op.kind) {
    case 'alu': {
      let c = op.op === 'movsx' ? (op.ext === 8 ? O.MOVSX64_8 : op.ext === 16 ? O.MOVSX64_16 : O.MOVSX64_32) : ALU_BASE[op.op];
      if (op.width === 32) c += 20;
      return w(c, op.dst, srcOf(op.src), 0, 0);
    }
    case 'end': {
      const c = op.order === 'le' ? (op.bits === 16 ? O.LE16 : op.bits === 32 ? O.LE32 : O.NOP) : op.bits === 16 ? O.SWAP16 : op.bits === 32 ? O.SWAP32 : O.SWAP64;
      return w(c, op.dst, 0, 0, 0);
    }
    case 'ldx':
      return w(op.signed ? LDXSX_CODE[op.size] : LDX_CODE[op.size], op.dst, op.src, op.off, 0);
    case 'st':
      return w(ST_CODE[op.size], op.dst, constSlot(op.imm, op.imm >> 31), op.off, 0);
    case 'stx':
      return w(ST_CODE[op.size], op.dst, op.src, op.off, 0);
    case 'atomic':
      return w(O.ATOMIC, op.dst, op.src, op.off, ATOMIC_SUB[op.op] | (op.fetch ? 8 : 0) | (op.size === 8 ? 16 : 0));
    default:
      return undefined;
  }
}

/**
 * The four words of a jump (ja or jcond) at slot `pc` of a program of `n` slots that starts at
 * word index `entry`, its target resolved to an absolute index as the decoder does; undefined
 * for other instructions and for a target outside the program (that needs a full decode, to
 * place its BAD_JUMP sentinel). Lets the search retarget a jump in place (tail merging).
 */
export function encodeJump(op: Op, pc: number, entry: number, n: number, constSlot: (lo: number, hi: number) => number): [number, number, number, number] | undefined {
  if (op.kind !== 'ja' && op.kind !== 'jcond') return undefined;
  const to = pc + 1 + op.off;
  if (to < 0 || to >= n) return undefined;
  if (op.kind === 'ja') return [O.JA, 0, entry + to, 0];
  const src = 'reg' in op.src ? op.src.reg : constSlot(op.src.imm, op.src.imm >> 31);
  return [(JCOND_BASE[op.op] + (op.width === 32 ? 20 : 0)) | (op.dst << 8), src, entry + to, 0];
}

/**
 * Can running `code` write memory the run started from (the entry stack frame, the packet)?
 * Only stores, atomics and calls can (a helper writes through its pointer arguments; a local
 * call's frame is zeroed when it opens). Machine.setup uses it to skip re-zeroing a stack no
 * run could have written.
 */
export function mayWriteMemory(code: Int32Array): boolean {
  for (let i = 0; i < code.length; i += 4) if (writesMemory(code[i] & 0xff)) return true;
  return false;
}

/**
 * Registers r0..r10 the decoded code (or one patched slot's words) may read or write, as a bit
 * mask: every register operand, r0 (exit reads it), and all of them for calls and LD_ABS/LD_IND,
 * which reach registers no operand names (helpers and stand-ins r0-r5, local calls r6-r10).
 */
export function regsTouched(code: ArrayLike<number>): number {
  let mask = 1;
  for (let i = 0; i < code.length; i += 4) {
    const w = code[i], op = w & 0xff, d = w >>> 8, s = code[i + 1];
    if (op === O.CALL || op === O.CALLX || op === O.CALL_LOCAL || op === O.LDABS || op === O.LDIND) return ALL_REGS;
    if (d <= 10) mask |= 1 << d;
    if (s >= 0 && s <= 10) mask |= 1 << s;
  }
  return mask;
}

/** regsTouched's answer for code that may reach any register. */
export const ALL_REGS = 0x7ff;

/** Does one internal opcode store to memory or call out (helpers, local calls)? */
export const writesMemory = (op: number): boolean =>
  (op >= O.STB && op <= O.STDW) || op === O.ATOMIC || op === O.CALL || op === O.CALLX || op === O.CALL_LOCAL;
