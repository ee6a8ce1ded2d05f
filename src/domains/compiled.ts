// The scalar domain's hot operators compiled from their generic code (src/bv/trace.ts records a
// run on symbolic inputs, src/bv/jit.ts emits JavaScript on int32 halves) and called on the
// bigint states the verifier model stores. One compiled function per operator and plain-number
// configuration (ALU op and width, branch condition, load size, kernel flavor), made on first use.
//
// Bigints cross the boundary through a BigUint64Array that shares its memory with the
// Int32Array the compiled code reads, so there is no conversion code, only the bigint loads.
import { Trace, type NodeWidth, type NativeImpl } from '../bv/trace.ts';
import { tnumMulStep, type TnumMulNative } from './tnum.ts';
import { compileTrace, type CompiledFn, type OutPort } from '../bv/jit.ts';
import { type ScalarState, type D, type KernelFlavor, currentFlavor, iteState, markUnbounded, scalarSane } from './scalar.ts';
import { regBoundsSync, type RegBoundsSyncNative } from './sync.ts';
import { scalarAlu, type ScalarAluOp } from './alu.ts';
import { refine, refineCondOp, revCond, branchTakenB, type Cond, type RefineCond, type Width } from './branch.ts';
import { coerceRegToSize, coerceRegToSizeSx } from './alu-move.ts';

type S = ScalarState<bigint>;
type TS = ScalarState<number>;

/** Slots of one scalar: value, mask, umin, umax, smin, smax (64-bit), u32min, u32max, s32min, s32max (32-bit). */
const SLOTS = 10;
const MAX_SLOTS = 4 * SLOTS + 2;

const inBuf = new ArrayBuffer(MAX_SLOTS * 8), outBuf = new ArrayBuffer(MAX_SLOTS * 8);
const I32 = new Int32Array(inBuf), I64 = new BigUint64Array(inBuf);
const O32 = new Int32Array(outBuf), O64 = new BigUint64Array(outBuf);

function store(s: S, k: number): void {
  I64[k] = s.varOff.value; I64[k + 1] = s.varOff.mask;
  I64[k + 2] = s.umin; I64[k + 3] = s.umax; I64[k + 4] = s.smin; I64[k + 5] = s.smax;
  I64[k + 6] = s.u32min; I64[k + 7] = s.u32max; I64[k + 8] = s.s32min; I64[k + 9] = s.s32max;
}

function load(k: number): S {
  return {
    varOff: { value: O64[k], mask: O64[k + 1] },
    umin: O64[k + 2], umax: O64[k + 3], smin: O64[k + 4], smax: O64[k + 5],
    u32min: O64[k + 6], u32max: O64[k + 7], s32min: O64[k + 8], s32max: O64[k + 9],
  };
}

function traceIn(t: Trace): TS {
  const v = (w: 64 | 32) => t.input(w);
  return {
    varOff: { value: v(64), mask: v(64) },
    umin: v(64), umax: v(64), smin: v(64), smax: v(64),
    u32min: v(32), u32max: v(32), s32min: v(32), s32max: v(32),
  };
}

function ports(s: TS): OutPort[] {
  const p = (id: number, w: NodeWidth): OutPort => ({ id, w });
  return [p(s.varOff.value, 64), p(s.varOff.mask, 64), p(s.umin, 64), p(s.umax, 64), p(s.smin, 64), p(s.smax, 64),
    p(s.u32min, 32), p(s.u32max, 32), p(s.s32min, 32), p(s.s32max, 32)];
}

/** A generic operator from n scalar inputs to scalar outputs, with boolean outputs after them. */
type GenericOp = (d: D<number, number>, ins: TS[]) => { states: TS[]; flags?: number[] };

/**
 * Native tnum_mul at a width: the compiled tnumMulStep, 8 steps per call, run until the
 * multiplier is 0. Up to 7 steps past the point where runMulLoop stops are harmless: with a
 * multiplier of 0 a step leaves the accumulator unchanged (its comment), and only the
 * accumulator is the result.
 */
