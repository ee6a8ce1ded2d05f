// The scalar domain's hot operators compiled from their generic code (src/bv/trace.ts records a
// run on symbolic inputs, src/bv/jit.ts emits JavaScript on int32 halves) and called on the
// bigint states the verifier model stores. One compiled function per operator and plain-number
// configuration (ALU op and width, branch condition, load size, kernel flavor), made on first use.
//
// Bigints cross the boundary through a BigUint64Array that shares its memory with the
// Int32Array the compiled code reads, so there is no conversion code, only the bigint loads.
import { Trace, type NodeWidth, type NativeImpl } from '../bv/trace.ts';
import { tnumMulStep, mulLoopDone, type TnumMulNative } from './tnum.ts';
import { compileTrace, type CompiledFn, type OutPort } from '../bv/jit.ts';
import { type ScalarState, type D, type KernelFlavor, iteState, markUnbounded, scalarSane } from './scalar.ts';
import { regBoundsSync, regBoundOffset, regDeduceBounds, updateRegBounds, type RegBoundsSyncNative } from './sync.ts';
import { boundsFromTnum } from './sync-fixed.ts';
import { mergeSmall, updateSmall } from './sync-small.ts';
import { scalarAlu, type ScalarAluOp } from './alu.ts';
import { refine, refineCondOp, revCond, branchTakenB, type Cond, type RefineCond, type Width } from './branch.ts';
import { coerceRegToSize, coerceRegToSizeSx } from './alu-move.ts';
import { ptrVarMove, type PtrVarOp } from './alu-ptr.ts';

type S = ScalarState<bigint>;
type TS = ScalarState<number>;

/** Slots of one scalar: value, mask, umin, umax, smin, smax (64-bit), u32min, u32max, s32min, s32max (32-bit). */
const SLOTS = 10;
const MAX_SLOTS = 4 * SLOTS + 2;

const inBuf = new ArrayBuffer(MAX_SLOTS * 8), outBuf = new ArrayBuffer(MAX_SLOTS * 8);
const I32 = new Int32Array(inBuf), I64 = new BigUint64Array(inBuf);
const O32 = new Int32Array(outBuf), O64 = new BigUint64Array(outBuf);

/**
 * The state whose words are in input position 0 and SLOTS. States are never changed once made,
 * so storing the same object again (a loop's constant, the register an operator just produced)
 * is skipped: ten bigint conversions saved. Only store writes the input buffer.
 */
let at0: S | undefined, at1: S | undefined;

function store(s: S, k: number): void {
  if (k === 0) {
    if (s === at0) return;
    at0 = s;
  } else {
    if (s === at1) return;
    at1 = s;
  }
  I64[k] = s.varOff.value; I64[k + 1] = s.varOff.mask;
  I64[k + 2] = s.umin; I64[k + 3] = s.umax; I64[k + 4] = s.smin; I64[k + 5] = s.smax;
  I64[k + 6] = s.u32min; I64[k + 7] = s.u32max; I64[k + 8] = s.s32min; I64[k + 9] = s.s32max;
}

const U64_MAX = (1n << 64n) - 1n, S64_MAX = (1n << 63n) - 1n, S64_MIN_U = 1n << 63n;
const U32_MAX = (1n << 32n) - 1n, S32_MAX = (1n << 31n) - 1n, S32_MIN_U = 1n << 31n;

/**
 * Small results (packet offsets, byte and half-word bounds, loop counters) as bigints made once
 * per value, filled on first use: reading one from the BigUint64Array allocates a heap bigint,
 * ~10% of a miss's cost by its profile. Slot 0 is 0n.
 */
const SMALL_WORDS = 1 << 16;
const SMALL: (bigint | undefined)[] = new Array(SMALL_WORDS).fill(undefined);
SMALL[0] = 0n;

/**
 * The bigint of output word k, whose halves the caller has read (lo, hi). Reading a
 * BigUint64Array makes a new heap bigint each time; the bounds of a result are mostly 0 and the
 * ends of the u64/s64/u32/s32 ranges, so those come from constants (a bigint's identity is never
 * observable) and only other values are read.
 */
function word(k: number, lo: number, hi: number): bigint {
  if (hi === 0) {
    if (lo >= 0 && lo < SMALL_WORDS) return SMALL[lo] ?? (SMALL[lo] = BigInt(lo));
    if (lo === -1) return U32_MAX;
    if (lo === 0x7fffffff) return S32_MAX;
    if (lo === -0x80000000) return S32_MIN_U;
  } else if (lo === -1) {
    if (hi === -1) return U64_MAX;
    if (hi === 0x7fffffff) return S64_MAX;
  } else if (lo === 0 && hi === -0x80000000) return S64_MIN_U;
  return recentWord(k, lo, hi);
}

/**
 * Other words through a small direct-mapped table of the bigints read most recently: a result
 * repeats a value across its bounds (a checksum's sum is umax, smax, u32max and s32max at once)
 * and the next operators' results repeat it again; reading the BigUint64Array would make a heap
 * bigint each time (355 per xdp_csum_loop check, 220 distinct). Every slot starts as 0 ↔ 0n.
 */
