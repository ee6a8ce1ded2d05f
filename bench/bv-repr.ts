// Which representation of 64-bit values runs the generic domain operators fastest: the same
// tnum add / tnum mul / reg_bounds_sync code on each candidate backend, ops per second.
//   bigint        src/bv/concrete.ts (the test oracle; masks with `& MASK`)
//   bigint asUintN the same with BigInt.asUintN(64, …), which V8 can lower to 64-bit integer ops
//   pair object   {hi, lo} int32 halves, one object per value (tnum operators only)
//   fixed arena   src/bv/fixed.ts: integer handles into int32 arrays, freed per region
//   compiled      src/bv/trace.ts + jit.ts: the generic code recorded and compiled to int32 code
// The arena figures include resetting the region after each operation. 'compiled' reads and
// writes int32 halves; 'compiled, bigint in/out' is the verifier's call (bigint states in, new
// bigint states out, results cache off). The bigint rows run first, so the generic code's type
// feedback is the bigint backend's alone when they are measured.
import fc from 'fast-check';
import { concreteBits, concrete64x32 } from '../src/bv/concrete.ts';
import type { Bits } from '../src/bv/bits.ts';
import { OUT, add64, sub64, mul64, shl64, lshr64, ashr64, ult64, fromBig, toBig } from '../src/bv/u64.ts';
import { fixed64, arenaMark, arenaRelease } from '../src/bv/fixed.ts';
import { F, scalarToFixed, viaFixed1, tnumToFixed } from '../src/domains/fixed-scalar.ts';
import { Trace } from '../src/bv/trace.ts';
import { compileTrace, type CompiledFn } from '../src/bv/jit.ts';
import { compileScalarOp } from '../src/domains/compiled.ts';
import * as T from '../src/domains/tnum.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import type { ScalarState } from '../src/domains/scalar.ts';
import { regBoundsSync } from '../src/domains/sync.ts';
import { arbTracked } from '../test/domains/arb-scalar.ts';
import type { BenchRow } from './types.ts';
import { LINUX_6_18 } from '../src/domains/scalar.ts';

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

/** tnum_mul as the verifier runs it compiled: one native call (compiled step, loop with exit). */
function compileScalarOpTnum(): CompiledFn {
  // a scalar-op recording whose only work is tnum_mul on the first state's var_off and the
  // second's: the recording routes tnum_mul through the native loop (compiled.ts)
  return compileScalarOp(2, (dd, [x, y]) => ({ states: [{ ...x, varOff: T.tnumMul(dd.u64, x.varOff, y.varOff) }] }), 'tnum_mul');
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
    rate(fn, 300); // warm-up: V8 optimises the long compiled functions on a background thread
    const v = rate(fn);
    rows.push({ name, value: v, unit: 'ops/s', note });
    return v;
  };
  // compiled: inputs as int32 halves in one buffer per sample
  const halves = (xs: bigint[]): Int32Array => { const b = new BigUint64Array(xs); return new Int32Array(b.buffer); };
  const tIn = ts.map((a, i) => halves([a.value, a.mask, ts[j(i)].value, ts[j(i)].mask]));
  const tOut = new Int32Array(8);
  const compileTnum = (f: typeof T.tnumAdd): CompiledFn => {
    const t = new Trace();
    const q = t.d.u64;
    const r = f(q, { value: t.input(64), mask: t.input(64) }, { value: t.input(64), mask: t.input(64) });
    return compileTrace(t, [{ id: r.value, w: 64 }, { id: r.mask, w: 64 }]);
  };
  const mIn = ts.map((a, i) => { const x = new Array<bigint>(20).fill(0n); x[0] = a.value; x[1] = a.mask; x[10] = ts[j(i)].value; x[11] = ts[j(i)].mask; return halves(x); });
  const mOut = new Int32Array(20);
  const ratios: [string, number, number][] = [];
  for (const [op, f] of [['add', T.tnumAdd], ['mul (6.18)', T.tnumMul]] as const) {
    const b0 = row(`tnum ${op}: bigint`, (i) => f(big, ts[i & 1023], ts[j(i)]));
    row(`tnum ${op}: bigint asUintN`, (i) => f(asu, ts[i & 1023], ts[j(i)]));
    row(`tnum ${op}: pair object`, (i) => f(pair, pairs[i & 1023], pairs[j(i)]));
    const fx = row(`tnum ${op}: fixed arena`, (i) => inRegion(() => f(fixed64, fixedT[i & 1023], fixedT[j(i)])));
    const cf = op === 'add' ? compileTnum(f) : compileScalarOpTnum();
    const cc = op === 'add' ? row(`tnum ${op}: compiled`, (i) => cf(tIn[i & 1023], tOut)) : row(`tnum ${op}: compiled`, (i) => cf(mIn[i & 1023], mOut), 'native loop over the compiled step');
    ratios.push([`tnum ${op}`, fx / b0, cc / b0]);
  }
  const pool: ScalarState<bigint>[] = fc.sample(arbTracked(), { numRuns: 256, seed: 42 }).map((t) => t.s);
  const fixedPool = pool.map(scalarToFixed);
  const d = concrete64x32;
  const s0 = row('reg_bounds_sync: bigint', (i) => regBoundsSync(d, pool[i & 255], LINUX_6_18));
  const s1 = row('reg_bounds_sync: fixed arena', (i) => inRegion(() => regBoundsSync(F, fixedPool[i & 255], LINUX_6_18)));
  row('reg_bounds_sync: fixed arena, bigint state in/out', (i) => viaFixed1((s) => regBoundsSync(F, s, LINUX_6_18), pool[i & 255]));
  const syncFn = compileScalarOp(1, (dd, [s]) => ({ states: [regBoundsSync(dd, s, LINUX_6_18)] }), 'sync');
  const sIn = pool.map((s) => halves([s.varOff.value, s.varOff.mask, s.umin, s.umax, s.smin, s.smax, s.u32min, s.u32max, s.s32min, s.s32max]));
  const sOut = new Int32Array(20), sOut64 = new BigUint64Array(sOut.buffer);
  const s3 = row('reg_bounds_sync: compiled', (i) => syncFn(sIn[i & 255], sOut));
  const I = new BigUint64Array(10), I32 = new Int32Array(I.buffer);
  const s4 = row('reg_bounds_sync: compiled, bigint state in/out', (i) => {
    const s = pool[i & 255];
    I[0] = s.varOff.value; I[1] = s.varOff.mask; I[2] = s.umin; I[3] = s.umax; I[4] = s.smin; I[5] = s.smax;
    I[6] = s.u32min; I[7] = s.u32max; I[8] = s.s32min; I[9] = s.s32max;
    syncFn(I32, sOut);
    const o = sOut64;
    return { varOff: { value: o[0], mask: o[1] }, umin: o[2], umax: o[3], smin: o[4], smax: o[5], u32min: o[6], u32max: o[7], s32min: o[8], s32max: o[9] };
  }, 'as the verifier calls it on a cache miss');
  ratios.push(['reg_bounds_sync', s1 / s0, s3 / s0]);
  for (const [name, fx, cc] of ratios) {
    rows.push({ name: `${name}: fixed arena / bigint`, value: fx, unit: '×' });
    rows.push({ name: `${name}: compiled / bigint`, value: cc, unit: '×' });
  }
  rows.push({ name: 'reg_bounds_sync: compiled with bigint in/out / bigint', value: s4 / s0, unit: '×' });
  arenaRelease(base);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name.padEnd(48)} ${r.value.toLocaleString(undefined, { maximumFractionDigits: 1 }).padStart(14)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
}
