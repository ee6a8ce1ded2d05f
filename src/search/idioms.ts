// Idiom proposals: rewrites a compiler misses and a purely random walk rarely finds, because
// every intermediate step breaks the tests (K2 reaches some after tens of seconds, some never).
// Each idiom's output uses only instructions of its ISA level (sign extension: v4 only).
// Each is only a proposal: the chain still runs the tests, the verifier model, Z3 and the kernel
// on it, so an idiom that is wrong at one place (a register still live, a constant that does not
// hold on every path) is simply refused there.
//
//   load-modify-store   rA = *(u64 *)(rB + o); rA += X; *(u64 *)(rB + o) = rA
//                     → rA = X; lock *(u64 *)(rB + o) += rA            (also u32 / w-registers)
//   constant store      rA = K … *(uS *)(rB + o) = rA  →  … *(uS *)(rB + o) = K
//   store merge         *(uS *)(rB + o) = K; *(uS *)(rB + o + S) = K'  →  *(u2S *)(rB + o) = K'K
//   load merge          wA = *(uS *)(rB + o); wC = *(uS *)(rB + o + S); rC <<= 8S; rC |= rA
//                     → wC = *(u2S *)(rB + o)                           (little-endian)
//   copy merge          wA = *(uS *)(rB + o); *(uS *)(rD + p) = wA;
//                       wC = *(uS *)(rB + o ± S); *(uS *)(rD + p ± S) = wC
//                     → wA = *(u2S *)(rB + min); *(u2S *)(rD + min') = wA
//   block move        a run of narrow loads and stores through one base that moves bytes
//                       (a MAC swap: 12 u16 accesses) → the widest accesses (2 u32 + 2 u16
//                       swaps: 8); see idiom-block-move.ts
//   byte copy         loads through one base cut by shifts into byte stores through another
//                       (xdp_fwd's MAC copies: 26) → the widest pieces (8); idiom-byte-copy.ts
//   sign extension    (cpu v4 targets only: the rewrites use its instructions)
//                     rA = *(uS *)(rB + o); rA <<= 64-8S; rA s>>= 64-8S → rA = *(sS *)(rB + o)
//                     [rA = rC;] rA <<= 64-N; rA s>>= 64-N        → rA = (sN) rC   (also w-registers)
//                     rA = (sN) rA [lddw] rB = rA                  → [lddw] rB = (sN) rA
//                       (idiom-ext-copy.ts)
//   tail merge        rA = K; if … goto X   where T: rA = K; goto X elsewhere
//                     → if … goto T        (changes a jump: only with `jumps`, and proved only
//                       by the whole program; idiom-tail-merge.ts)
import type { Op, Size } from '../isa/op.ts';
import type { IsaLevel } from '../isa/target.ts';
import { clobbers, defs, uses } from '../isa/flow.ts';
import type { Slot } from './proposals.ts';
import { blockMove } from './idiom-block-move.ts';
import { byteCopy } from './idiom-byte-copy.ts';
import { extendThenCopy } from './idiom-ext-copy.ts';
import { tailMerges } from './idiom-tail-merge.ts';

type Change = [number, Slot];
type Mem = Extract<Op, { kind: 'ldx' | 'st' | 'stx' }>;

/** The live (non-deleted) slots after `pc` in the same straight-line run, up to `n` of them. */
function following(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number, n: number): number[] {
  const out: number[] = [];
  for (let i = pc + 1; out.length < n && straight.has(i); i++) if (slots[i]) out.push(i);
  return out;
}

/** The live slots before `pc` in the same straight-line run, nearest first. */
function preceding(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): number[] {
  const out: number[] = [];
  for (let i = pc - 1; straight.has(i); i--) if (slots[i]) out.push(i);
  return out;
}

/** Does `op` overwrite register r (an atomic fetch included)? */
const writesReg = (op: Op, r: number): boolean => ((defs(op) | clobbers(op)) & (1 << r)) !== 0;

function loadModifyStore(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const ld = slots[pc];
  if (!ld || ld.kind !== 'ldx' || ld.signed || (ld.size !== 4 && ld.size !== 8)) return null;
  const [p1, p2] = following(slots, straight, pc, 2);
  const add = slots[p1], st = slots[p2];
  if (!add || add.kind !== 'alu' || add.op !== 'add' || add.dst !== ld.dst || add.width !== (ld.size === 8 ? 64 : 32)) return null;
  if (!st || st.kind !== 'stx' || st.dst !== ld.src || st.off !== ld.off || st.size !== ld.size || st.src !== ld.dst) return null;
  if ('reg' in add.src && add.src.reg === ld.dst) return null;
  const size = ld.size;
  if ('reg' in add.src) {
    return [[pc, null], [p1, null], [p2, { kind: 'atomic', size, op: 'add', fetch: false, dst: st.dst, src: add.src.reg, off: st.off }]];
  }
  const mov: Op = { kind: 'alu', op: 'mov', width: 64, dst: ld.dst, src: { imm: add.src.imm } };
  return [[pc, mov], [p1, null], [p2, { kind: 'atomic', size, op: 'add', fetch: false, dst: st.dst, src: ld.dst, off: st.off }]];
}