const RECENT_BITS = 8;
const recentLo = new Int32Array(1 << RECENT_BITS), recentHi = new Int32Array(1 << RECENT_BITS);
const recentVal: bigint[] = new Array<bigint>(1 << RECENT_BITS).fill(0n);

function recentWord(k: number, lo: number, hi: number): bigint {
  const i = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi, 0x85ebca6b)) >>> (32 - RECENT_BITS);
  if (recentLo[i] === lo && recentHi[i] === hi) return recentVal[i];
  recentLo[i] = lo;
  recentHi[i] = hi;
  return (recentVal[i] = O64[k]);
}

/**
 * Output state k as bigints. Each of its 20 words is read once; a bound whose words equal
 * another bound's already made (a small state's u64, s64, u32 and s32 ends are mostly the same
 * words) reuses that bigint.
 */
function load(k: number): S {
  const o = 2 * k;
  const uminL = O32[o + 4], uminH = O32[o + 5], umaxL = O32[o + 6], umaxH = O32[o + 7];
  const sminL = O32[o + 8], sminH = O32[o + 9], smaxL = O32[o + 10], smaxH = O32[o + 11];
  const u32minL = O32[o + 12], u32minH = O32[o + 13], u32maxL = O32[o + 14], u32maxH = O32[o + 15];
  const s32minL = O32[o + 16], s32minH = O32[o + 17], s32maxL = O32[o + 18], s32maxH = O32[o + 19];
  const umin = word(k + 2, uminL, uminH), umax = word(k + 3, umaxL, umaxH);
  const u32min = u32minL === uminL && u32minH === uminH ? umin : word(k + 6, u32minL, u32minH);
  const u32max = u32maxL === umaxL && u32maxH === umaxH ? umax : word(k + 7, u32maxL, u32maxH);
  return {
    varOff: { value: word(k, O32[o], O32[o + 1]), mask: word(k + 1, O32[o + 2], O32[o + 3]) },
    umin, umax,
    smin: sminL === uminL && sminH === uminH ? umin : word(k + 4, sminL, sminH),
    smax: smaxL === umaxL && smaxH === umaxH ? umax : word(k + 5, smaxL, smaxH),
    u32min, u32max,
    s32min: s32minL === u32minL && s32minH === u32minH ? u32min : word(k + 8, s32minL, s32minH),
    s32max: s32maxL === u32maxL && s32maxH === u32maxH ? u32max : word(k + 9, s32maxL, s32maxH),
  };
}

/** Output state k holds the words of the input state stored at input slot j. */
function outIsIn(k: number, j: number): boolean {
  const o = 2 * k, i = 2 * j;
  // umax and the tnum's mask first: the words a new result most often differs in
  if (O32[o + 6] !== I32[i + 6] || O32[o + 2] !== I32[i + 2]) return false;
  for (let w = 0; w < 2 * SLOTS; w++) if (O32[o + w] !== I32[i + w]) return false;
  return true;
}

/**
 * Output state k, or the input a (stored at slot 0) or b (at SLOTS; undefined for one input)
 * itself when the output's words are that input's: states are never changed once made, so
 * the result can be the input object (no allocation, and later calls on it find it stored
 * already or answered by their ways).
 */
function loadOr(k: number, a: S, b: S | undefined): S {
  if (outIsIn(k, 0)) return a;
  if (b !== undefined && outIsIn(k, SLOTS)) return b;
  return load(k);
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
 * Native code that recorded operators call instead of recording it again: tnum_mul's loop (the
 * compiled tnumMulStep, MUL_BLOCK steps per call, driven with mulLoopDone compiled beside it) and
 * reg_bounds_sync per flavor. Owned by a CompiledOps; nothing here is shared between owners.
 */
const MUL_BLOCK = 8;
export class NativeParts {
  private readonly mul = new Map<number, NativeImpl>();
  private readonly sync = new Map<string, NativeImpl>();

  /**
   * tnum_mul at a width. Up to MUL_BLOCK - 1 steps past the point where runMulLoop stops are
   * harmless: once mulLoopDone holds, a step leaves the accumulator unchanged and the test true
   * (the exit lemma of proofs/tnum-mul.ts), and only the accumulator is the result.
   */
  mulImpl(w: 64 | 32): NativeImpl {
    let impl = this.mul.get(w);
    if (impl) return impl;
    const t = new Trace();
    const r = w === 64 ? t.d.u64 : t.d.u32;
    const tn = () => ({ value: t.input(w), mask: t.input(w) });
    const first = { acc: tn(), a: tn(), b: tn() };
    let s = first;
    for (let k = 0; k < MUL_BLOCK; k++) s = tnumMulStep(r, s);
    // outputs: the state after the block (6 ports), then the exit test before and after it
    const ports = [s.acc.value, s.acc.mask, s.a.value, s.a.mask, s.b.value, s.b.mask].map((id): OutPort => ({ id, w }));
    ports.push({ id: mulLoopDone(r, first.a), w: 0 }, { id: mulLoopDone(r, s.a), w: 0 });
    const block = compileTrace(t, ports, `tnum_mul_block${w}`);
    const DONE_BEFORE = 12, DONE_AFTER = 14;
    let cur = new Int32Array(16), nxt = new Int32Array(16);
    impl = (inp, out) => {
      cur.fill(0, 0, 4);
      for (let k = 0; k < 8; k++) cur[4 + k] = inp[k];
      for (let i = 0; i < w; i += MUL_BLOCK) {
        block(cur, nxt);
        if (nxt[DONE_BEFORE]) break;
        const x = cur; cur = nxt; nxt = x;
        if (cur[DONE_AFTER]) break;
      }
      for (let k = 0; k < 4; k++) out[k] = cur[k];
    };
    this.mul.set(w, impl);
    return impl;
  }