const MUL_BLOCK = 8;
const mulImpls = new Map<number, NativeImpl>();
function mulImpl(w: 64 | 32): NativeImpl {
  let impl = mulImpls.get(w);
  if (impl) return impl;
  const t = new Trace();
  const r = w === 64 ? t.d.u64 : t.d.u32;
  const tn = () => ({ value: t.input(w), mask: t.input(w) });
  let s = { acc: tn(), a: tn(), b: tn() };
  for (let k = 0; k < MUL_BLOCK; k++) s = tnumMulStep(r, s);
  const step = compileTrace(t, [s.acc.value, s.acc.mask, s.a.value, s.a.mask, s.b.value, s.b.mask].map((id) => ({ id, w })), `tnum_mul_block${w}`);
  // state slots: acc value, acc mask, a value, a mask, b value, b mask (two int32 each)
  let cur = new Int32Array(12), nxt = new Int32Array(12);
  impl = (inp, out) => {
    cur.fill(0, 0, 4);
    for (let k = 0; k < 8; k++) cur[4 + k] = inp[k];
    for (let i = 0; i < w; i += MUL_BLOCK) {
      if ((cur[4] | cur[5] | cur[6] | cur[7]) === 0) break;
      step(cur, nxt);
      const x = cur; cur = nxt; nxt = x;
    }
    for (let k = 0; k < 4; k++) out[k] = cur[k];
  };
  mulImpls.set(w, impl);
  return impl;
}

/** Native reg_bounds_sync for a flavor: the compiled sync (10 slots in, 10 slots out). */
const syncImpls = new Map<KernelFlavor, NativeImpl>();
function syncImpl(fl: KernelFlavor): NativeImpl {
  let impl = syncImpls.get(fl);
  if (!impl) {
    const f = compileScalarOp(1, (d, [s]) => ({ states: [regBoundsSync(d, s, fl)] }), `sync_native_${fl.name}`, false);
    impl = (inp, out) => f(inp, out);
    syncImpls.set(fl, impl);
  }
  return impl;
}

/**
 * Record op on n symbolic scalars and compile it. tnum_mul and (unless nativeSync is false, as
 * for the sync itself) reg_bounds_sync are recorded as calls of their own compiled code.
 */
export function compileScalarOp(n: number, op: GenericOp, name: string, nativeSync = true): CompiledFn {
  const t = new Trace();
  if (nativeSync) {
    (t.d as RegBoundsSyncNative<number>).regBoundsSyncNative = (s, fl) => {
      const outs = t.call(syncImpl(fl), ports(s).map((p) => p.id), [64, 64, 64, 64, 64, 64, 32, 32, 32, 32]);
      const [value, mask, umin, umax, smin, smax, u32min, u32max, s32min, s32max] = outs;
      return { varOff: { value, mask }, umin, umax, smin, smax, u32min, u32max, s32min, s32max };
    };
  }
  for (const r of [t.d.u64, t.d.u32]) {
    const w = r.width as 64 | 32;
    (r as TnumMulNative<number>).tnumMulNative = (a, b) => {
      const [value, mask] = t.call(mulImpl(w), [a.value, a.mask, b.value, b.mask], [w, w]);
      return { value, mask };
    };
  }
  const ins = Array.from({ length: n }, () => traceIn(t));
  const r = op(t.d, ins);
  const outs = [...r.states.flatMap(ports), ...(r.flags ?? []).map((id) => ({ id, w: 0 as const }))];
  return compileTrace(t, outs, name);
}

