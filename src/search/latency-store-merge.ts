// Split-store merge, a latency move: a value written out byte by byte (clang's spelling of an
// unaligned or byte-swapped field store)
//     *(u8 *)(rB + o) = wV; wT = wV; wT >>= 8; *(u8 *)(rB + o + 1) = wT; …
//  →  *(u16 *)(rB + o) = wV            (u32 for four bytes; little-endian)
// Stores cost the most of the simple classes under the JIT (0.094 ns against 0.055 for an
// independent ALU instruction, scripts/latency-units.ts), and the shifts feeding them become
// dead for the search's deletions. Within one straight-line run from `pc`, every register is
// followed as "byte k onward of some value"; the scan stops at the first load, atomic, call,
// jump target or store through another base (registers are followed from the run's start), so no read can observe the stores' new order
// and every store it passes writes through the same base at a known offset. Like every move it
// is only a proposal: tests, the verifier model, Z3 and the kernel decide.
import type { Op, Size } from '../isa/op.ts';
import type { Slot } from './proposals.ts';
import { defs } from '../isa/flow.ts';

type Change = [number, Slot];

/** A register seen as bytes of a value: its byte j is byte (shift/8 + j) of value `id` while shift/8 + j < hi. */
interface Bytes { id: number; shift: number; hi: number }

/** One byte store of the run: the byte of which value went to which offset. */
interface Piece { at: number; off: number; value: number; byte: number; hiOk: boolean }

/** After `op`, what each register holds (only moves and right shifts by whole bytes keep a value; anything else starts a new one). */
function step(regs: (Bytes | undefined)[], op: Op, fresh: () => number): void {
  if (op.kind === 'alu' && 'reg' in op.src && op.op === 'mov' && !op.ext) {
    const s = regs[op.src.reg];
    regs[op.dst] = s && (op.width === 64 ? { ...s } : { ...s, hi: Math.min(s.hi, s.shift / 8 + 4) });
    return;
  }
  if (op.kind === 'alu' && 'imm' in op.src && op.op === 'rsh' && op.src.imm % 8 === 0 && op.src.imm > 0) {
    const s = regs[op.dst];
    const hi = s && (op.width === 64 ? s.hi : Math.min(s.hi, s.shift / 8 + 4));
    regs[op.dst] = s && { id: s.id, shift: s.shift + op.src.imm, hi: hi! };
    return;
  }
  for (let r = 0, d = defs(op); d; r++, d >>= 1) if (d & 1) regs[r] = { id: fresh(), shift: 0, hi: 8 };
}

/** The merge starting at the byte store at `pc`, or undefined when its run holds none. */
export function mergeSplitStores(slots: readonly Slot[], straight: ReadonlySet<number>, targets: Uint8Array, pc: number): Change[] | undefined {
  const first = slots[pc];
  if (!first || first.kind !== 'stx' || first.size !== 1) return undefined;
  const base = first.dst;
  let next = 11;
  const fresh = () => next++;
  const regs: (Bytes | undefined)[] = Array.from({ length: 11 }, (_, r) => ({ id: r, shift: 0, hi: 8 }));
  // follow the registers from the start of the straight-line run, so a value split into
  // registers before the first store is still known (xdp_swap_tx shifts a copy, then stores)
  let start = pc;
  while (straight.has(start - 1) && !targets[start]) start--;
  for (let i = start; i < pc; i++) {
    const o = slots[i];
    if (o && o.kind !== 'st' && o.kind !== 'stx') step(regs, o, fresh);
  }
  const pieces: Piece[] = [];
  /** Register states before each slot of the run, for placing the wide store. */
  const before = new Map<number, (Bytes | undefined)[]>();
  const stores: { at: number; off: number; size: Size }[] = [];
  for (let i = pc; i < slots.length && straight.has(i) && (i === pc || !targets[i]); i++) {
    const o = slots[i];
    if (!o) continue;
    before.set(i, regs.map((b) => b && { ...b }));
    if (o.kind === 'st' || o.kind === 'stx') {
      if (o.dst !== base) break;
      stores.push({ at: i, off: o.off, size: o.size });
      const v = o.kind === 'stx' ? regs[o.src] : undefined;
      if (o.size === 1 && v && v.shift % 8 === 0) pieces.push({ at: i, off: o.off, value: v.id, byte: v.shift / 8, hiOk: v.shift / 8 < v.hi });
      continue;
    }
    if (o.kind !== 'alu' && o.kind !== 'end') break; // loads, atomics: a read the new order could change
    if (defs(o) & (1 << base)) break;
    step(regs, o, fresh);
  }
  // windows of 4, then 2 bytes starting at the first store's offset or ending at it
  for (const n of [4, 2] as const) {
    for (let lo = first.off - n + 1; lo <= first.off; lo++) {
      const w = windowAt(pieces, stores, lo, n);
      if (!w) continue;
      for (const p of w.group) {
        const at = before.get(p.at)!;
        const z = at.findIndex((b, r) => r < 10 && b && b.id === w.value && b.shift === 8 * w.byte0 && b.hi >= w.byte0 + n);
        if (z < 0) continue;
        return w.group.map((q): Change => [q.at, q === p ? { kind: 'stx', size: n, dst: base, src: z, off: lo } : null]);
      }
    }
  }
  return undefined;
}

/** The byte stores that fill [lo, lo+n) with consecutive bytes of one value, alone among the stores between them. */
function windowAt(pieces: readonly Piece[], stores: readonly { at: number; off: number; size: Size }[], lo: number, n: number) {
  const group: Piece[] = [];
  for (let j = 0; j < n; j++) {
    const ps = pieces.filter((p) => p.off === lo + j);
    if (ps.length !== 1 || !ps[0].hiOk) return undefined;
    group.push(ps[0]);
  }
  const value = group[0].value, byte0 = group[0].byte;
  if (!group.every((p, j) => p.value === value && p.byte === byte0 + j)) return undefined;
  const from = Math.min(...group.map((p) => p.at)), to = Math.max(...group.map((p) => p.at));
  // no other store between the first and last piece may touch the window's bytes
  const mine = new Set(group.map((p) => p.at));
  if (stores.some((s) => s.at >= from && s.at <= to && !mine.has(s.at) && s.off < lo + n && lo < s.off + s.size)) return undefined;
  return { group, value, byte0 };
}