  /**
   * reg_bounds_sync for a flavor (10 slots in, 10 slots out), in compiled stages driven here:
   * the compiled boundsFromTnum test (src/domains/sync-fixed.ts, ~40 operations) first, and an
   * input it accepts, a fixed point of the sync (proofs/sync-fixed.ts), is copied. Else, for a
   * small input (every word below 2^31), one compiled function: __update_reg_bounds in 32-bit
   * operations, the 32-bit merge that equals all three __reg_deduce_bounds rounds and
   * __reg_bound_offset where its `ok` holds, and the 32-bit update again on the merged state,
   * which is small (src/domains/sync-small.ts; proofs/sync-small.ts). Where `ok` fails, or for
   * other inputs, __update_reg_bounds, then the merge and the 32-bit update when `ok` holds
   * there; else __reg_deduce_bounds up to three times, stopping after a round that changed
   * nothing (the rounds after it would change nothing either: deduceRoundSkip in
   * proofs/sync-fixed.ts), then __reg_bound_offset and __update_reg_bounds as one function.
   */
  syncImpl(fl: KernelFlavor): NativeImpl {
    let impl = this.sync.get(fl.name);
    if (!impl) {
      const stage = (name: string, f: (d: D<number, number>, s: TS) => TS) => compileScalarOp(1, (d, [s]) => ({ states: [f(d, s)] }), `sync_${name}_${fl.name}`, this, false);
      const flagged = (name: string, f: (d: D<number, number>, s: TS) => { ok: number; s: TS }) => compileScalarOp(1, (d, [s]) => {
        const r = f(d, s);
        return { states: [r.s], flags: [r.ok] };
      }, `sync_${name}_${fl.name}`, this, false);
      const fixed = compileScalarOp(1, (d, [s]) => ({ states: [], flags: [boundsFromTnum(d, s)] }), `sync_fixed_${fl.name}`, this, false);
      const update = stage('update', (d, s) => updateRegBounds(d, s, fl));
      const deduce = stage('deduce', regDeduceBounds);
      const tail = stage('tail', (d, s) => updateRegBounds(d, regBoundOffset(d, s), fl));
      const mergeUpdate = (d: D<number, number>, s: TS) => {
        const m = mergeSmall(d, s);
        return { ok: m.ok, s: updateSmall(d, m.s, fl) };
      };
      const merged = flagged('merge', mergeUpdate);
      const small = flagged('small', (d, s) => mergeUpdate(d, updateSmall(d, s, fl)));
      const flag = new Int32Array(2), a = new Int32Array(2 * SLOTS), b = new Int32Array(2 * SLOTS), c = new Int32Array(2 * SLOTS + 2);
      const OK = 2 * SLOTS;
      impl = (inp, out) => {
        fixed(inp, flag);
        if (flag[0] !== 0) {
          // the 64-bit slots whole, the 32-bit ones' low words (their high words read as 0)
          for (let k = 0; k < 12; k++) out[k] = inp[k];
          for (let k = 12; k < 20; k += 2) {
            out[k] = inp[k];
            out[k + 1] = 0;
          }
          return;
        }
        if (smallWords(inp)) {
          // straight into out when it has room for the flag after the state (the compiled
          // operators' call buffers do), else through c
          if (out.length >= OK + 2) {
            small(inp, out);
            if (out[OK] !== 0) return;
          } else {
            small(inp, c);
            if (c[OK] !== 0) return copyState(c, out);
          }
          // the same ok on the same state (U(inp) = the 32-bit update of it) fails in `merged`
          update(inp, a);
        } else {
          update(inp, a);
          merged(a, c);
          if (c[OK] !== 0) return copyState(c, out);
        }
        deduce(a, b);
        if (sameWords(a, b)) return tail(b, out);
        deduce(b, a);
        if (sameWords(b, a)) return tail(a, out);
        deduce(a, b);
        tail(b, out);
      };
      this.sync.set(fl.name, impl);
    }
    return impl;
  }
}

/** Every word of a scalar in compiled slots below 2^31: high words 0, low words non-negative (isSmall of sync-small.ts). */
function smallWords(x: Int32Array): boolean {
  for (let k = 0; k < 2 * SLOTS; k += 2) if (x[k + 1] !== 0 || x[k] < 0) return false;
  return true;
}

function copyState(from: Int32Array, to: Int32Array): void {
  for (let k = 0; k < 2 * SLOTS; k++) to[k] = from[k];
}

