// Which representation of 64-bit values runs the generic domain operators fastest: the same
// tnum add / tnum mul / reg_bounds_sync code on each candidate backend, ops per second.
//   bigint        src/bv/concrete.ts (the test oracle; masks with `& MASK`)
//   bigint asUintN the same with BigInt.asUintN(64, …), which V8 can lower to 64-bit integer ops
//   pair object   {hi, lo} int32 halves, one object per value (tnum operators only)
//   fixed arena   src/bv/fixed.ts: integer handles into int32 arrays, freed per region
// The arena figures include resetting the region after each operation, as the verifier does;
// the sync row for the arena also includes converting the bigint state in and out.
import fc from 'fast-check';
import { concreteBits, concrete64x32 } from '../src/bv/concrete.ts';
import type { Bits } from '../src/bv/bits.ts';
import { OUT, add64, sub64, mul64, shl64, lshr64, ashr64, ult64, fromBig, toBig } from '../src/bv/u64.ts';
import { fixed64, arenaMark, arenaRelease } from '../src/bv/fixed.ts';
import { F, scalarToFixed, viaFixed1, tnumToFixed } from '../src/domains/fixed-scalar.ts';
import * as T from '../src/domains/tnum.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import type { ScalarState } from '../src/domains/scalar.ts';
import { regBoundsSync } from '../src/domains/sync.ts';
import { arbTracked } from '../test/domains/arb-scalar.ts';
import type { BenchRow } from './types.ts';

interface Pair { readonly hi: number; readonly lo: number }
const pr = (): Pair => ({ hi: OUT[0], lo: OUT[1] });

/** The pair-object candidate: only what the tnum operators call. */
function pairBits(): Bits<Pair, boolean> {
  const base = concreteBits(64);
  const P = (h: number, l: number): Pair => ({ hi: h | 0, lo: l | 0 });
  const b: Partial<Bits<Pair, boolean>> = {
    width: 64, backend: 'pair',
    c: (x) => { fromBig(BigInt(x)); return pr(); },
    zero: P(0, 0), one: P(0, 1), ones: P(-1, -1),
    add: (a, c) => { add64(a.hi, a.lo, c.hi, c.lo); return pr(); },
    sub: (a, c) => { sub64(a.hi, a.lo, c.hi, c.lo); return pr(); },
    mul: (a, c) => { mul64(a.hi, a.lo, c.hi, c.lo); return pr(); },
    and: (a, c) => P(a.hi & c.hi, a.lo & c.lo),
    or: (a, c) => P(a.hi | c.hi, a.lo | c.lo),
    xor: (a, c) => P(a.hi ^ c.hi, a.lo ^ c.lo),
    not: (a) => P(~a.hi, ~a.lo),
    shlN: (a, n) => { shl64(a.hi, a.lo, n); return pr(); },
    lshrN: (a, n) => { lshr64(a.hi, a.lo, n); return pr(); },
    ashrN: (a, n) => { ashr64(a.hi, a.lo, n); return pr(); },
    eq: (a, c) => a.hi === c.hi && a.lo === c.lo,
    ult: (a, c) => ult64(a.hi, a.lo, c.hi, c.lo),
    ite: (k, a, c) => (k ? a : c),
    iteB: (k, a, c) => (k ? a : c),
    andB: base.andB, orB: base.orB, notB: base.notB, T: true, F: false,
    bit: (a, i) => ((i >= 32 ? a.hi >>> (i - 32) : a.lo >>> i) & 1) === 1,
    known: (a) => toBig(a.hi, a.lo),
    knownB: (x) => x,
  };
  return b as Bits<Pair, boolean>;
}

/** The bigint candidate through BigInt.asUintN(64, …) instead of `& MASK`. */
function asUintNBits(): Bits<bigint, boolean> {
  const u = (x: bigint): bigint => BigInt.asUintN(64, x);
  return {
    ...concreteBits(64), backend: 'bigint-asUintN',
    add: (a, b) => u(a + b), sub: (a, b) => u(a - b), mul: (a, b) => u(a * b), neg: (a) => u(-a), not: (a) => u(~a),
    shlN: (a, n) => (n >= 64 ? 0n : u(a << BigInt(n))),
  };
}

function sample(n: number): Tnum<bigint>[] {
  let s = 0x9e3779b97f4a7c15n;
  const next = (): bigint => {
    s ^= BigInt.asUintN(64, s << 13n); s ^= s >> 7n; s ^= BigInt.asUintN(64, s << 17n);
    return s;
  };
  return Array.from({ length: n }, (_, i) => {
    const m = i % 2 ? next() & next() & next() : next() & next();
    return { value: next() & ~m, mask: m };
  });
}

function rate(fn: (i: number) => unknown, minMs = 250): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let k = 0; k < 256; k++) fn(n++);
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

export async function bench(): Promise<BenchRow[]> {
  const ts = sample(1024);
  const big = concreteBits(64), asu = asUintNBits(), pair = pairBits();
  const pairs = ts.map((t) => ({ value: { hi: Number(t.value >> 32n) | 0, lo: Number(t.value & 0xffff_ffffn) | 0 }, mask: { hi: Number(t.mask >> 32n) | 0, lo: Number(t.mask & 0xffff_ffffn) | 0 } }));
  const base = arenaMark();
  const fixedT = ts.map(tnumToFixed); // inputs made once, below every region
  const top = arenaMark();
  const inRegion = <R>(f: () => R): R => { const r = f(); arenaRelease(top); return r; };
  const j = (i: number): number => (i * 7 + 3) & 1023;
  const rows: BenchRow[] = [];
  const row = (name: string, fn: (i: number) => unknown, note?: string): number => {
    const v = rate(fn);
    rows.push({ name, value: v, unit: 'ops/s', note });
    return v;
  };
  for (const [op, f] of [['add', T.tnumAdd], ['mul (6.18)', T.tnumMul]] as const) {
    const b0 = row(`tnum ${op}: bigint`, (i) => f(big, ts[i & 1023], ts[j(i)]));
    row(`tnum ${op}: bigint asUintN`, (i) => f(asu, ts[i & 1023], ts[j(i)]));
    row(`tnum ${op}: pair object`, (i) => f(pair, pairs[i & 1023], pairs[j(i)]));
    const fx = row(`tnum ${op}: fixed arena`, (i) => inRegion(() => f(fixed64, fixedT[i & 1023], fixedT[j(i)])));
    rows.push({ name: `tnum ${op}: fixed arena / bigint`, value: fx / b0, unit: '×' });
  }
  const pool: ScalarState<bigint>[] = fc.sample(arbTracked(), { numRuns: 256, seed: 42 }).map((t) => t.s);
  const fixedPool = pool.map(scalarToFixed);
  const d = concrete64x32;
  const s0 = row('reg_bounds_sync: bigint', (i) => regBoundsSync(d, pool[i & 255]));
  const s1 = row('reg_bounds_sync: fixed arena', (i) => inRegion(() => regBoundsSync(F, fixedPool[i & 255])));
  const s2 = row('reg_bounds_sync: fixed arena, bigint state in/out', (i) => viaFixed1((s) => regBoundsSync(F, s), pool[i & 255]), 'as the verifier calls it');
  rows.push({ name: 'reg_bounds_sync: fixed arena / bigint', value: s1 / s0, unit: '×' });
  rows.push({ name: 'reg_bounds_sync: fixed arena in/out / bigint', value: s2 / s0, unit: '×' });
  arenaRelease(base);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name.padEnd(48)} ${r.value.toLocaleString(undefined, { maximumFractionDigits: 1 }).padStart(14)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