// Entry indices: one small integer per operator and configuration, so the hot path looks up
// arrays, not strings. Compiled functions and cached results belong to one kernel flavor and are
// dropped when the flavor changes.
const ALU_OPS: readonly ScalarAluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor'];
const CONDS: readonly Cond[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
const ALU_IX = Object.fromEntries(ALU_OPS.map((o, i) => [o, i])) as Record<ScalarAluOp, number>;
const COND_IX = Object.fromEntries(CONDS.map((c, i) => [c, i])) as Record<Cond, number>;
const w1 = (w: Width): number => (w === 64 ? 1 : 0);
/** Entry index of each operator family (a family's configurations follow its base). */
export const ENTRY = {
  alu: (op: ScalarAluOp, w: Width): number => 2 * ALU_IX[op] + w1(w),
  refine: (c: Cond, w: Width): number => 26 + 2 * COND_IX[c] + w1(w),
  refine1: (c: Cond, w: Width): number => 48 + 2 * COND_IX[c] + w1(w),
  taken: (c: Cond, w: Width): number => 70 + 2 * COND_IX[c] + w1(w),
  sync: 92,
  coerce: (size: number, sx: boolean): number => 93 + 2 * (size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3) + (sx ? 1 : 0),
  count: 101,
} as const;

let fns: (CompiledFn | undefined)[] = [];
let fnFlavor: KernelFlavor | undefined;

/** Compiled operators made so far (for tests and benchmarks). */
export const compiledCount = (): number => fns.filter(Boolean).length;

function get(ix: number, fl: KernelFlavor, n: number, op: GenericOp, name: string): CompiledFn {
  if (fl !== fnFlavor) {
    fns = [];
    fnFlavor = fl;
    clearResults();
  }
  let f = fns[ix];
  if (!f) {
    f = compileScalarOp(n, op, `${name}_${fl.name}`);
    fns[ix] = f;
  }
  return f;
}

// Results cache: direct-mapped on the input words and the entry index. A hit returns the same
// result object (so later identity checks succeed and no bigint is allocated); it costs a hash
// and a compare of at most 40 int32 words, far less than the string key of the bigint memo.
const CACHE_SIZE = 1 << 14;
const KEY_WORDS = 4 * SLOTS + 1;
const cacheKeys = new Int32Array(CACHE_SIZE * KEY_WORDS);
/** Generation of each slot's entry: clearing bumps the generation instead of wiping 2.7 MB. */
const cacheGen = new Int32Array(CACHE_SIZE);
let gen = 1;
const cacheVals: unknown[] = new Array(CACHE_SIZE).fill(undefined);
export const resultStats = { hits: 0, misses: 0 };

/** Forget every cached result (the compiled functions stay). */
export function clearCompiledResults(): void {
  resultStats.hits = resultStats.misses = 0;
  clearResults();
}

function clearResults(): void {
  gen++;
}

/** Slot of the cache for the current inputs (words 0..nWords of I32) of entry ix. */
function slotOf(ix: number, nWords: number): number {
  let h = ix + 1;
  for (let j = 0; j < nWords; j++) h = Math.imul(h ^ I32[j], 0x9e3779b1);
  h ^= h >>> 15;
  return h & (CACHE_SIZE - 1);
}

function cached(slot: number, ix: number, nWords: number): unknown {
  const base = slot * KEY_WORDS;
  if (cacheGen[slot] !== gen || cacheKeys[base] !== ix + 1) return undefined;
  for (let j = 0; j < nWords; j++) if (cacheKeys[base + 1 + j] !== I32[j]) return undefined;
  return cacheVals[slot];
}

function remember(slot: number, ix: number, nWords: number, v: unknown): void {
  const base = slot * KEY_WORDS;
  cacheGen[slot] = gen;
  cacheKeys[base] = ix + 1;
  for (let j = 0; j < nWords; j++) cacheKeys[base + 1 + j] = I32[j];
  cacheVals[slot] = v;
}

/** Run entry ix on the stored inputs (n scalars), through the results cache. */
function call<T>(ix: number, n: number, f: () => CompiledFn, read: () => T): T {
  const nWords = 2 * SLOTS * n;
  const slot = slotOf(ix, nWords);
  const hit = cached(slot, ix, nWords);
  if (hit !== undefined) {
    resultStats.hits++;
    return hit as T;
  }
  resultStats.misses++;
  f()(I32, O32);
  const v = read();
  remember(slot, ix, nWords, v);
  return v;
}

// -------------------------------------------------------------------------------------------
// The operators. Each generic body below is what the bigint path computes (memo.ts), written
// without native conditionals on values so that it can be recorded.

/** One refined edge for an immediate operand: refine the register, sync, mark unbounded if insane. */
export function refineFirstEdge<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>, k: RefineCond, w: Width, fl: KernelFlavor): ScalarState<V> {
  const x = regBoundsSync(d, refineCondOp(d, a, b, k, w)[0], fl);
  return iteState(d, scalarSane(d, x), x, markUnbounded(d, x));
}