/** Two compiled outputs of one scalar hold the same state (every word: 32-bit slots' high words are 0). */
function sameWords(x: Int32Array, y: Int32Array): boolean {
  for (let k = 0; k < 2 * SLOTS; k++) if (x[k] !== y[k]) return false;
  return true;
}

/**
 * Record op on n symbolic scalars and compile it. tnum_mul and (unless nativeSync is false, as
 * for the sync itself) reg_bounds_sync are recorded as calls of `natives`' compiled code.
 */
export function compileScalarOp(n: number, op: GenericOp, name: string, natives: NativeParts = new NativeParts(), nativeSync = true): CompiledFn {
  const t = new Trace();
  if (nativeSync) {
    (t.d as RegBoundsSyncNative<number>).regBoundsSyncNative = (s, fl) => {
      const outs = t.call(natives.syncImpl(fl), ports(s).map((p) => p.id), [64, 64, 64, 64, 64, 64, 32, 32, 32, 32]);
      const [value, mask, umin, umax, smin, smax, u32min, u32max, s32min, s32max] = outs;
      return { varOff: { value, mask }, umin, umax, smin, smax, u32min, u32max, s32min, s32max };
    };
  }
  for (const r of [t.d.u64, t.d.u32]) {
    const w = r.width as 64 | 32;
    (r as TnumMulNative<number>).tnumMulNative = (a, b) => {
      const [value, mask] = t.call(natives.mulImpl(w), [a.value, a.mask, b.value, b.mask], [w, w]);
      return { value, mask };
    };
  }
  const ins = Array.from({ length: n }, () => traceIn(t));
  const r = op(t.d, ins);
  const outs = [...r.states.flatMap(ports), ...(r.flags ?? []).map((id) => ({ id, w: 0 as const }))];
  return compileTrace(t, outs, name);
}

// Entry indices: one small integer per operator and configuration, so the hot path looks up
// arrays, not strings.
// The operator's position is a switch, not a table keyed by the operator's name: a keyed load
// that sees a dozen names goes megamorphic (a stub-cache probe per lookup, up to three lookups per
// operation: the tier's heat, the public method, the uncached body). Unknown names give NaN, as
// the table's missing key did.
/** Position of an ALU operator: add sub mul div sdiv mod smod or and lsh rsh arsh xor. */
function aluIx(op: ScalarAluOp): number {
  switch (op) {
    case 'add': return 0;
    case 'sub': return 1;
    case 'mul': return 2;
    case 'div': return 3;
    case 'sdiv': return 4;
    case 'mod': return 5;
    case 'smod': return 6;
    case 'or': return 7;
    case 'and': return 8;
    case 'lsh': return 9;
    case 'rsh': return 10;
    case 'arsh': return 11;
    case 'xor': return 12;
    default: return NaN;
  }
}
/** Position of a condition: jeq jne jgt jge jlt jle jsgt jsge jslt jsle jset. */
function condIx(c: Cond): number {
  switch (c) {
    case 'jeq': return 0;
    case 'jne': return 1;
    case 'jgt': return 2;
    case 'jge': return 3;
    case 'jlt': return 4;
    case 'jle': return 5;
    case 'jsgt': return 6;
    case 'jsge': return 7;
    case 'jslt': return 8;
    case 'jsle': return 9;
    case 'jset': return 10;
    default: return NaN;
  }
}
const w1 = (w: Width): number => (w === 64 ? 1 : 0);
/** Entry index of each operator family (a family's configurations follow its base). */
export const ENTRY = {
  alu: (op: ScalarAluOp, w: Width): number => 2 * aluIx(op) + w1(w),
  refine: (c: Cond, w: Width): number => 26 + 2 * condIx(c) + w1(w),
  refine1: (c: Cond, w: Width): number => 48 + 2 * condIx(c) + w1(w),
  taken: (c: Cond, w: Width): number => 70 + 2 * condIx(c) + w1(w),
  sync: 92,
  coerce: (size: number, sx: boolean): number => 93 + 2 * (size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3) + (sx ? 1 : 0),
  ptrVar: (op: PtrVarOp): number => (op === 'add' ? 101 : 102),
  count: 103,
} as const;

// Results cache: direct-mapped on a hash of the entry index and the input words. A slot holds the
// hash (a 32-bit tag), the entry index with the generation, the input objects and the result; a
// lookup whose tag and entry match compares the stored inputs' fields with the current ones'
// (sameState), so a hit needs equal inputs, not an equal hash. A
// hit returns the same result object (so later identity checks succeed and no bigint is
// allocated). The slot's metadata is two int32 words and its objects three references, ~0.6 MB
// for the whole table: a miss writes two cache lines of it, not a copy of 40 key words.
const CACHE_SIZE = 1 << 14;
/** Entry indices fit in ENTRY_BITS bits; the generation sits above them in a slot's second word. */
const ENTRY_BITS = 7;
/** Calls remembered per entry by input objects (CompiledOps.again), a power of two. */
const WAYS = 8;

