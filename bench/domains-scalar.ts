// Ops/second of the scalar domain with the concrete backend: reg_bounds_sync and each ALU
// transfer (64 and 32 bits) on a pool of reachable states, plus branch refinement.
import fc from 'fast-check';
import { concrete64x32 } from '../src/bv/concrete.ts';
import type { ScalarState } from '../src/domains/scalar.ts';
import { regBoundsSync } from '../src/domains/sync.ts';
import { scalarAlu, scalarNeg, type ScalarAluOp } from '../src/domains/alu.ts';
import { refine, branchTaken } from '../src/domains/branch.ts';
import { arbTracked } from '../test/domains/arb-scalar.ts';
import { CompiledOps } from '../src/domains/compiled.ts';
import { LINUX_6_18 } from '../src/domains/scalar.ts';

type BenchRow = { name: string; value: number; unit: string; note?: string };
const d = concrete64x32;

function rate(fn: (i: number) => unknown, minMs = 250): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let k = 0; k < 64; k++) fn(n++);
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

export async function bench(): Promise<BenchRow[]> {
  const pool: ScalarState<bigint>[] = fc.sample(arbTracked(), { numRuns: 256, seed: 42 }).map((t) => t.s);
  const at = (i: number) => pool[i & 255];
  const shiftSrc = pool.map((_, i) => regBoundsSync(d, { ...pool[0], ...constState(BigInt(i % 31)) }, LINUX_6_18));
  const rows: BenchRow[] = [];
  rows.push({ name: 'scalar reg_bounds_sync', value: rate((i) => regBoundsSync(d, at(i), LINUX_6_18)), unit: 'ops/s' });
  // compiled (src/domains/compiled.ts), results cache cleared before each call: every call computes
  const C = new CompiledOps(LINUX_6_18);
  const compiled = (f: (i: number) => unknown) => (i: number) => {
    C.clearResults();
    return f(i);
  };
  rate(compiled((i) => C.sync(at(i))), 500); // V8 optimises the generated code meanwhile
  rows.push({ name: 'scalar reg_bounds_sync (compiled)', value: rate(compiled((i) => C.sync(at(i)))), unit: 'ops/s', note: 'bigint state in and out' });
  const ops: ScalarAluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh'];
  for (const op of ops) {
    for (const w of [64, 32] as const) {
      const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
      rows.push({ name: `scalar ${op}${w}`, value: rate((i) => scalarAlu(d, op, w, at(i), shift ? shiftSrc[i & 255] : at(i + 7), LINUX_6_18)), unit: 'ops/s', note: 'incl. zext + sync' });
      const c = compiled((i) => C.alu(op, w, at(i), shift ? shiftSrc[i & 255] : at(i + 7)));
      rate(c, 300);
      rows.push({ name: `scalar ${op}${w} (compiled)`, value: rate(c), unit: 'ops/s', note: 'incl. zext + sync; bigint state in and out' });
    }
  }
  rows.push({ name: 'scalar neg64', value: rate((i) => scalarNeg(d, 64, at(i), LINUX_6_18)), unit: 'ops/s' });
  rows.push({ name: 'scalar refine jlt64', value: rate((i) => refine(d, at(i), at(i + 3), 'jlt', 64, LINUX_6_18)), unit: 'ops/s', note: 'both edges, 4 syncs' });
  rows.push({ name: 'scalar branchTaken jeq64', value: rate((i) => branchTaken(d, at(i), at(i + 3), 'jeq', 64)), unit: 'ops/s' });
  return rows;
}

function constState(v: bigint): ScalarState<bigint> {
  const lo = v & 0xffff_ffffn;
  return { varOff: { value: v, mask: 0n }, umin: v, umax: v, smin: v, smax: v, u32min: lo, u32max: lo, s32min: lo, s32max: lo };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name.padEnd(28)} ${r.value.toLocaleString().padStart(12)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
