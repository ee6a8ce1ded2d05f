// Byte-copy idiom: a straight run that loads through one base and stores through another, in
// pieces of any size cut out of the loaded registers by right shifts and register copies, is
// redone as a block move with the widest pieces. clang spells `memcpy(eth->h_dest,
// fib_params.dmac, ETH_ALEN)` of samples/bpf xdp_fwd (packet alignment unknown) as u16/u32 loads
// from the stack, each stored byte by byte with shifts in between: 26 instructions for two MAC
// addresses, where 8 do (xdp_fwd: clang-19 153, K2 128; issue 20).
//
// Each register is followed byte by byte (which source byte it holds, or none), so the loads,
// copies, shifts and stores may interleave freely. As for the block move, only memory is kept
// equal: registers the run wrote may end with other values, which the tests, the verifier
// model and Z3 judge. The run ends at its last store, so a load after it is left alone.
import type { Op } from '../isa/op.ts';
import type { Slot } from './proposals.ts';
import { chunks, schedule } from './idiom-block-move.ts';

type Change = [number, Slot];

/** Per register, its 8 bytes: the source offset each holds, or NaN (zero or unknown). */
type Bytes = number[];

const none = (): Bytes => new Array(8).fill(NaN);

/** The run from `pc`: its slots, bases and the final source of every stored byte; null if none. */
function simulate(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number) {
  const first = slots[pc];
  if (!first || first.kind !== 'ldx' || first.signed) return null;
  const from = first.src;
  let to = -1;
  const regs = new Map<number, Bytes>();
  const moves = new Map<number, number>();
  const at: number[] = [];
  let lastStore = -1, stores = 0;
  const touched = new Set<number>();
  // the load each register's bytes came from; a load none of whose bytes is stored is not part
  // of a copy (its register is likely read after the run, which the rewrite would clobber)
  const loadOf = new Map<number, number>();
  const loads: number[] = [], used = new Set<number>();
  for (let i = pc; straight.has(i); i++) {
    const o: Op | null = slots[i];
    if (!o) continue;
    if (o.kind === 'ldx' && !o.signed && o.src === from && o.dst !== from && o.dst !== to) {
      const b = none();
      for (let k = 0; k < o.size; k++) b[k] = o.off + k;
      regs.set(o.dst, b);
      touched.add(o.dst);
      loadOf.set(o.dst, i);
      loads.push(i);
    } else if (o.kind === 'alu' && o.op === 'mov' && 'reg' in o.src && regs.has(o.src.reg) && o.dst !== from && o.dst !== to) {
      const b = regs.get(o.src.reg)!.slice();
      if (o.width === 32) b.fill(NaN, 4);
      regs.set(o.dst, b);
      touched.add(o.dst);
      loadOf.set(o.dst, loadOf.get(o.src.reg)!);
    } else if (o.kind === 'alu' && o.op === 'rsh' && 'imm' in o.src && o.src.imm % 8 === 0 && regs.has(o.dst)) {
      const b = regs.get(o.dst)!, n = o.width / 8, k = o.src.imm / 8;
      const out = none();
      for (let j = 0; j + k < n; j++) out[j] = b[j + k];
      regs.set(o.dst, out);
    } else if (o.kind === 'stx' && regs.has(o.src) && (o.dst === to || (to < 0 && o.dst !== from && !touched.has(o.dst)))) {
      to = o.dst;
      const b = regs.get(o.src)!;
      for (let k = 0; k < o.size; k++) {
        if (Number.isNaN(b[k])) return null;
        // `| 0`: an offset read from a NaN-holding (double) array is a boxed double, and the ops
        // made from it (ld/st's `off`) would give every load's and store's op map a double field,
        // the verifier's decoded ops included (one map per shape): op.off loads and stack bounds
        // as boxed doubles at every memory access of every later check in the process
        moves.set(o.off + k, b[k] | 0);
      }
      lastStore = at.length;
      stores++;
      used.add(loadOf.get(o.src)!);
    } else break;
    at.push(i);
  }
  if (stores < 2 || to < 0 || loads.some((i) => i <= at[lastStore] && !used.has(i))) return null;
  return { at: at.slice(0, lastStore + 1), from, to, moves, touched };
}

/** The byte-copy rewrite of the run starting at `pc`, or null if there is none or it is no shorter. */
export function byteCopy(slots: readonly Slot[], straight: ReadonlySet<number>, pc: number): Change[] | null {
  const run = simulate(slots, straight, pc);
  if (!run || run.at.length < 4) return null;
  const parts = chunks(run.moves, 1, run.to === 10, run.from === 10);
  const regs = [...run.touched].filter((r) => r !== run.from && r !== run.to);
  const ops = schedule(parts, run.from, run.to, regs);
  if (!ops || ops.length >= run.at.length) return null;
  return run.at.map((i, k): Change => [i, ops[k] ?? null]);
}
