// Domain operations of the verifier model, two tiers:
// - cold: the generic operators on the bigint backend, memoised by the inputs' values (the same
//   (operation, inputs) pairs recur within a run and across near-identical candidates);
// - hot: once an operator kind has run HOT times in this process, its compiled form
//   (src/domains/compiled.ts: the same generic code, recorded and compiled to int32 arithmetic),
//   which costs less than building the memo's key, so it is called directly.
// Compiling costs ~0.1 s per operator kind (recording, then V8's optimising compile of the
// generated code, which runs interpreted until V8 has seen it often), which short runs (a test,
// one check of a small program) would not earn back; hence the tiers. 2,000 calls of one kind is
// about one check of a 10,000-instruction path; Cilium-sized programs make 100,000s. Scalars are immutable, so results can be shared.
import { scalarAlu, type ScalarAluOp } from '../domains/alu.ts';
import { refine, refineCondOp, revCond, branchTaken, type Cond, type RefineCond } from '../domains/branch.ts';
import { regBoundsSync } from '../domains/sync.ts';
import { currentFlavor, markUnbounded, scalarSane, type KernelFlavor } from '../domains/scalar.ts';
import { coerceRegToSize, coerceRegToSizeSx } from '../domains/alu-move.ts';
import { aluCompiled, syncCompiled, refineCompiled, refineFirstCompiled, coerceCompiled, branchTakenCompiled, clearCompiledResults, ENTRY } from '../domains/compiled.ts';
import { D, type Scalar } from './regs.ts';

/** 'tiered' (default): compiled once hot; 'bigint': never compiled (tests, before/after benchmarks); 'compiled': from the first call. */
export type DomainTier = 'tiered' | 'bigint' | 'compiled';
const envTier = process.env.BPFSYNTH_DOMAINS;
let tier: DomainTier = envTier === 'bigint' || envTier === 'compiled' ? envTier : 'tiered';
export const setDomainTier = (t: DomainTier): void => {
  tier = t;
};

const HOT = 2000;
const heat = new Int32Array(ENTRY.count);
/** Count one call of an operator kind (an ENTRY index); true when it should run compiled. */
function hot(ix: number): boolean {
  if (tier !== 'tiered') return tier === 'compiled';
  return heat[ix] > HOT || ++heat[ix] > HOT;
}

const LIMIT = 1 << 16;
let cache = new Map<string, unknown>();
export const memoStats = { hits: 0, misses: 0 };

/** Clear the cache (tests and benchmarks that want cold numbers). */
export function clearMemo(): void {
  cache = new Map();
  clearCompiledResults();
  memoStats.hits = memoStats.misses = 0;
}

const keyOf = (s: Scalar): string =>
  `${s.varOff.value.toString(36)},${s.varOff.mask.toString(36)},${s.umin.toString(36)},${s.umax.toString(36)},${s.smin.toString(36)},${s.smax.toString(36)},${s.u32min.toString(36)},${s.u32max.toString(36)},${s.s32min.toString(36)},${s.s32max.toString(36)}`;

let cachedFlavor: KernelFlavor | undefined;

function memo<T>(key: string, f: () => T): T {
  if (cachedFlavor !== currentFlavor()) {
    cache = new Map();
    cachedFlavor = currentFlavor();
  }
  const hit = cache.get(key);
  if (hit !== undefined) {
    memoStats.hits++;
    return hit as T;
  }
  memoStats.misses++;
  const v = f();
  if (cache.size >= LIMIT) cache = new Map();
  cache.set(key, v);
  return v;
}

export const aluMemo = (op: ScalarAluOp, w: 32 | 64, a: Scalar, b: Scalar): Scalar =>
  hot(ENTRY.alu(op, w)) ? aluCompiled(op, w, a, b) : memo(`a${op}${w}|${keyOf(a)}|${keyOf(b)}`, () => scalarAlu(D, op, w, a, b));

