// Proposals that cut executed cost rather than size (the latency objective's moves):
//   reused load        rZ = *(uS *)(rB + o) … rX = *(uS *)(rB + o)   →  … rX = rZ
//                      (same straight-line run, no store, call or jump target in between,
//                      rB and rZ not redefined: the value is already in a register)
//   strength reduction rX *= 2^k → rX <<= k;  rX /= 2^k → rX >>= k;  rX %= 2^k → rX &= 2^k-1
//                      (BPF div/mod are unsigned, so these are exact for both widths)
//   split-store merge  byte stores of one value (shifted copies) → one u16/u32 store
//                      (latency-store-merge.ts)
//   byte-load gather   two u8 loads + shift + or → one u16 load (+ be16 for network order)
//                      (latency-byte-loads.ts)
//   zext narrowing     rX op= S; rX <<= 32; rX >>= 32 → wX op= S, or the pair alone → wX = wX
//                      (latency-zext.ts)
//   jump threading     a jump past a `goto` or a test its own condition decides
//                      (latency-jump-thread.ts; changes control, so only the whole-program
//                      proof accepts it; latency objective only)
// The merge, the gather and the narrowing also make the program smaller, so the chain proposes
// them under --objective size too (sizeOnly).
// Like every move they are only proposals: the tests, the verifier model, Z3 and the kernel
// still decide.
import type { Op } from '../isa/op.ts';
import { defs } from '../isa/flow.ts';
import { jumpTargets } from './exec-cost.ts';
import type { Slot } from './proposals.ts';
import { mergeSplitStores } from './latency-store-merge.ts';
import { gatherByteLoads } from './latency-byte-loads.ts';
import { threadJumps } from './latency-jump-thread.ts';
import { narrowZext } from './latency-zext.ts';

type Change = [number, Slot];

const targetsOf = new WeakMap<readonly Slot[], Uint8Array>();
function targets(original: readonly Slot[]): Uint8Array {
  let t = targetsOf.get(original);
  if (!t) targetsOf.set(original, (t = jumpTargets(original)));
  return t;
}

const bit = (r: number): number => 1 << r;

/** A load at pc whose value an earlier load of the same place left in a register: the move replacing it. */
export function reuseLoad(slots: readonly Slot[], original: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change | undefined {
  const o = slots[pc];
  if (!o || o.kind !== 'ldx') return undefined;
  const t = targets(original);
  let redefined = 0;
  for (let i = pc - 1; i >= 0 && straight.has(i) && !t[i + 1]; i--) {
    const p = slots[i];
    if (!p) continue;
    if (p.kind === 'st' || p.kind === 'stx' || p.kind === 'atomic') return undefined; // may alias
    if (p.kind === 'ldx' && p.src === o.src && p.off === o.off && p.size === o.size && p.signed === o.signed && !(redefined & bit(p.dst))) {
      if (redefined & bit(o.src)) return undefined;
      if (p.dst === o.src) return undefined; // the load overwrote its own base: a different place now
      return [pc, p.dst === o.dst ? null : { kind: 'alu', op: 'mov', width: 64, dst: o.dst, src: { reg: p.dst } }];
    }
    redefined |= defs(p);
  }
  return undefined;
}

/** mul/div/mod by a power of two as a shift or mask. */
export function strengthReduce(op: Op): Op | undefined {
  if (op.kind !== 'alu' || !('imm' in op.src)) return undefined;
  const k = op.src.imm;
  if (k <= 0 || (k & (k - 1)) !== 0) return undefined;
  const log = 31 - Math.clz32(k);
  if (op.op === 'mul') return { kind: 'alu', op: 'lsh', width: op.width, dst: op.dst, src: { imm: log } };
  if (op.op === 'div') return { kind: 'alu', op: 'rsh', width: op.width, dst: op.dst, src: { imm: log } };
  if (op.op === 'mod') return { kind: 'alu', op: 'and', width: op.width, dst: op.dst, src: { imm: k - 1 } };
  return undefined;
}

/**
 * One latency move somewhere in the candidate, tried from a random mutable slot onward; undefined
 * when none applies. sizeOnly: only the moves that also shrink the program (store merge, byte-load
 * gather, zext narrowing).
 */
export function proposeLatencyMove(slots: readonly Slot[], original: readonly Slot[], straight: ReadonlySet<number>, mutable: readonly number[], rand: () => number, sizeOnly = false): Change[] | undefined {
  if (!sizeOnly && rand() < 0.5) {
    const threads = threadJumps(slots);
    if (threads.length) return threads[Math.floor(rand() * threads.length)];
  }
  if (!mutable.length) return undefined;
  const start = Math.floor(rand() * mutable.length);
  for (let n = 0; n < mutable.length; n++) {
    const pc = mutable[(start + n) % mutable.length];
    const o = slots[pc];
    if (!o) continue;
    const reduced = !sizeOnly && strengthReduce(o);
    if (reduced) return [[pc, reduced]];
    const reuse = !sizeOnly && reuseLoad(slots, original, straight, pc);
    if (reuse) return [reuse];
    const merged = mergeSplitStores(slots, straight, targets(original), pc);
    if (merged) return merged;
    const gathered = gatherByteLoads(slots, straight, targets(original), pc, rand);
    if (gathered) return gathered;
    const zext = narrowZext(slots, straight, targets(original), pc);
    if (zext) return zext;
  }
  return undefined;
}