// An entry whose lookups seldom hit stops using the results cache for a while: a miss's hash and
// key copy cost about a quarter of the compiled body and its sync (the copy writes three cache
// lines of a 2.7 MB table, rarely still in the core's cache), which a hit saves about four times
// over. Windows of WINDOW lookups; one with fewer than WINDOW / MIN_HIT_SHARE hits is followed by
// SKIP calls computed without lookup or copy, then a new window. A skipped call's result is the
// same as a looked-up one's (the cache only remembers), only not kept.
const WINDOW = 64;
const SKIP = 448;
// (Per call, a cheap ALU entry's lookup pays only above ~1/2 hits: and64 computed 203 ns, a miss
// 240, a hit 160 at load ~8. A share of 1/2 for those entries was tried: xdp_csum_loop's check got ~7%
// cheaper, xdp_scale_mix's ~9% dearer, because a hit hands back the result object of the earlier
// call, and the verifier's own memos and the next calls' ways answer by object: scale_mix made 11
// more add64 calls per check through the compiled tier without those hits.)
const MIN_HIT_SHARE = 8;
/** What an operator has instead of probe's answer when it skipped the lookup: no slot's complement. */
const NO_LOOKUP = ~CACHE_SIZE;

// (The ways were tried with windows like the lookups': an entry whose calls seldom repeat their
// objects stops scanning and filling its ways for a while. Alone, xdp_csum_loop's checks then
// scan 90 instead of 233 times; in one session with the other programs, as verifier-cpu.ts runs
// them, a rest begun on xdp_csum_loop's and64 and rsh64 carries into xdp_scale_mix's checks,
// which lost 92 of their 469 way hits per check (74 more lookups, 14 more results made), for
// ~25 ns per scan saved. Not kept.)

/**
 * Hash of entry ix and input words 0..nWords of w (the results cache's tag; exported for tests),
 * in two independent lanes (even and odd words) so that the multiplications overlap.
 */
export function hashOf(ix: number, w: Int32Array, nWords: number): number {
  let h = ix + 1, g = 0x27d4eb2f;
  for (let j = 0; j < nWords; j += 2) {
    h = Math.imul(h ^ w[j], 0x9e3779b1);
    g = Math.imul(g ^ w[j + 1], 0x85ebca6b);
  }
  h ^= Math.imul(g ^ (g >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 15);
}

/**
 * Two scalar states with the same ten words. Equal small words are mostly the same bigint (the
 * word tables below hand out one per value), so the compare seldom reads a bigint's digits.
 */
function sameState(x: S, y: S): boolean {
  return x === y || (x.varOff.value === y.varOff.value && x.varOff.mask === y.varOff.mask && x.umin === y.umin && x.umax === y.umax &&
    x.smin === y.smin && x.smax === y.smax && x.u32min === y.u32min && x.u32max === y.u32max && x.s32min === y.s32min && x.s32max === y.s32max);
}

// -------------------------------------------------------------------------------------------
// The operators. Each generic body below is what the bigint path computes (src/verifier/memo.ts),
// written without native conditionals on values so that it can be recorded.

/** One refined edge for an immediate operand: refine the register, sync, mark unbounded if insane. */
export function refineFirstEdge<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>, k: RefineCond, w: Width, fl: KernelFlavor): ScalarState<V> {
  const x = regBoundsSync(d, refineCondOp(d, a, b, k, w)[0], fl);
  return iteState(d, scalarSane(d, x), x, markUnbounded(d, x));
}

type Edges = { taken: readonly S[]; fallthrough: readonly S[] };

/**
 * The compiled operators of one kernel flavor with their results cache: an object its owner
 * (a DomainSession of src/verifier/memo.ts, a test) creates, clears and drops; two instances
 * share nothing but the scratch buffers every call fills before it reads.
 */
export class CompiledOps {
  private readonly fns: (CompiledFn | undefined)[] = [];
  private readonly natives = new NativeParts();
  /**
   * Per slot: the tag, then the entry index with the generation above it (0 when empty; the
   * generation is never 0). Clearing bumps the generation instead of wiping the table.
   */
  private readonly cacheMeta = new Int32Array(2 * CACHE_SIZE);
  private gen = 1;
  /** Per slot: the first input, the second (undefined for one-input entries), the result. */
  private readonly cacheObjs: unknown[] = new Array(3 * CACHE_SIZE).fill(undefined);
  /** The tag of the last lookup (probe), for the keep of its miss. */
  private tag = 0;
  /**
   * The last WAYS calls of each entry, by input objects (scalar states are never changed once
   * made), filled round robin: a call with the same objects as one of these (a result the cache
   * returned, a shared immediate: most of the calls it answers) returns its result without
   * storing the inputs and hashing them. An entry's ways hold calls of generation wayGen[ix].
   */
  private readonly wayA: (S | undefined)[] = new Array(ENTRY.count * WAYS).fill(undefined);
  private readonly wayB: (S | undefined)[] = new Array(ENTRY.count * WAYS).fill(undefined);
  private readonly wayV: unknown[] = new Array(ENTRY.count * WAYS).fill(undefined);
  private readonly wayGen = new Int32Array(ENTRY.count);
  private readonly wayNext = new Int32Array(ENTRY.count);
  /** The result `again` found. */
  private found: unknown;
  /** Per entry: whether its calls use the results cache now, calls left in this window or skip, hits in this window. */
  private readonly cacheOn = new Uint8Array(ENTRY.count).fill(1);
  private readonly left = new Int32Array(ENTRY.count).fill(WINDOW);
  private readonly windowHits = new Int32Array(ENTRY.count);
  /** Results-cache lookups that hit and that missed (a call computed without lookup counts as a miss), calls skipping the lookup. */
  readonly stats = { hits: 0, misses: 0, skipped: 0 };