/** refine for two registers: [fallthrough a, b], [taken a, b]. */
export const refineMemo = (a: Scalar, b: Scalar, c: Cond, w: 32 | 64): { taken: readonly Scalar[]; fallthrough: readonly Scalar[] } =>
  hot(ENTRY.refine(c, w)) ? refineCompiled(a, b, c, w) : memo(`r${c}${w}|${keyOf(a)}|${keyOf(b)}`, () => {
    const r = refine(D, a, b, c, w);
    return { taken: r.taken, fallthrough: r.fallthrough };
  });

/** refine for an immediate operand: only the register is refined and synced. */
export const refineFirstMemo = (a: Scalar, b: Scalar, c: Cond, w: 32 | 64): { taken: readonly Scalar[]; fallthrough: readonly Scalar[] } =>
  hot(ENTRY.refine1(c, w)) ? refineFirstCompiled(a, b, c, w) : memo(`k${c}${w}|${keyOf(a)}|${keyOf(b)}`, () => {
    const edge = (k: RefineCond): Scalar => {
      const x = regBoundsSync(D, refineCondOp(D, a, b, k, w)[0]);
      return scalarSane(D, x) ? x : markUnbounded(D, x);
    };
    return { fallthrough: [edge(revCond(c))], taken: [edge(c)] };
  });

/**
 * reg_set_min_max with the same register on both sides (`if r1 < r1`): regs_refine_cond_op's
 * updates of reg1 and reg2 land on one register (reg2's are computed from fields reg1's update
 * did not touch, so applying both is the sequential result), which is then synced twice, once as
 * each operand. 6.18 refines these (fuzz verifier: `if w3 s>= w3` leaves w3 in [S32_MIN+1,
 * S32_MAX-1] on the fall-through).
 */
export const refineSameMemo = (a: Scalar, c: Cond, w: 32 | 64): { taken: readonly Scalar[]; fallthrough: readonly Scalar[] } =>
  memo(`=${c}${w}|${keyOf(a)}`, () => {
    const edge = (k: RefineCond): Scalar => {
      const [x, y] = refineCondOp(D, a, a, k, w);
      const both = { ...a };
      for (const f of FIELDS) {
        if (x[f] !== a[f]) both[f] = x[f];
        if (y[f] !== a[f]) both[f] = y[f];
      }
      if (x.varOff.value !== a.varOff.value || x.varOff.mask !== a.varOff.mask) both.varOff = x.varOff;
      if (y.varOff.value !== a.varOff.value || y.varOff.mask !== a.varOff.mask) both.varOff = y.varOff;
      const s = regBoundsSync(D, regBoundsSync(D, both));
      return scalarSane(D, s) ? s : markUnbounded(D, s);
    };
    return { fallthrough: [edge(revCond(c))], taken: [edge(c)] };
  });

const FIELDS = ['umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max'] as const;

export const syncMemo = (s: Scalar): Scalar => hot(ENTRY.sync) ? syncCompiled(s) : memo(`s|${keyOf(s)}`, () => regBoundsSync(D, s));

/** A loaded value truncated (coerce_reg_to_size) or sign-extended (coerce_reg_to_size_sx) to `size` bytes. */
export const coerceMemo = (s: Scalar, size: number, sx: boolean): Scalar =>
  hot(ENTRY.coerce(size, sx)) ? coerceCompiled(s, size, sx) : memo(`c${size}${sx ? 's' : 'u'}|${keyOf(s)}`, () => (sx ? coerceRegToSizeSx(D, s, (size * 8) as 8 | 16 | 32) : coerceRegToSize(D, s, size)));

/** is_branch_taken on two scalars (not memoised: it is cheap next to building a key). */
export const branchTakenFast = (a: Scalar, b: Scalar, c: Cond, w: 32 | 64): 1 | 0 | -1 =>
  hot(ENTRY.taken(c, w)) ? branchTakenCompiled(a, b, c, w) : branchTaken(D, a, b, c, w);
