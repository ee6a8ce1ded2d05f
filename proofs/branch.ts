// Soundness of conditional-jump handling on scalars (src/domains/branch.ts), split as
// proofs/SCALAR.md explains: `refine` = per edge, regs_refine_cond_op with the edge's
// condition (cond on the taken edge, rev_opcode(cond) on the fall-through one), then
// reg_bounds_sync of both registers (stage lemmas), then — if the sanity check fails —
// __mark_reg_unbounded (its own lemma). Also is_scalar_branch_taken.
import { jcondIn } from '../src/bv/alu.ts';
import type { Bits } from '../src/bv/bits.ts';
import { branchTakenB, refineCondOp, revCond, type Cond, type RefineCond } from '../src/domains/branch.ts';
import { scalarContains, type ScalarState } from '../src/domains/scalar.ts';
import { stateOf, type D, type Get, type ScalarProperty } from './scalar.ts';
import { ALL_PARTS, containsParts, type Part } from './scalar-alu.ts';

export const CONDS: readonly Cond[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
export const REFINE_CONDS: readonly RefineCond[] = [...CONDS, 'jset_not'];

/**
 * The concrete meaning of a condition on two values of a ring: the one definition
 * (src/bv/alu.ts), plus jset_not, the refinement's name for the fall-through edge of jset.
 */
export function holds<V, B>(r: Bits<V, B>, c: RefineCond, x: V, y: V): B {
  return c === 'jset_not' ? r.eq(r.and(x, y), r.zero) : jcondIn(r, c, x, y);
}

/** The condition on 64-bit registers at a jump width (JMP32 compares the low halves). */
export function holdsAt<V, B>(d: D<V, B>, c: RefineCond, width: 32 | 64, x: V, y: V): B {
  return width === 64 ? holds(d.u64, c, x, y) : holds(d.u32, c, d.lo32(x), d.lo32(y));
}

const w = (width: 32 | 64) => (width === 32 ? '32' : '');

/** A refined register: a pair member, a register of the pair. */
export type Side = 'dst' | 'src';

/**
 * regs_refine_cond_op keeps every pair that satisfies the condition:
 * x ∈ γ(a), y ∈ γ(b), c(x, y) ⇒ x ∈ γ(a'), y ∈ γ(b') with [a', b'] = refineCondOp(a, b, c).
 * `side` proves one register of the pair, `part` one part of it (none: the conjunction).
 */
export function refineSound(c: RefineCond, width: 32 | 64, side?: Side, part?: Part, refine: <V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>) => [ScalarState<V>, ScalarState<V>] = (d, a, b) => refineCondOp(d, a, b, c, width), label = 'regs_refine_cond_op'): ScalarProperty {
  const parts = part ? [part] : ALL_PARTS;
  return {
    name: `${label} ${c}${w(width)} keeps satisfying pairs${side ? ` (${side}${part ? ` ${part}` : ''})` : ''}`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const q = d.u64;
      const a = stateOf(get, 'a'), b = stateOf(get, 'b'), x = get('x', 64), y = get('y', 64);
      const [a2, b2] = refine(d, a, b);
      const hyp = q.andB(scalarContains(d, a, x), scalarContains(d, b, y), holdsAt(d, c, width, x, y));
      const dst = containsParts(d, a2, parts, x), src = containsParts(d, b2, parts, y);
      return q.implies(hyp, side === 'dst' ? dst : side === 'src' ? src : q.andB(dst, src));
    },
  };
}

/** rev_opcode is the negation: ¬c(x, y) ⇔ rev(c)(x, y), so the fall-through edge keeps the pairs that fail c. */
export function revNegates(c: Cond, width: 32 | 64): ScalarProperty {
  return {
    name: `rev_opcode ${c}${w(width)} = ${revCond(c)}${w(width)} is its negation`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = get('x', 64), y = get('y', 64);
      const n = d.u64.notB(holdsAt(d, c, width, x, y)), r = holdsAt(d, revCond(c), width, x, y);
      return d.u64.iteB(n, r, d.u64.notB(r));
    },
  };
}

/** is_scalar_branch_taken: 1 ⇒ every member pair jumps, 0 ⇒ none does. */
export function takenSound(c: Cond, width: 32 | 64): ScalarProperty {
  return {
    name: `is_scalar_branch_taken ${c}${w(width)} sound`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const q = d.u64;
      const a = stateOf(get, 'a'), b = stateOf(get, 'b'), x = get('x', 64), y = get('y', 64);
      const t = branchTakenB(d, a, b, c, width);
      const jumps = holdsAt(d, c, width, x, y);
      const post = q.andB(q.implies(t.always, jumps), q.implies(t.never, q.notB(jumps)));
      return q.implies(q.andB(scalarContains(d, a, x), scalarContains(d, b, y)), post);
    },
  };
}

/** The branch catalogue: every condition at both widths. */
export function branchProperties(): ScalarProperty[] {
  const out: ScalarProperty[] = [];
  for (const width of [64, 32] as const) {
    // JEQ / JNE (the swap for a constant side, intersected tnums) are split per register
    for (const c of REFINE_CONDS) {
      if (c === 'jeq' || c === 'jne') for (const side of ['dst', 'src'] as const) for (const part of ALL_PARTS) out.push(refineSound(c, width, side, part));
      else out.push(refineSound(c, width));
    }
    for (const c of CONDS) out.push(revNegates(c, width));
    for (const c of CONDS) out.push(takenSound(c, width));
  }
  return out;
}