  constructor(readonly flavor: KernelFlavor) {}

  /** Compiled operators made so far (for tests and benchmarks). */
  get count(): number {
    return this.fns.filter(Boolean).length;
  }

  /** Forget every cached result (the compiled functions stay). */
  clearResults(): void {
    this.stats.hits = this.stats.misses = this.stats.skipped = 0;
    // a generation that wrapped would only let old results (still this operator's on those
    // inputs) answer again; it stays below 2^24 so that gen << ENTRY_BITS stays positive
    this.gen = this.gen === (1 << 24) - 1 ? 1 : this.gen + 1;
  }

  /**
   * Whether this call of entry ix looks up the results cache (counting the call in the entry's
   * window or skip); when it does not, the caller computes and keeps nothing. Windows and skips
   * outlive clearResults: they measure the workload, not one generation.
   */
  private lookup(ix: number): boolean {
    if (--this.left[ix] > 0) return this.cacheOn[ix] === 1 || this.skip();
    if (this.cacheOn[ix] === 1 && this.windowHits[ix] * MIN_HIT_SHARE < WINDOW) {
      this.cacheOn[ix] = 0;
      this.left[ix] = SKIP;
      return this.skip();
    }
    this.resume(ix);
    return true;
  }

  /** A call that skips the lookup: counted, and false for lookup's caller. */
  private skip(): false {
    this.stats.misses++;
    this.stats.skipped++;
    return false;
  }

  /** Whether entry ix uses the results cache now (tests and benchmarks). */
  caching(ix: number): boolean {
    return this.cacheOn[ix] === 1;
  }

  private get(ix: number, n: number, op: GenericOp, name: string): CompiledFn {
    let f = this.fns[ix];
    if (!f) {
      f = compileScalarOp(n, op, `${name}_${this.flavor.name}`, this.natives);
      this.fns[ix] = f;
    }
    return f;
  }

  /**
   * Entry ix has a way holding inputs a and b (b undefined for one input): its result is now
   * `found`. A way hit while the entry skips its results-cache lookups ends the skip: calls that
   * repeat their objects come with calls that repeat their values (another program's checks in
   * the same session, after one whose calls never repeat), and a skip would lose those hits.
   */
  private again(ix: number, a: S, b: S | undefined): boolean {
    if (this.wayGen[ix] !== this.gen) return false;
    const wa = this.wayA, wb = this.wayB;
    for (let k = ix * WAYS, end = k + WAYS; k < end; k++) {
      if (wa[k] === a && wb[k] === b) {
        this.found = this.wayV[k];
        if (this.cacheOn[ix] === 0) this.resume(ix);
        return true;
      }
    }
    return false;
  }

  /** Entry ix looks its results cache up again, from a new window. */
  private resume(ix: number): void {
    this.cacheOn[ix] = 1;
    this.left[ix] = WINDOW;
    this.windowHits[ix] = 0;
  }

  /** `found`, counted as a cache hit. */
  private hit(): unknown {
    this.stats.hits++;
    return this.found;
  }

  /** Keep the call (a, b) → v of entry ix in its next way (all of them emptied first after a clear). */
  private remember<T>(ix: number, a: S, b: S | undefined, v: T): T {
    const base = ix * WAYS;
    if (this.wayGen[ix] !== this.gen) {
      this.wayGen[ix] = this.gen;
      this.wayA.fill(undefined, base, base + WAYS);
      this.wayNext[ix] = 0;
    }
    const k = base + this.wayNext[ix];
    this.wayNext[ix] = (this.wayNext[ix] + 1) & (WAYS - 1);
    this.wayA[k] = a;
    this.wayB[k] = b;
    this.wayV[k] = v;
    return v;
  }

  /**
   * The results cache for entry ix on the stored inputs a and b (b undefined for one input):
   * the slot of a hit (its result in cacheObjs), else the complement of the slot a miss is to
   * fill (see `keep`). The operators below build their generic body's closure and name only when
   * the operator is first compiled.
   */
  private probe(ix: number, a: S, b: S | undefined): number {
    const nWords = b === undefined ? 2 * SLOTS : 4 * SLOTS;
    const tag = hashOf(ix, I32, nWords);
    const slot = tag & (CACHE_SIZE - 1);
    this.tag = tag;
    const meta = this.cacheMeta;
    if (meta[2 * slot] === tag && meta[2 * slot + 1] === ((this.gen << ENTRY_BITS) | ix) && this.sameKey(slot, a, b)) {
      this.stats.hits++;
      this.windowHits[ix]++;
      return slot;
    }
    this.stats.misses++;
    return ~slot;
  }

