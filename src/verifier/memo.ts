// Memoised domain operations. The scalar domain runs on bigints and one reg_bounds_sync costs
// tens of microseconds; the same (operation, inputs) pairs recur within a run (loops, joins) and
// across runs on similar programs (the optimizer re-checks near-identical candidates), so results
// are cached by the inputs' values. Scalars are immutable, so cached results can be shared.
import { scalarAlu, type ScalarAluOp } from '../domains/alu.ts';
import { refine, refineCondOp, revCond, type Cond, type RefineCond } from '../domains/branch.ts';
import { regBoundsSync } from '../domains/sync.ts';
import { currentFlavor, markUnbounded, scalarSane, type KernelFlavor } from '../domains/scalar.ts';
import { coerceRegToSize, coerceRegToSizeSx } from '../domains/alu-move.ts';
import { D, type Scalar } from './regs.ts';

const LIMIT = 1 << 16;
let cache = new Map<string, unknown>();
export const memoStats = { hits: 0, misses: 0 };

/** Clear the cache (tests and benchmarks that want cold numbers). */
export function clearMemo(): void {
  cache = new Map();
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
  memo(`a${op}${w}|${keyOf(a)}|${keyOf(b)}`, () => scalarAlu(D, op, w, a, b));

/** refine for two registers: [fallthrough a, b], [taken a, b]. */
export const refineMemo = (a: Scalar, b: Scalar, c: Cond, w: 32 | 64): { taken: readonly Scalar[]; fallthrough: readonly Scalar[] } =>
  memo(`r${c}${w}|${keyOf(a)}|${keyOf(b)}`, () => {
    const r = refine(D, a, b, c, w);
    return { taken: r.taken, fallthrough: r.fallthrough };
  });

/** refine for an immediate operand: only the register is refined and synced. */
export const refineFirstMemo = (a: Scalar, b: Scalar, c: Cond, w: 32 | 64): { taken: readonly Scalar[]; fallthrough: readonly Scalar[] } =>
  memo(`k${c}${w}|${keyOf(a)}|${keyOf(b)}`, () => {
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

export const syncMemo = (s: Scalar): Scalar => memo(`s|${keyOf(s)}`, () => regBoundsSync(D, s));

/** A loaded value truncated (coerce_reg_to_size) or sign-extended (coerce_reg_to_size_sx) to `size` bytes. */
export const coerceMemo = (s: Scalar, size: number, sx: boolean): Scalar =>
  memo(`c${size}${sx ? 's' : 'u'}|${keyOf(s)}`, () => (sx ? coerceRegToSizeSx(D, s, (size * 8) as 8 | 16 | 32) : coerceRegToSize(D, s, size)));
