// Conditional jumps on two scalars: is_scalar_branch_taken and reg_set_min_max /
// regs_refine_cond_op (kernel/bpf/verifier.c), for JEQ … JSLE and JSET at 64 and 32 bits.
// For an immediate operand pass `immOperand(d, imm)` (the kernel's fake register: imm
// sign-extended to 64 bits, also for JMP32). Both registers must be distinct registers: a
// comparison of a register with itself is the verifier model's business.
import type { Bits } from '../bv/bits.ts';
import { type ScalarState, type D, type KernelFlavor, uminOf, umaxOf, sminOf, smaxOf, markUnbounded, iteState, isConst32, isConst64, scalarSane, withVarOff } from './scalar.ts';
import { type Tnum, tnumSubreg, tnumOverlap, tnumIsConst, tnumIntersect, tnumWithSubreg, tnumOr, tnumAnd, tnumConst } from './tnum.ts';
import { regBoundsSync } from './sync.ts';

export type Width = 32 | 64;
export type Cond = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';
/** rev_opcode adds the negation of JSET, which has no opcode of its own. */
export type RefineCond = Cond | 'jset_not';

/** Branch-taken answer as two booleans: `always` (kernel 1), `never` (kernel 0); neither = -1. */
export interface Taken<B> {
  readonly always: B;
  readonly never: B;
}

/** One register seen at the jump's width: tnum (64-bit ring, subregister for JMP32) and bounds in the width's ring. */
interface View<V> {
  t: Tnum<V>;
  umin: V; umax: V; smin: V; smax: V;
}

function view<V, B>(d: D<V, B>, s: ScalarState<V>, width: Width): View<V> {
  if (width === 64) return { t: s.varOff, umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax };
  return { t: tnumSubreg(d.u64, s.varOff), umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max };
}

/** First matching rule wins, as the kernel's early returns: rules are [condition, answer]. */
function firstMatch<V, B>(r: Bits<V, B>, rules: Array<[B, 0 | 1]>): Taken<B> {
  let always = r.F, never = r.F;
  for (let i = rules.length - 1; i >= 0; i--) {
    const [c, ans] = rules[i];
    always = r.iteB(c, ans === 1 ? r.T : r.F, always);
    never = r.iteB(c, ans === 0 ? r.T : r.F, never);
  }
  return { always, never };
}

/** is_scalar_branch_taken(a, b, cond, width) as two booleans. */
export function branchTakenB<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>, cond: Cond, width: Width): Taken<B> {
  const q = d.u64, h = d.u32;
  const r = width === 64 ? q : h;
  const x = view(d, a, width), y = view(d, b, width);
  switch (cond) {
    case 'jeq': case 'jne': {
      const yes: 0 | 1 = cond === 'jeq' ? 1 : 0, no: 0 | 1 = cond === 'jeq' ? 0 : 1;
      const bothConst = q.andB(tnumIsConst(q, x.t), tnumIsConst(q, y.t));
      const eq = q.eq(x.t.value, y.t.value);
      const rules: Array<[B, 0 | 1]> = [
        [q.andB(bothConst, eq), yes],
        [bothConst, no],
        [q.notB(tnumOverlap(q, x.t, y.t)), no],
        [r.orB(r.ugt(x.umin, y.umax), r.ult(x.umax, y.umin)), no],
        [r.orB(r.sgt(x.smin, y.smax), r.slt(x.smax, y.smin)), no],
      ];
      if (width === 64) {
        rules.push([h.orB(h.ugt(a.u32min, b.u32max), h.ult(a.u32max, b.u32min)), no]);
        rules.push([h.orB(h.sgt(a.s32min, b.s32max), h.slt(a.s32max, b.s32min)), no]);
      }
      return firstMatch(q, rules);
    }
    case 'jset': {
      // the constant side is reg2 (swapped if only reg1 is constant); neither constant → unknown
      const cB = tnumIsConst(q, y.t), cA = tnumIsConst(q, x.t);
      const t1 = tnumIteV(q, cB, x.t, y.t), t2 = tnumIteV(q, cB, y.t, x.t);
      const anyConst = q.orB(cB, cA);
      return firstMatch(q, [
        [q.andB(anyConst, q.ne(q.and(q.and(q.not(t1.mask), t1.value), t2.value), q.zero)), 1],
        [q.andB(anyConst, q.eq(q.and(q.or(t1.mask, t1.value), t2.value), q.zero)), 0],
      ]);
    }
    case 'jgt': return firstMatch(r, [[r.ugt(x.umin, y.umax), 1], [r.ule(x.umax, y.umin), 0]]);
    case 'jsgt': return firstMatch(r, [[r.sgt(x.smin, y.smax), 1], [r.sle(x.smax, y.smin), 0]]);
    case 'jlt': return firstMatch(r, [[r.ult(x.umax, y.umin), 1], [r.uge(x.umin, y.umax), 0]]);
    case 'jslt': return firstMatch(r, [[r.slt(x.smax, y.smin), 1], [r.sge(x.smin, y.smax), 0]]);
    case 'jge': return firstMatch(r, [[r.uge(x.umin, y.umax), 1], [r.ult(x.umax, y.umin), 0]]);
    case 'jsge': return firstMatch(r, [[r.sge(x.smin, y.smax), 1], [r.slt(x.smax, y.smin), 0]]);
    case 'jle': return firstMatch(r, [[r.ule(x.umax, y.umin), 1], [r.ugt(x.umin, y.umax), 0]]);
    case 'jsle': return firstMatch(r, [[r.sle(x.smax, y.smin), 1], [r.sgt(x.smin, y.smax), 0]]);
  }
}