  /** Whether the inputs kept in slot have the words of the current ones (the same objects, or equal values). */
  private sameKey(slot: number, a: S, b: S | undefined): boolean {
    const ka = this.cacheObjs[3 * slot] as S, kb = this.cacheObjs[3 * slot + 1] as S | undefined;
    return sameState(ka, a) && (kb === b || (kb !== undefined && b !== undefined && sameState(kb, b)));
  }

  /** Record the result `v` of a miss (probe's complemented slot) for the inputs a and b. */
  private keep<T>(ix: number, miss: number, a: S, b: S | undefined, v: T): T {
    if (miss === NO_LOOKUP) return v;
    const slot = ~miss;
    this.cacheMeta[2 * slot] = this.tag;
    this.cacheMeta[2 * slot + 1] = (this.gen << ENTRY_BITS) | ix;
    const objs = this.cacheObjs;
    objs[3 * slot] = a;
    objs[3 * slot + 1] = b;
    objs[3 * slot + 2] = v;
    return v;
  }

  sync(a: S): S {
    const ix = ENTRY.sync;
    if (this.again(ix, a, undefined)) return this.hit() as S;
    return this.remember(ix, a, undefined, this.syncUncached(a));
  }

  private syncUncached(a: S): S {
    store(a, 0);
    const k = this.lookup(ENTRY.sync) ? this.probe(ENTRY.sync, a, undefined) : NO_LOOKUP;
    if (k >= 0) return this.cacheObjs[3 * k + 2] as S;
    (this.fns[ENTRY.sync] ?? this.syncFn())(I32, O32);
    return this.keep(ENTRY.sync, k, a, undefined, loadOr(0, a, undefined));
  }

  // The *Fn methods compile an entry on its first miss. The generic body's closure is made there,
  // not in the caller: a function with a closure capturing its arguments allocates a context on
  // every call, whether or not the closure is made (~45 bytes per results-cache lookup).
  private syncFn(): CompiledFn {
    const fl = this.flavor;
    return this.get(ENTRY.sync, 1, (d, [s]) => ({ states: [regBoundsSync(d, s, fl)] }), 'sync');
  }

  /**
   * scalarAlu (as DomainSession.alu). This and the operators below take their entry index last
   * when the caller has it already (DomainSession computes it for its heat count: the names'
   * switch is then evaluated once per call, not two or three times); else it is computed here.
   */
  alu(op: ScalarAluOp, w: Width, a: S, b: S, ix: number = ENTRY.alu(op, w)): S {
    if (this.again(ix, a, b)) return this.hit() as S;
    return this.remember(ix, a, b, this.aluUncached(ix, op, w, a, b));
  }

  private aluUncached(ix: number, op: ScalarAluOp, w: Width, a: S, b: S): S {
    store(a, 0);
    store(b, SLOTS);
    const k = this.lookup(ix) ? this.probe(ix, a, b) : NO_LOOKUP;
    if (k >= 0) return this.cacheObjs[3 * k + 2] as S;
    (this.fns[ix] ?? this.aluFn(ix, op, w))(I32, O32);
    return this.keep(ix, k, a, b, loadOr(0, a, b));
  }

  private aluFn(ix: number, op: ScalarAluOp, w: Width): CompiledFn {
    const fl = this.flavor;
    return this.get(ix, 2, (d, [x, y]) => ({ states: [scalarAlu(d, op, w, x, y, fl)] }), `alu_${op}${w}`);
  }

  /** refine for two registers: [fallthrough a, b], [taken a, b] (as DomainSession.refine). */
  refine(a: S, b: S, c: Cond, w: Width, ix: number = ENTRY.refine(c, w)): Edges {
    if (this.again(ix, a, b)) return this.hit() as Edges;
    return this.remember(ix, a, b, this.refineUncached(ix, a, b, c, w));
  }

  private refineUncached(ix: number, a: S, b: S, c: Cond, w: Width): Edges {
    store(a, 0);
    store(b, SLOTS);
    const k = this.lookup(ix) ? this.probe(ix, a, b) : NO_LOOKUP;
    if (k >= 0) return this.cacheObjs[3 * k + 2] as Edges;
    (this.fns[ix] ?? this.refineFn(ix, c, w))(I32, O32);
    return this.keep<Edges>(ix, k, a, b, { fallthrough: [loadOr(0, a, b), loadOr(SLOTS, a, b)], taken: [loadOr(2 * SLOTS, a, b), loadOr(3 * SLOTS, a, b)] });
  }

  private refineFn(ix: number, c: Cond, w: Width): CompiledFn {
    const fl = this.flavor;
    return this.get(ix, 2, (d, [x, y]) => {
      const r = refine(d, x, y, c, w, fl);
      return { states: [...r.fallthrough, ...r.taken] };
    }, `refine_${c}${w}`);
  }