export function syncCompiled(a: S, fl: KernelFlavor = currentFlavor()): S {
  store(a, 0);
  return call(ENTRY.sync, 1, () => get(ENTRY.sync, fl, 1, (d, [s]) => ({ states: [regBoundsSync(d, s, fl)] }), 'sync'), () => load(0));
}

export function aluCompiled(op: ScalarAluOp, w: Width, a: S, b: S, fl: KernelFlavor = currentFlavor()): S {
  const ix = ENTRY.alu(op, w);
  store(a, 0);
  store(b, SLOTS);
  return call(ix, 2, () => get(ix, fl, 2, (d, [x, y]) => ({ states: [scalarAlu(d, op, w, x, y, fl)] }), `alu_${op}${w}`), () => load(0));
}

type Edges = { taken: readonly S[]; fallthrough: readonly S[] };

/** refine for two registers: [fallthrough a, b], [taken a, b] (as refineMemo). */
export function refineCompiled(a: S, b: S, c: Cond, w: Width, fl: KernelFlavor = currentFlavor()): Edges {
  const ix = ENTRY.refine(c, w);
  store(a, 0);
  store(b, SLOTS);
  return call(ix, 2, () => get(ix, fl, 2, (d, [x, y]) => {
    const r = refine(d, x, y, c, w, fl);
    return { states: [...r.fallthrough, ...r.taken] };
  }, `refine_${c}${w}`), (): Edges => ({ fallthrough: [load(0), load(SLOTS)], taken: [load(2 * SLOTS), load(3 * SLOTS)] }));
}

/** refine for an immediate operand (as refineFirstMemo). */
export function refineFirstCompiled(a: S, b: S, c: Cond, w: Width, fl: KernelFlavor = currentFlavor()): Edges {
  const ix = ENTRY.refine1(c, w);
  store(a, 0);
  store(b, SLOTS);
  return call(ix, 2, () => get(ix, fl, 2, (d, [x, y]) => ({
    states: [refineFirstEdge(d, x, y, revCond(c), w, fl), refineFirstEdge(d, x, y, c, w, fl)],
  }), `refine1_${c}${w}`), (): Edges => ({ fallthrough: [load(0)], taken: [load(SLOTS)] }));
}

/** coerce_reg_to_size / coerce_reg_to_size_sx (as coerceMemo). */
export function coerceCompiled(a: S, size: number, sx: boolean, fl: KernelFlavor = currentFlavor()): S {
  const ix = ENTRY.coerce(size, sx);
  store(a, 0);
  return call(ix, 1, () => get(ix, fl, 1, (d, [s]) => ({
    states: [sx ? coerceRegToSizeSx(d, s, (size * 8) as 8 | 16 | 32, fl) : coerceRegToSize(d, s, size, fl)],
  }), `coerce_${size}${sx ? 's' : 'u'}`), () => load(0));
}

/** is_branch_taken: 1 always, 0 never, -1 unknown (as branchTaken; not cached, it allocates nothing). */
export function branchTakenCompiled(a: S, b: S, c: Cond, w: Width): 1 | 0 | -1 {
  const ix = ENTRY.taken(c, w);
  store(a, 0);
  store(b, SLOTS);
  get(ix, currentFlavor(), 2, (d, [x, y]) => {
    const t = branchTakenB(d, x, y, c, w);
    return { states: [], flags: [t.always, t.never] };
  }, `taken_${c}${w}`)(I32, O32);
  return O32[0] ? 1 : O32[2] ? 0 : -1;
}