const tnumIteV = <V, B>(q: Bits<V, B>, c: B, a: Tnum<V>, b: Tnum<V>): Tnum<V> => ({ value: q.ite(c, a.value, b.value), mask: q.ite(c, a.mask, b.mask) });

/** is_scalar_branch_taken with a concrete answer: 1 taken, 0 not taken, -1 unknown. */
export function branchTaken(d: D<bigint, boolean>, a: ScalarState<bigint>, b: ScalarState<bigint>, cond: Cond, width: Width): 1 | 0 | -1 {
  const t = branchTakenB(d, a, b, cond, width);
  return t.always ? 1 : t.never ? 0 : -1;
}

/** rev_opcode: the condition of the fall-through edge. */
export function revCond(c: RefineCond): RefineCond {
  const rev: Record<RefineCond, RefineCond> = {
    jeq: 'jne', jne: 'jeq', jset: 'jset_not', jset_not: 'jset',
    jge: 'jlt', jgt: 'jle', jle: 'jgt', jlt: 'jge',
    jsge: 'jslt', jsgt: 'jsle', jsle: 'jsgt', jslt: 'jsge',
  };
  return rev[c];
}

/** flip_opcode for the GE/GT family: a > b ⇔ b < a. */
const FLIP: Partial<Record<RefineCond, RefineCond>> = { jge: 'jle', jgt: 'jlt', jsge: 'jsle', jsgt: 'jslt' };

type BoundName = 'umin' | 'umax' | 'smin' | 'smax' | 'u32min' | 'u32max' | 's32min' | 's32max';

/**
 * `{ ...s, [k]: x }` written out (the scalars here field by field in one order, not spread: one V8
 * map for every scalar, see scalar.ts markUnbounded).
 */
function withBound<V>(s: ScalarState<V>, k: BoundName, x: V): ScalarState<V> {
  return {
    varOff: s.varOff, umin: k === 'umin' ? x : s.umin, umax: k === 'umax' ? x : s.umax, smin: k === 'smin' ? x : s.smin, smax: k === 'smax' ? x : s.smax,
    u32min: k === 'u32min' ? x : s.u32min, u32max: k === 'u32max' ? x : s.u32max, s32min: k === 's32min' ? x : s.s32min, s32max: k === 's32max' ? x : s.s32max,
  };
}

/**
 * For JNE/JSET/JSET_not: the kernel makes reg2 the constant one (swapping if only reg1 is),
 * applies f to (non-constant, constant) when one is constant, and swaps back.
 */
function withConstSecond<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>, width: Width, f: (x: ScalarState<V>, val: V) => ScalarState<V>): [ScalarState<V>, ScalarState<V>] {
  const q = d.u64;
  const isC = (s: ScalarState<V>) => (width === 64 ? isConst64(d, s) : isConst32(d, s));
  const swap = q.notB(isC(b));
  const x = iteState(d, swap, b, a), y = iteState(d, swap, a, b);
  const val = width === 64 ? y.varOff.value : tnumSubreg(q, y.varOff).value;
  const x2 = iteState(d, isC(y), f(x, val), x);
  return [iteState(d, swap, y, x2), iteState(d, swap, x2, y)];
}