  /** refine for an immediate operand (as DomainSession.refineFirst). */
  refineFirst(a: S, b: S, c: Cond, w: Width, ix: number = ENTRY.refine1(c, w)): Edges {
    if (this.again(ix, a, b)) return this.hit() as Edges;
    return this.remember(ix, a, b, this.refineFirstUncached(ix, a, b, c, w));
  }

  private refineFirstUncached(ix: number, a: S, b: S, c: Cond, w: Width): Edges {
    store(a, 0);
    store(b, SLOTS);
    const k = this.lookup(ix) ? this.probe(ix, a, b) : NO_LOOKUP;
    if (k >= 0) return this.cacheObjs[3 * k + 2] as Edges;
    (this.fns[ix] ?? this.refineFirstFn(ix, c, w))(I32, O32);
    return this.keep<Edges>(ix, k, a, b, { fallthrough: [loadOr(0, a, b)], taken: [loadOr(SLOTS, a, b)] });
  }

  private refineFirstFn(ix: number, c: Cond, w: Width): CompiledFn {
    const fl = this.flavor;
    return this.get(ix, 2, (d, [x, y]) => ({
      states: [refineFirstEdge(d, x, y, revCond(c), w, fl), refineFirstEdge(d, x, y, c, w, fl)],
    }), `refine1_${c}${w}`);
  }

  /** coerce_reg_to_size / coerce_reg_to_size_sx (as DomainSession.coerce). */
  coerce(a: S, size: number, sx: boolean, ix: number = ENTRY.coerce(size, sx)): S {
    if (this.again(ix, a, undefined)) return this.hit() as S;
    return this.remember(ix, a, undefined, this.coerceUncached(ix, a, size, sx));
  }

  private coerceUncached(ix: number, a: S, size: number, sx: boolean): S {
    store(a, 0);
    const k = this.lookup(ix) ? this.probe(ix, a, undefined) : NO_LOOKUP;
    if (k >= 0) return this.cacheObjs[3 * k + 2] as S;
    (this.fns[ix] ?? this.coerceFn(ix, size, sx))(I32, O32);
    return this.keep(ix, k, a, undefined, loadOr(0, a, undefined));
  }

  private coerceFn(ix: number, size: number, sx: boolean): CompiledFn {
    const fl = this.flavor;
    return this.get(ix, 1, (d, [s]) => ({
      states: [sx ? coerceRegToSizeSx(d, s, (size * 8) as 8 | 16 | 32, fl) : coerceRegToSize(d, s, size, fl)],
    }), `coerce_${size}${sx ? 's' : 'u'}`);
  }

  /** A pointer's variable part moved by a non-constant scalar: before and after the sync (as DomainSession.ptrVar). */
  ptrVar(op: PtrVarOp, p: S, o: S): { raw: S; synced: S } {
    const ix = ENTRY.ptrVar(op);
    if (this.again(ix, p, o)) return this.hit() as { raw: S; synced: S };
    return this.remember(ix, p, o, this.ptrVarUncached(op, p, o));
  }

  private ptrVarUncached(op: PtrVarOp, p: S, o: S): { raw: S; synced: S } {
    const ix = ENTRY.ptrVar(op);
    store(p, 0);
    store(o, SLOTS);
    const k = this.lookup(ix) ? this.probe(ix, p, o) : NO_LOOKUP;
    if (k >= 0) return this.cacheObjs[3 * k + 2] as { raw: S; synced: S };
    (this.fns[ix] ?? this.ptrVarFn(ix, op))(I32, O32);
    return this.keep(ix, k, p, o, { raw: loadOr(0, p, o), synced: loadOr(SLOTS, p, o) });
  }

  private ptrVarFn(ix: number, op: PtrVarOp): CompiledFn {
    const fl = this.flavor;
    return this.get(ix, 2, (d, [x, y]) => {
      const r = ptrVarMove(d, op, x, y, fl);
      return { states: [r.raw, r.synced] };
    }, `ptr_${op}`);
  }

  /**
   * is_branch_taken: 1 always, 0 never, -1 unknown (as branchTaken). Answered by the ways but not
   * looked up in the results cache: its body has no sync, and a hit (hash and compare of 40 words
   * in the 2.7 MB table) cost ~2x computing it (215 against 110 ns of CPU per call, jgt64).
   */
  branchTaken(a: S, b: S, c: Cond, w: Width, ix: number = ENTRY.taken(c, w)): 1 | 0 | -1 {
    if (this.again(ix, a, b)) return this.found as 1 | 0 | -1;
    return this.remember(ix, a, b, this.branchTakenUncached(ix, a, b, c, w));
  }

  private branchTakenUncached(ix: number, a: S, b: S, c: Cond, w: Width): 1 | 0 | -1 {
    store(a, 0);
    store(b, SLOTS);
    (this.fns[ix] ?? this.branchTakenFn(ix, c, w))(I32, O32);
    return O32[0] ? 1 : O32[2] ? 0 : -1;
  }

  private branchTakenFn(ix: number, c: Cond, w: Width): CompiledFn {
    return this.get(ix, 2, (d, [x, y]) => {
      const t = branchTakenB(d, x, y, c, w);
      return { states: [], flags: [t.always, t.never] };
    }, `taken_${c}${w}`);
  }
}
