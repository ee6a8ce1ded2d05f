// Soundness of the scalar ALU transfer functions, split as proofs/SCALAR.md explains:
//
//   scalarAlu(op, w, a, b) = safe ? sync(zext_w(raw)) : unknown      raw = compute(op, w, a, b)
//
// Each query here proves one part (var_off, u64, s64, u32 or s32 bounds) of `raw` contains the
// concrete result; the zero extension, `unknown` and the sync stages have their own lemmas.
import { aluSem } from '../src/bv/alu.ts';
import { compute, computeNeg, safeToCompute, zext32To64, type ScalarAluOp } from '../src/domains/alu.ts';
import { LINUX_6_18, type KernelFlavor, markUnbounded, scalarEq, scalarContains, scalarUnknown, scalarWellFormed, type ScalarState } from '../src/domains/scalar.ts';
import { collapseSingleValue, regBoundsSync } from '../src/domains/sync.ts';
import { tnumContains, tnumMul } from '../src/domains/tnum.ts';
import { ALL_PARTS, concreteOp, containsPart, stateOf, type D, type Get, type Part, type ScalarProperty } from './scalar.ts';

export { ALL_PARTS, containsPart, type Part };

export type AluOp = ScalarAluOp | 'neg';
/** Inputs: any states (only membership assumed), well-formed ones, or outputs of reg_bounds_sync. */
export type Pre = 'any' | 'wellFormed' | 'synced';

/** x ∈ γ(s) restricted to some parts. */
export const containsParts = <V, B>(d: D<V, B>, s: ScalarState<V>, parts: readonly Part[], r: V): B => d.u64.andB(...parts.map((p) => containsPart(d, s, p, r)));

/** The parts whose conjunction is the claim: a 64-bit op's whole state; a 32-bit op's low half (zext32To64 then rebuilds the rest). */
export const partsOf = (width: 32 | 64): Part[] => (width === 64 ? ['var_off', 'u64', 's64', 'u32', 's32'] : ['var_off32', 'u32', 's32']);

/** The state adjust_scalar_min_max_vals holds before zero extension and reg_bounds_sync. */
export function rawResult<V, B>(d: D<V, B>, op: AluOp, width: 32 | 64, a: ScalarState<V>, b: ScalarState<V>, fl: KernelFlavor = LINUX_6_18): ScalarState<V> {
  return op === 'neg' ? computeNeg(d, a, fl) : compute(d, op, width, a, b, fl);
}

/** 6.18 without the tnum_step collapse of __update_reg64_bounds (the collapse is its own stage). */
export const NO_STEP: KernelFlavor = { ...LINUX_6_18, name: '6.18 without tnum_step', tnumStepBounds: false };

/**
 * The 64-bit shifts end with __update_reg_bounds, whose last step is the tnum_step collapse:
 * raw(6.18) = collapse(raw(NO_STEP)) — the same term, so Z3 only has to see it. With the
 * collapse lemma (proofs/SCALAR.md) a member of raw(NO_STEP) is a member of raw(6.18).
 */
export function collapseGlue(op: AluOp, width: 32 | 64): ScalarProperty {
  return {
    name: `scalar ${opName(op, width)} raw = tnum_step collapse of raw without it`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const a = stateOf(get, 'a'), b = stateOf(get, 'b');
      return scalarEq(d, rawResult(d, op, width, a, b), collapseSingleValue(d, rawResult(d, op, width, a, b, NO_STEP)));
    },
  };
}

/** The concrete result (64-bit; a 32-bit op's result zero-extended). */
export function concreteResult<V, B>(d: D<V, B>, op: AluOp, width: 32 | 64, x: V, y: V): V {
  return op === 'neg' ? aluSem(d, 'neg', width, x, x) : concreteOp(d, op, width, x, y);
}

/** The inputs of a claim under a precondition, and that precondition. */
function inputs<V, B>(d: D<V, B>, get: Get<V>, pre: Pre): { a: ScalarState<V>; b: ScalarState<V>; wf: B } {
  let a = stateOf(get, 'a'), b = stateOf(get, 'b');
  if (pre === 'synced') {
    a = regBoundsSync(d, a, LINUX_6_18);
    b = regBoundsSync(d, b, LINUX_6_18);
  }
  return { a, b, wf: pre === 'wellFormed' ? d.u64.andB(scalarWellFormed(d, a), scalarWellFormed(d, b)) : d.u64.T };
}

const opName = (op: AluOp, width: 32 | 64) => `${op}${width === 32 ? '32' : ''}`;
const preName: Record<Pre, string> = { any: '', wellFormed: ' (well-formed inputs)', synced: ' (synced inputs)' };

/**
 * ∀ a, b (under `pre`), ∀ x ∈ γ(a), y ∈ γ(b), when the kernel computes the range (safe):
 * op(x, y) ∈ γ(part of raw(op, a, b)). `hyp` restricts the membership hypothesis to some parts
 * of the inputs (a weaker hypothesis, so a stronger lemma; it says what the part depends on).
 */
