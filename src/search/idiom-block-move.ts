// Block-move idiom: a straight run of narrow loads and stores that moves bytes around (a MAC
// address swap within the packet, a MAC copied from a map value into it) is redone with the
// widest accesses the moved ranges allow. clang spells `swap_src_dst_mac` of samples/bpf as twelve u16
// accesses; two u32 and two u16 swaps do the same in eight, and K2's outputs use them. The
// random walk cannot get there: every intermediate step breaks the tests.
//
// The run is simulated symbolically (which original cell each register and each cell holds at
// the end), so any interleaving of the loads and stores is understood. Only memory is kept
// equal: the registers the run loaded may end with other values, which the tests, the
// verifier model and Z3 then accept or refuse (they are dead after the run in the programs
// this is for).
import type { Op, Size } from '../isa/op.ts';
import type { Slot } from './proposals.ts';

type Change = [number, Slot];

/** One move of the rewrite: `size` bytes from from+src to to+dst (original contents). */
export interface Chunk { dst: number; src: number; size: Size }

/** A run: its slots, the base loads read through, the base stores write through, the access size. */
interface Run { at: number[]; from: number; to: number; size: Size }

/**
 * The live slots from `pc` on that form one run: loads through one base, stores of loaded
 * registers through one base (the same or another), all of one size. A load may overwrite the
 * load base (clang reuses it for the last piece of a memcpy); no load through it follows then.
 */
function runAt(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Run | null {
  const first = slots[pc];
  if (!first || first.kind !== 'ldx' || first.signed || first.size === 8) return null;
  const from = first.src, size = first.size;
  let to = -1, fromLost = false;
  const loaded = new Set<number>();
  const at: number[] = [];
  for (let i = pc; straight.has(i); i++) {
    const o = slots[i];
    if (!o) continue;
    if (o.kind === 'ldx' && !o.signed && o.src === from && o.size === size && !fromLost && o.dst !== to) {
      if (o.dst === from) fromLost = true;
      loaded.add(o.dst);
    } else if (o.kind === 'stx' && o.size === size && (o.dst === to || (to < 0 && !loaded.has(o.dst)))) {
      to = o.dst;
    } else break;
    at.push(i);
  }
  return at.length >= 4 && to >= 0 ? { at, from, to, size } : null;
}

/**
 * Where each written cell's final content came from (offset of the original cell), or null
 * when a stored register was not loaded in the run (its value is unknown here). With two
 * bases the regions are taken not to overlap (packet and map value, say): the proof checks it.
 */
function finalSources(slots: readonly Slot[], run: Run): Map<number, number> | null {
  const same = run.from === run.to;
  const reg = new Map<number, number>();
  const mem = new Map<number, number>();
  for (const i of run.at) {
    const o = slots[i]!;
    if (o.kind === 'ldx') reg.set(o.dst, (same ? mem.get(o.off) : undefined) ?? o.off);
    else if (o.kind === 'stx') {
      const v = reg.get(o.src);
      if (v === undefined) return null;
      mem.set(o.off, v);
    }
  }
  if (same) for (const [d, s] of mem) if (d === s) mem.delete(d);
  return mem;
}

/**
 * The moved cells as maximal contiguous ranges, each cut into the widest pieces that fit. On
 * the stack (r10: alignDst / alignSrc) pieces are naturally aligned: the kernel refuses
 * misaligned stack accesses; elsewhere (packet, map values) x86 kernels accept them.
 */
export function chunks(moves: Map<number, number>, cell: Size, alignDst: boolean, alignSrc = alignDst): Chunk[] {
  const dsts = [...moves.keys()].sort((a, b) => a - b);
  const out: Chunk[] = [];
  for (let k = 0; k < dsts.length;) {
    let len = cell;
    while (k + len / cell < dsts.length && dsts[k + len / cell] === dsts[k] + len && moves.get(dsts[k] + len) === moves.get(dsts[k])! + len) len += cell;
    let d = dsts[k], s = moves.get(d)!, left = len;
    while (left > 0) {
      const size = ([8, 4, 2, 1] as Size[]).find((w) => w <= left && (!alignDst || d % w === 0) && (!alignSrc || s % w === 0))!;
      out.push({ dst: d, src: s, size });
      d += size; s += size; left -= size;
    }
    k += len / cell;
  }
  return out;
}

const ld = (size: Size, dst: number, src: number, off: number): Op => ({ kind: 'ldx', size, signed: false, dst, src, off });
const st = (size: Size, dst: number, src: number, off: number): Op => ({ kind: 'stx', size, dst, src, off });

/** The rewrite's instructions with the run's own registers, or null if they do not suffice. */
export function schedule(parts: Chunk[], from: number, to: number, regs: number[]): Op[] | null {
  if (regs.length === 0) return null;
  // every load reads the original memory when all loads come first
  if (parts.length <= regs.length) {
    return [...parts.map((c, i) => ld(c.size, regs[i], from, c.src)), ...parts.map((c, i) => st(c.size, to, regs[i], c.dst))];
  }
  // a copy whose sources no piece overwrites: one register, load and store piece by piece
  const overlaps = (a: Chunk, b: Chunk): boolean => from === to && a.src < b.dst + b.size && b.dst < a.src + a.size;
  if (parts.every((a) => parts.every((b) => !overlaps(a, b)))) {
    return parts.flatMap((c) => [ld(c.size, regs[0], from, c.src), st(c.size, to, regs[0], c.dst)]);
  }
  if (from !== to) return null;
  const base = from;
  // otherwise only exchanges: each pair of pieces swaps two ranges, independent of the others
  if (regs.length < 2) return null;
  const out: Op[] = [];
  const done = new Set<Chunk>();
  for (const c of parts) {
    if (done.has(c)) continue;
    const p = parts.find((q) => !done.has(q) && q !== c && q.dst === c.src && q.src === c.dst && q.size === c.size);
    if (!p) return null;
    done.add(c); done.add(p);
    out.push(ld(c.size, regs[0], base, c.src), ld(p.size, regs[1], base, p.src), st(c.size, base, regs[0], c.dst), st(p.size, base, regs[1], p.dst));
  }
  return out;
}

/** The block-move rewrite of the run starting at `pc`, or null if there is none or it is no shorter. */
export function blockMove(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const run = runAt(slots, straight, pc);
  if (!run) return null;
  const moves = finalSources(slots, run);
  if (!moves || moves.size === 0) return null;
  const parts = chunks(moves, run.size, run.to === 10, run.from === 10);
  // the pieces' registers: those the run loaded, except the bases (still needed while it runs)
  const regs: number[] = [];
  for (const i of run.at) {
    const o = slots[i]!;
    if (o.kind === 'ldx' && o.dst !== run.from && o.dst !== run.to && !regs.includes(o.dst)) regs.push(o.dst);
  }
  const ops = schedule(parts, run.from, run.to, regs);
  if (!ops || ops.length >= run.at.length) return null;
  return run.at.map((i, k): Change => [i, ops[k] ?? null]);
}
