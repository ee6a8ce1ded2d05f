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
import { regBoundsSync } from './sync.ts';
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

/** Native tnum_mul at a width: the compiled tnumMulStep, run until the multiplier is 0. */
const mulImpls = new Map<number, NativeImpl>();
function mulImpl(w: 64 | 32): NativeImpl {
  let impl = mulImpls.get(w);
  if (impl) return impl;
  const t = new Trace();
  const r = w === 64 ? t.d.u64 : t.d.u32;
  const tn = () => ({ value: t.input(w), mask: t.input(w) });
  const s = tnumMulStep(r, { acc: tn(), a: tn(), b: tn() });
  const step = compileTrace(t, [s.acc.value, s.acc.mask, s.a.value, s.a.mask, s.b.value, s.b.mask].map((id) => ({ id, w })), `tnum_mul_step${w}`);
  // state slots: acc value, acc mask, a value, a mask, b value, b mask (two int32 each)
  let cur = new Int32Array(12), nxt = new Int32Array(12);
  impl = (inp, out) => {
    cur.fill(0, 0, 4);
    for (let k = 0; k < 8; k++) cur[4 + k] = inp[k];
    for (let i = 0; i < w; i++) {
      if ((cur[4] | cur[5] | cur[6] | cur[7]) === 0) break;
      step(cur, nxt);
      const x = cur; cur = nxt; nxt = x;
    }
    for (let k = 0; k < 4; k++) out[k] = cur[k];
  };
  mulImpls.set(w, impl);
  return impl;
}

/** Record op on n symbolic scalars and compile it. */
export function compileScalarOp(n: number, op: GenericOp, name: string): CompiledFn {
  const t = new Trace();
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

const compiled = new Map<string, CompiledFn>();
/** Compiled operators made so far (for tests and benchmarks). */
export const compiledCount = (): number => compiled.size;

function get(key: string, n: number, op: GenericOp): CompiledFn {
  let f = compiled.get(key);
  if (!f) {
    f = compileScalarOp(n, op, key);
    compiled.set(key, f);
  }
  return f;
}

function run1(f: CompiledFn, a: S): void {
  store(a, 0);
  f(I32, O32);
}
function run2(f: CompiledFn, a: S, b: S): void {
  store(a, 0);
  store(b, SLOTS);
  f(I32, O32);
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
  run1(get(`sync_${fl.name}`, 1, (d, [s]) => ({ states: [regBoundsSync(d, s, fl)] })), a);
  return load(0);
}

export function aluCompiled(op: ScalarAluOp, w: Width, a: S, b: S, fl: KernelFlavor = currentFlavor()): S {
  run2(get(`alu_${op}${w}_${fl.name}`, 2, (d, [x, y]) => ({ states: [scalarAlu(d, op, w, x, y, fl)] })), a, b);
  return load(0);
}

/** refine for two registers: [fallthrough a, b], [taken a, b] (as refineMemo). */
export function refineCompiled(a: S, b: S, c: Cond, w: Width, fl: KernelFlavor = currentFlavor()): { taken: readonly S[]; fallthrough: readonly S[] } {
  run2(get(`refine_${c}${w}_${fl.name}`, 2, (d, [x, y]) => {
    const r = refine(d, x, y, c, w, fl);
    return { states: [...r.fallthrough, ...r.taken] };
  }), a, b);
  return { fallthrough: [load(0), load(SLOTS)], taken: [load(2 * SLOTS), load(3 * SLOTS)] };
}

/** refine for an immediate operand (as refineFirstMemo). */
export function refineFirstCompiled(a: S, b: S, c: Cond, w: Width, fl: KernelFlavor = currentFlavor()): { taken: readonly S[]; fallthrough: readonly S[] } {
  run2(get(`refine1_${c}${w}_${fl.name}`, 2, (d, [x, y]) => ({
    states: [refineFirstEdge(d, x, y, revCond(c), w, fl), refineFirstEdge(d, x, y, c, w, fl)],
  })), a, b);
  return { fallthrough: [load(0)], taken: [load(SLOTS)] };
}

/** coerce_reg_to_size / coerce_reg_to_size_sx (as coerceMemo). */
export function coerceCompiled(a: S, size: number, sx: boolean, fl: KernelFlavor = currentFlavor()): S {
  run1(get(`coerce_${size}${sx ? 's' : 'u'}_${fl.name}`, 1, (d, [s]) => ({
    states: [sx ? coerceRegToSizeSx(d, s, (size * 8) as 8 | 16 | 32, fl) : coerceRegToSize(d, s, size, fl)],
  })), a);
  return load(0);
}

/** is_branch_taken: 1 always, 0 never, -1 unknown (as branchTaken). */
export function branchTakenCompiled(a: S, b: S, c: Cond, w: Width): 1 | 0 | -1 {
  run2(get(`taken_${c}${w}`, 2, (d, [x, y]) => {
    const t = branchTakenB(d, x, y, c, w);
    return { states: [], flags: [t.always, t.never] };
  }), a, b);
  return O32[0] ? 1 : O32[2] ? 0 : -1;
}