export function aluRawSound(op: AluOp, width: 32 | 64, part: Part, pre: Pre = 'any', hyp: readonly Part[] = ALL_PARTS, fl: KernelFlavor = LINUX_6_18): ScalarProperty {
  const from = (hyp === ALL_PARTS ? '' : ` from ${hyp.join('+')}`) + (fl === NO_STEP ? ' (before tnum_step)' : '');
  return {
    name: `scalar ${opName(op, width)} raw ${part} sound${from}${preName[pre]}`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const q = d.u64;
      const { a, b, wf } = inputs(d, get, pre);
      const x = get('x', 64), y = get('y', 64);
      const safe = op === 'neg' ? q.T : safeToCompute(d, op, width, b);
      const hypB = q.andB(wf, safe, containsParts(d, a, hyp, x), op === 'neg' ? q.T : containsParts(d, b, hyp, y));
      return q.implies(hypB, containsPart(d, rawResult(d, op, width, a, b, fl), part, concreteResult(d, op, width, x, y)));
    },
  };
}

/** zext_32_to_64 keeps a 32-bit result: r's low half in var_off32 and bounds32 of s ⇒ zext(r) ∈ γ(zext32To64(s)). */
export function zextKeeps(): ScalarProperty {
  return {
    name: 'zext_32_to_64 keeps the low-half member',
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const s = stateOf(get, 's'), r = get('r', 64);
      const hyp = containsParts(d, s, ['var_off32', 'u32', 's32'], r);
      return d.u64.implies(hyp, scalarContains(d, zext32To64(d, s), d.zext32(d.lo32(r))));
    },
  };
}

/** __mark_reg_unknown contains everything; __mark_reg_unbounded keeps members. */
export function unknownLemmas(): ScalarProperty[] {
  return [
    { name: '__mark_reg_unknown contains every value', claim: (d, get) => scalarContains(d, scalarUnknown(d), get('x', 64)) },
    {
      name: '__mark_reg_unbounded keeps members',
      claim: (d, get) => {
        const s = stateOf(get, 's'), x = get('x', 64);
        return d.u64.implies(scalarContains(d, s, x), scalarContains(d, markUnbounded(d, s), x));
      },
    },
  ];
}

/**
 * Glue for mul's var_off: the raw result's tnum is tnum_mul (6.18) of the inputs' tnums — the
 * same term, so Z3 only has to see it; tnum_mul's soundness at 64 bits is the induction proof
 * of proofs/TNUM_MUL.md (the unrolled 64-bit loop is too big to solve directly).
 */
export function mulVarOffIsTnumMul(): ScalarProperty {
  return {
    name: 'scalar mul/mul32 raw var_off = tnum_mul(a.var_off, b.var_off)',
    split: false,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const q = d.u64, a = stateOf(get, 'a'), b = stateOf(get, 'b');
      const m = tnumMul(q, a.varOff, b.varOff);
      const r64 = rawResult(d, 'mul', 64, a, b).varOff, r32 = rawResult(d, 'mul', 32, a, b).varOff;
      return q.andB(q.eq(r64.value, m.value), q.eq(r64.mask, m.mask), q.eq(r32.value, m.value), q.eq(r32.mask, m.mask));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The catalogue

export const ALU_OPS: readonly AluOp[] = ['add', 'sub', 'mul', 'and', 'or', 'xor', 'lsh', 'rsh', 'arsh', 'neg'];

/**
 * Every query the ALU argument of proofs/SCALAR.md needs, except mul's bounds (proofs/scalar-mul.ts)
 * and mul's var_off (the tnum_mul induction, glued by `mulVarOffIsTnumMul`).
 * add/sub: each bounds pair depends only on the same pair of the inputs (hypothesis narrowed,
 * which Z3 needs: the whole-state hypothesis takes 20–60 s per part). 64-bit shifts: proved
 * before the tnum_step collapse, plus the glue.
 */
export function aluProperties(): ScalarProperty[] {
  const out: ScalarProperty[] = [zextKeeps(), ...unknownLemmas(), mulVarOffIsTnumMul()];
  for (const op of ALU_OPS) {
    for (const width of [64, 32] as const) {
      const shift64 = width === 64 && (op === 'lsh' || op === 'rsh' || op === 'arsh');
      if (shift64) out.push(collapseGlue(op, width));
      for (const part of partsOf(width)) {
        const isTnum = part === 'var_off' || part === 'var_off32';
        if (op === 'mul') continue;
        const narrow = (op === 'add' || op === 'sub') && !isTnum;
        out.push(aluRawSound(op, width, part, 'any', narrow ? [part] : ALL_PARTS, shift64 ? NO_STEP : LINUX_6_18));
      }
    }
  }
  return out;
}