/** regs_refine_cond_op(a, b, cond, width): the bounds the condition implies, before sync. */
export function refineCondOp<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>, cond: RefineCond, width: Width): [ScalarState<V>, ScalarState<V>] {
  const flipped = FLIP[cond];
  if (flipped) {
    const [b2, a2] = refineCondOp(d, b, a, flipped, width);
    return [a2, b2];
  }
  const q = d.u64, h = d.u32;
  switch (cond) {
    case 'jeq': {
      if (width === 32) {
        const u32min = umaxOf(h, a.u32min, b.u32min), u32max = uminOf(h, a.u32max, b.u32max);
        const s32min = smaxOf(h, a.s32min, b.s32min), s32max = sminOf(h, a.s32max, b.s32max);
        const t = tnumIntersect(q, tnumSubreg(q, a.varOff), tnumSubreg(q, b.varOff));
        return [
          { varOff: tnumWithSubreg(q, a.varOff, t), umin: a.umin, umax: a.umax, smin: a.smin, smax: a.smax, u32min, u32max, s32min, s32max },
          { varOff: tnumWithSubreg(q, b.varOff, t), umin: b.umin, umax: b.umax, smin: b.smin, smax: b.smax, u32min, u32max, s32min, s32max },
        ];
      }
      const umin = umaxOf(q, a.umin, b.umin), umax = uminOf(q, a.umax, b.umax);
      const smin = smaxOf(q, a.smin, b.smin), smax = sminOf(q, a.smax, b.smax);
      const varOff = tnumIntersect(q, a.varOff, b.varOff);
      return [
        { varOff, umin, umax, smin, smax, u32min: a.u32min, u32max: a.u32max, s32min: a.s32min, s32max: a.s32max },
        { varOff, umin, umax, smin, smax, u32min: b.u32min, u32max: b.u32max, s32min: b.s32min, s32max: b.s32max },
      ];
    }
    case 'jne':
      // a bound equal to the constant moves one step inward
      return withConstSecond(d, a, b, width, (x, val) => {
        if (width === 32) {
          const v = d.lo32(val);
          const step = (m: V, up: boolean) => h.ite(h.eq(m, v), up ? h.add(m, h.one) : h.sub(m, h.one), m);
          return { varOff: x.varOff, umin: x.umin, umax: x.umax, smin: x.smin, smax: x.smax, u32min: step(x.u32min, true), u32max: step(x.u32max, false), s32min: step(x.s32min, true), s32max: step(x.s32max, false) };
        }
        const step = (m: V, up: boolean) => q.ite(q.eq(m, val), up ? q.add(m, q.one) : q.sub(m, q.one), m);
        return { varOff: x.varOff, umin: step(x.umin, true), umax: step(x.umax, false), smin: step(x.smin, true), smax: step(x.smax, false), u32min: x.u32min, u32max: x.u32max, s32min: x.s32min, s32max: x.s32max };
      });
    case 'jset':
      // a single-bit constant: that bit is known 1
      return withConstSecond(d, a, b, width, (x, val) => {
        const pow2 = q.andB(q.ne(val, q.zero), q.eq(q.and(val, q.sub(val, q.one)), q.zero));
        const t = width === 32
          ? tnumWithSubreg(q, x.varOff, tnumOr(q, tnumSubreg(q, x.varOff), tnumConst(q, val)))
          : tnumOr(q, x.varOff, tnumConst(q, val));
        return withVarOff(x, tnumIteV(q, pow2, t, x.varOff));
      });
    case 'jset_not':
      // no bit of the constant is set: forget the ranges, clear the bits in the tnum
      return withConstSecond(d, a, b, width, (x, val) => {
        const u = markUnbounded(d, x);
        const t = width === 32
          ? tnumWithSubreg(q, x.varOff, tnumAnd(q, tnumSubreg(q, x.varOff), tnumConst(q, q.not(val))))
          : tnumAnd(q, x.varOff, tnumConst(q, q.not(val)));
        return withVarOff(u, t);
      });
    case 'jle': case 'jlt': case 'jsle': case 'jslt': {
      const strict = cond === 'jlt' || cond === 'jslt';
      const signed = cond === 'jsle' || cond === 'jslt';
      const r = width === 64 ? q : h;
      const [mx, mn] = signed ? [sminOf, smaxOf] : [uminOf, umaxOf];
      const k = width === 64 ? (signed ? (['smin', 'smax'] as const) : (['umin', 'umax'] as const)) : signed ? (['s32min', 's32max'] as const) : (['u32min', 'u32max'] as const);
      const [lo, hi] = k;
      // a ≤ b: a.max ≤ b.max, b.min ≥ a.min (strict: by one more, in the ring)
      const aMax = mx(r, a[hi], strict ? r.sub(b[hi], r.one) : b[hi]);
      const bMin = mn(r, strict ? r.add(a[lo], r.one) : a[lo], b[lo]);
      return [withBound(a, hi, aMax), withBound(b, lo, bMin)];
    }
    default:
      return [a, b];
  }
}

/** The refined pair on each edge, and whether the kernel's sanity check failed there. */
export interface Refined<V, B> {
  readonly taken: readonly [ScalarState<V>, ScalarState<V>];
  readonly fallthrough: readonly [ScalarState<V>, ScalarState<V>];
  /** reg_bounds_sanity_check failed on the edge (the edge is dead; see `refine`). */
  readonly takenInsane: B;
  readonly fallthroughInsane: B;
}

/**
 * reg_set_min_max(a, b, cond, width): refine and sync both registers on both edges. The kernel
 * then runs reg_bounds_sanity_check on each; on failure 6.12 marks the register unbounded
 * (done here) — 6.18 may instead report a verifier bug (-EFAULT): the `*Insane` flags let the
 * caller decide.
 */
export function refine<V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>, cond: Cond, width: Width, fl: KernelFlavor): Refined<V, B> {
  const q = d.u64;
  const edge = (c: RefineCond) => {
    const [x, y] = refineCondOp(d, a, b, c, width);
    const xs = regBoundsSync(d, x, fl), ys = regBoundsSync(d, y, fl);
    const okX = scalarSane(d, xs), okY = scalarSane(d, ys);
    return {
      pair: [iteState(d, okX, xs, markUnbounded(d, xs)), iteState(d, okY, ys, markUnbounded(d, ys))] as const,
      insane: q.notB(q.andB(okX, okY)),
    };
  };
  const f = edge(revCond(cond));
  const t = edge(cond);
  return { taken: t.pair, fallthrough: f.pair, takenInsane: t.insane, fallthroughInsane: f.insane };
}
