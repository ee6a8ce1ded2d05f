// Byte-load gather, a move for both objectives: a 16-bit field read byte by byte and put
// together with a shift and an or (clang's spelling of an unaligned or packed field, e.g. the
// Ethernet protocol of xdp_subprog and tc_edit, in whatever order the scheduler left it)
//     wH = *(u8 *)(rB + o + 1); rH <<= 8; wL = *(u8 *)(rB + o); rD |= rS   ({D, S} = {H, L})
//  →  wD = *(u16 *)(rB + o)                                   (little-endian: H is byte o + 1)
//     wH = *(u8 *)(rB + o); rH <<= 8; wL = *(u8 *)(rB + o + 1); rD |= rS
//  →  wD = *(u16 *)(rB + o); wD = be16 wD                     (big-endian: H is byte o)
// Two u8 loads + shift + or cost 0.125 ns under the JIT, one u16 load 0.031
// (scripts/latency-units.ts); it is also 2-3 instructions smaller. idioms.ts's `load merge`
// knows only the one order (both loads first, the result in the high byte's register).
// Found from the `or`: the latest definitions of its two registers in the straight-line run
// before it (no jump target in between) must be the loads and the shift, with no store, atomic
// or call after the first load (memory must not change between the narrow and the wide read)
// and the base register unchanged. The slots that only fed rD are deleted; those of rS are
// deleted too unless a coin keeps them (rS may still be read later, which a proposal cannot
// see). Like every move it is only a proposal: tests, the verifier model, Z3 and the kernel
// decide (an unaligned u16 packet load is fine for the verifier on x86).
import type { Op } from '../isa/op.ts';
import { clobbers, defs, uses } from '../isa/flow.ts';
import type { Slot } from './proposals.ts';

type Change = [number, Slot];
type Ldx = Extract<Op, { kind: 'ldx' }>;

const has = (set: number, r: number): boolean => (set & (1 << r)) !== 0;
const writes = (op: Op, r: number): boolean => has(defs(op) | clobbers(op), r);

/** A register's byte: the load that produced it and, for the high one, the shift after it. */
interface Byte { load: number; shift?: number; op: Ldx }

/** The latest slot in [start, pc) that writes r, or -1. */
function lastWrite(slots: readonly Slot[], start: number, pc: number, r: number): number {
  for (let i = pc - 1; i >= start; i--) if (slots[i] && writes(slots[i]!, r)) return i;
  return -1;
}

const isByteLoad = (o: Slot): o is Ldx => !!o && o.kind === 'ldx' && o.size === 1 && !o.signed;

/** Register r just before pc as a byte (shifted by 8 when `shifted`), or undefined. */
function byteIn(slots: readonly Slot[], start: number, pc: number, r: number, shifted: boolean): Byte | undefined {
  const w = lastWrite(slots, start, pc, r);
  if (w < 0) return undefined;
  const o = slots[w]!;
  if (!shifted) return isByteLoad(o) ? { load: w, op: o } : undefined;
  if (o.kind !== 'alu' || o.op !== 'lsh' || !('imm' in o.src) || o.src.imm !== 8 || o.dst !== r) return undefined;
  const l = lastWrite(slots, start, w, r);
  return l >= 0 && isByteLoad(slots[l]) ? { load: l, shift: w, op: slots[l] as Ldx } : undefined;
}

/** The gather ending at the `or` at pc, or undefined when pc is not one. */
export function gatherByteLoads(slots: readonly Slot[], straight: ReadonlySet<number>, targets: Uint8Array, pc: number, rand: () => number): Change[] | undefined {
  const or = slots[pc];
  if (!or || or.kind !== 'alu' || or.op !== 'or' || !('reg' in or.src)) return undefined;
  const d = or.dst, s = or.src.reg;
  if (d === s) return undefined;
  let start = pc;
  while (straight.has(start - 1) && !targets[start]) start--;
  // which side carries the shifted (high) byte
  for (const [hr, lr] of [[d, s], [s, d]] as const) {
    const hi = byteIn(slots, start, pc, hr, true);
    const lo = hi && byteIn(slots, start, pc, lr, false);
    if (!hi || !lo || hi.op.src !== lo.op.src) continue;
    const base = hi.op.src;
    const le = hi.op.off === lo.op.off + 1, be = hi.op.off + 1 === lo.op.off;
    if (!le && !be) continue;
    const first = Math.min(hi.load, lo.load);
    if (!quietBetween(slots, first, pc, base)) continue;
    const mine = (b: Byte) => [b.load, ...(b.shift === undefined ? [] : [b.shift])];
    const dSide = hr === d ? hi : lo, sSide = hr === d ? lo : hi;
    // rD's slots may go only if nothing else reads rD between them and the or
    if (readBetween(slots, mine(dSide), pc, d)) continue;
    const gone = [...mine(dSide), ...(rand() < 0.7 ? mine(sSide) : [])];
    const off = Math.min(hi.op.off, lo.op.off);
    const wide: Slot = { kind: 'ldx', size: 2, signed: false, dst: d, src: base, off };
    if (le) return [...gone.map((g): Change => [g, null]), [pc, wide]];
    // big-endian: the wide load takes rD's first slot (the base is unchanged from there on),
    // the byte swap the or's
    const at = Math.min(...mine(dSide));
    return [...gone.filter((g) => g !== at).map((g): Change => [g, null]), [at, wide], [pc, { kind: 'end', order: 'be', bits: 16, dst: d }]];
  }
  return undefined;
}

/** No store, atomic or call in [from, pc), and `base` not redefined there. */
function quietBetween(slots: readonly Slot[], from: number, pc: number, base: number): boolean {
  for (let i = from; i < pc; i++) {
    const o = slots[i];
    if (!o) continue;
    if (o.kind === 'st' || o.kind === 'stx' || o.kind === 'atomic' || o.kind === 'call') return false;
    if (writes(o, base)) return false;
  }
  return true;
}

/** Does a slot between the first of `own` and pc, other than `own`, read r? */
function readBetween(slots: readonly Slot[], own: readonly number[], pc: number, r: number): boolean {
  for (let i = Math.min(...own); i < pc; i++) {
    const o = slots[i];
    if (o && !own.includes(i) && has(uses(o), r)) return true;
  }
  return false;
}
