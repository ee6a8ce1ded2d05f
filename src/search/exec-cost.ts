// The latency objective with a profile: each slot's class cost (calibrated or built-in) times how
// often the tests execute it, plus what the per-class table cannot see: a load that overlaps an
// earlier store without fitting inside it (the CPU cannot forward the stored bytes and waits
// for the store to retire: ~12 cycles on current x86 cores, measured below in BENCHMARKS.md).
import type { Op } from '../isa/op.ts';
import { calleeSlot, jumpSlot } from '../isa/flow.ts';
import type { Slot } from './proposals.ts';
import { latency, type CostTable } from './cost.ts';
import { threadSavings } from './latency-jump-thread.ts';

/** Cost of a failed store-to-load forward, in ALU instructions (one dependent add ≈ one cycle). */
export const FORWARD_FAIL = 12;

/**
 * Weight of a slot the tests never run: small, so cold code still costs something (deleting
 * it is still an improvement) but never outweighs one executed instruction.
 */
const COLD = 0.01;

/** Slots where control may arrive from a jump (a store before them may not be on the path). */
export function jumpTargets(original: readonly Slot[]): Uint8Array {
  const out = new Uint8Array(original.length + 1);
  original.forEach((o, pc) => {
    if (!o) return;
    for (const t of [jumpSlot(o, pc), calleeSlot(o, pc)]) if (t >= 0 && t < out.length) out[t] = 1;
  });
  return out;
}

interface Store {
  base: number;
  off: number;
  size: number;
}

/** The register an op writes (stores and jumps: none). */
function written(o: Op): number | undefined {
  switch (o.kind) {
    case 'alu': case 'end': case 'ldx': case 'lddw':
      return o.dst;
    case 'atomic':
      return o.op === 'cmpxchg' ? 0 : o.fetch ? o.src : undefined;
    default:
      return undefined;
  }
}

/** Slots of loads that overlap a store earlier in the same straight-line run without fitting inside it. */
export function forwardFailures(slots: readonly Slot[], targets: Uint8Array): number[] {
  const out: number[] = [];
  let stores: Store[] = [];
  for (let pc = 0; pc < slots.length; pc++) {
    if (targets[pc]) stores = [];
    const o = slots[pc];
    if (!o) continue;
    if (o.kind === 'ldx') {
      for (let k = stores.length - 1; k >= 0; k--) {
        const s = stores[k];
        if (s.base !== o.src) continue;
        const overlaps = o.off < s.off + s.size && s.off < o.off + o.size;
        if (!overlaps) continue;
        if (!(s.off <= o.off && o.off + o.size <= s.off + s.size)) out.push(pc);
        break; // the youngest overlapping store is the one the load would forward from
      }
    }
    if (o.kind === 'st' || o.kind === 'stx') stores.push({ base: o.dst, off: o.off, size: o.size });
    if (o.kind === 'call' || o.kind === 'exit' || o.kind === 'ja' || o.kind === 'jcond' || o.kind === 'maygoto' || o.kind === 'atomic') stores = [];
    const w = written(o);
    if (w !== undefined) stores = stores.filter((s) => s.base !== w);
  }
  return out;
}

/** What the latency objective needs beside the slots: per-slot execution weights and jump targets. */
export interface LatencyProfile {
  readonly weights: Float64Array;
  readonly targets: Uint8Array;
  /** The original's slots: what a retargeted jump now skips is priced against them. */
  readonly original?: readonly Slot[];
}

/** Estimated executed cost per test input of a candidate, in ALU instructions. */
export function executedCost(slots: readonly Slot[], profile: LatencyProfile, table: CostTable): number {
  let cost = 0;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s) cost += (profile.weights[i] + COLD) * latency(s, table);
  }
  for (const pc of forwardFailures(slots, profile.targets)) cost += (profile.weights[pc] + COLD) * FORWARD_FAIL;
  if (profile.original) cost -= threadSavings(slots, profile.original, profile.weights, (o) => latency(o, table));
  return cost;
}