function constantStore(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const st = slots[pc];
  if (!st || st.kind !== 'stx') return null;
  let reads = 0;
  for (const q of preceding(slots, straight, pc)) {
    const o = slots[q]!;
    if (o.kind === 'alu' && o.op === 'mov' && o.dst === st.src && 'imm' in o.src) {
      const store: Change = [pc, { kind: 'st', size: st.size, dst: st.dst, off: st.off, imm: o.src.imm }];
      // the move goes too when the store was its last reader: xdp_fw's `r1 = 6; *(u8 *)(r10 - 4)
      // = r1; r1 = 7` (the walk would need two steps, the first of them no smaller)
      return reads === 0 && overwrittenAfter(slots, straight, pc, st.src) ? [store, [q, null]] : [store];
    }
    if (writesReg(o, st.src)) return null;
    if (uses(o) & (1 << st.src)) reads++;
  }
  return null;
}

/**
 * Is register r written before any read after slot pc, in the same straight run (an lddw, which
 * only writes, does not end it)? False when the run ends first: r may be read after a jump.
 */
function overwrittenAfter(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number, r: number): boolean {
  for (let i = pc + 1; i < slots.length; i++) {
    const o = slots[i];
    if (!o) continue;
    if (!straight.has(i) && o.kind !== 'lddw') return false;
    if (uses(o) & (1 << r)) return false;
    if (writesReg(o, r)) return true;
  }
  return false;
}

/** The stored constant of a store, when it is one (an `st`, or an `stx` of a register set by `mov imm` just before). */
function storedConstant(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): bigint | null {
  const s = slots[pc];
  if (!s) return null;
  if (s.kind === 'st') return BigInt.asUintN(s.size * 8, BigInt(s.imm));
  const c = s.kind === 'stx' ? constantStore(slots, straight, pc) : null;
  const st = c?.[0][1];
  return st && st.kind === 'st' ? BigInt.asUintN(st.size * 8, BigInt(st.imm)) : null;
}

function storeMerge(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const a = slots[pc];
  if (!a || (a.kind !== 'st' && a.kind !== 'stx') || a.size === 8) return null;
  const [q] = following(slots, straight, pc, 1);
  const b = slots[q];
  if (!b || (b.kind !== 'st' && b.kind !== 'stx') || b.size !== a.size || b.dst !== a.dst || Math.abs(b.off - a.off) !== a.size) return null;
  const ka = storedConstant(slots, straight, pc), kb = storedConstant(slots, straight, q);
  if (ka === null || kb === null) return null;
  const s = a.size, bits = BigInt(s * 8);
  const [lo, hi] = a.off < b.off ? [ka, kb] : [kb, ka];
  const value = (hi << bits) | lo;
  const size = (s * 2) as Size;
  // st's immediate is 32 bits, sign-extended to the store's width
  if (BigInt.asUintN(size * 8, BigInt.asIntN(32, value)) !== value) return null;
  return [[pc, { kind: 'st', size, dst: a.dst, off: Math.min(a.off, b.off), imm: Number(BigInt.asIntN(32, value)) }], [q, null]];
}

function loadMerge(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const a = slots[pc];
  if (!a || a.kind !== 'ldx' || a.signed || a.size === 8) return null;
  const [p1, p2, p3] = following(slots, straight, pc, 3);
  const b = slots[p1], sh = slots[p2], or = slots[p3];
  if (!b || b.kind !== 'ldx' || b.signed || b.size !== a.size || b.src !== a.src || b.dst === a.src) return null;
  const lowFirst = b.off === a.off + a.size;
  if (!lowFirst && a.off !== b.off + a.size) return null;
  const [low, high] = lowFirst ? [a, b] : [b, a];
  if (!sh || sh.kind !== 'alu' || sh.op !== 'lsh' || sh.dst !== high.dst || !('imm' in sh.src) || sh.src.imm !== a.size * 8) return null;
  if (!or || or.kind !== 'alu' || or.op !== 'or' || or.dst !== high.dst || !('reg' in or.src) || or.src.reg !== low.dst) return null;
  const wide: Mem = { kind: 'ldx', size: (a.size * 2) as Size, signed: false, dst: high.dst, src: a.src, off: low.off };
  return [[pc, wide], [p1, null], [p2, null], [p3, null]];
}

/** A load into a register followed (next live slot) by a store of that register. */
function copyAt(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): { ld: Mem & { kind: 'ldx' }; st: Mem & { kind: 'stx' }; at: number[] } | null {
  const ld = slots[pc];
  if (!ld || ld.kind !== 'ldx' || ld.signed || ld.size === 8) return null;
  const [q] = following(slots, straight, pc, 1);
  const st = slots[q];
  if (!st || st.kind !== 'stx' || st.src !== ld.dst || st.size !== ld.size) return null;
  return { ld, st, at: [pc, q] };
}

function copyMerge(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const a = copyAt(slots, straight, pc);
  if (!a) return null;
  const [next] = following(slots, straight, a.at[1], 1);
  const b = next === undefined ? null : copyAt(slots, straight, next);
  if (!b || b.ld.size !== a.ld.size || b.ld.src !== a.ld.src || b.st.dst !== a.st.dst) return null;
  const s = a.ld.size, d = b.ld.off - a.ld.off;
  if (Math.abs(d) !== s || b.st.off - a.st.off !== d) return null;
  const size = (s * 2) as Size;
  const ld: Mem = { ...a.ld, size, off: Math.min(a.ld.off, b.ld.off) };
  const st: Mem = { ...a.st, size, off: Math.min(a.st.off, b.st.off) };
  return [[a.at[0], ld], [a.at[1], st], [b.at[0], null], [b.at[1], null]];
}

/** `rA <<= K; rA s>>= K` at `pc` (same width, same K): the sign extension of the low width-K bits. */
function shiftPair(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): { dst: number; width: 32 | 64; bits: number; at: number[] } | null {
  const sh = slots[pc];
  if (!sh || sh.kind !== 'alu' || sh.op !== 'lsh' || !('imm' in sh.src)) return null;
  const [q] = following(slots, straight, pc, 1);
  const ar = slots[q];
  if (!ar || ar.kind !== 'alu' || ar.op !== 'arsh' || ar.dst !== sh.dst || ar.width !== sh.width || !('imm' in ar.src) || ar.src.imm !== sh.src.imm) return null;
  return { dst: sh.dst, width: sh.width, bits: sh.width - sh.src.imm, at: [pc, q] };
}

function signExtend(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const first = slots[pc];
  if (!first) return null;
  // a load of S bytes, then the shift pair extending its 8S bits: one signed load
  if (first.kind === 'ldx' && !first.signed && first.size < 8) {
    const [q] = following(slots, straight, pc, 1);
    const p = q === undefined ? null : shiftPair(slots, straight, q);
    if (!p || p.dst !== first.dst || p.width !== 64 || p.bits !== first.size * 8) return null;
    return [[pc, { ...first, signed: true }], [p.at[0], null], [p.at[1], null]];
  }
  // the shift pair alone (or after a move into the register): one sign-extending move
  if (first.kind === 'alu' && first.op === 'mov' && 'reg' in first.src) {
    const [q] = following(slots, straight, pc, 1);
    const p = q === undefined ? null : shiftPair(slots, straight, q);
    if (!p || p.dst !== first.dst || p.width !== first.width || !extOk(p.width, p.bits)) return null;
    return [[pc, { kind: 'alu', op: 'movsx', width: p.width, dst: p.dst, src: first.src, ext: p.bits as 8 | 16 | 32 }], [p.at[0], null], [p.at[1], null]];
  }
  const p = shiftPair(slots, straight, pc);
  if (!p || !extOk(p.width, p.bits)) return null;
  return [[pc, { kind: 'alu', op: 'movsx', width: p.width, dst: p.dst, src: { reg: p.dst }, ext: p.bits as 8 | 16 | 32 }], [p.at[1], null]];
}

/** movsx extends 8 or 16 bits, or 32 in a 64-bit register. */
const extOk = (width: number, bits: number): boolean => bits === 8 || bits === 16 || (bits === 32 && width === 64);

const IDIOMS = [loadModifyStore, constantStore, storeMerge, loadMerge, copyMerge, blockMove, byteCopy];
const V4_IDIOMS = [...IDIOMS, signExtend, extendThenCopy];

/**
 * An idiom rewrite at a place of the candidate chosen uniformly among those where one applies,
 * or null when none does. `straight` holds the slots the search may change. `jumps`: tail
 * merges too, which retarget a jump (only where the whole program is proved, not a window
 * alone; not in the idiom seed either, whose proof would then need the whole program).
 */
export function proposeIdiom(slots: readonly Slot[], straight: ReadonlySet<number>, mutable: readonly number[], rand: () => number, isa: IsaLevel = 1, jumps = false): Change[] | null {
  const found = allIdioms(slots, straight, mutable, isa);
  if (jumps) found.push(...tailMerges(slots, straight));
  return found.length ? found[Math.floor(rand() * found.length)] : null;
}

/** Every idiom rewrite that applies somewhere in the candidate, in slot order. */
export function allIdioms(slots: readonly Slot[], straight: ReadonlySet<number>, mutable: readonly number[], isa: IsaLevel = 1): Change[][] {
  const found: Change[][] = [];
  for (const pc of mutable) {
    for (const idiom of isa >= 4 ? V4_IDIOMS : IDIOMS) {
      const c = idiom(slots, straight, pc);
      if (c) found.push(c);
    }
  }
  return found;
}
