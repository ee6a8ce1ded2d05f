// The compiled reg_bounds_sync returns a state unchanged when src/domains/sync-fixed.ts's test
// accepts it (bounds exactly the tnum's own), without running the sync. That shortcut is exact
// when such a state is a fixed point of the whole sync, which is what these claims state, one
// per kernel flavor: ∀ s, boundsFromTnum(s) ⇒ reg_bounds_sync(s) = s, field by field. It also
// stops the deduce rounds at the first that changed nothing (deduceRoundSkip).
import { boundsFromTnum } from '../src/domains/sync-fixed.ts';
import { regBoundsSync, regDeduceBounds } from '../src/domains/sync.ts';
import { FLAVORS, scalarEq, type KernelFlavor, type ScalarState } from '../src/domains/scalar.ts';
import { stateOf, type D, type Get, type ScalarProperty } from './scalar.ts';

/** A test of states (the shortcut's condition, or a broken one in a test). */
export type FixedTest = <V, B>(d: D<V, B>, s: ScalarState<V>) => B;

/** ∀ s: test(s) ⇒ reg_bounds_sync(s) = s under flavor fl. */
export function syncFixedBy(fl: KernelFlavor, test: FixedTest = boundsFromTnum, label = 'bounds from the tnum'): ScalarProperty {
  return {
    name: `reg_bounds_sync (${fl.name}) leaves a state with ${label} unchanged`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const s = stateOf(get, 's');
      return d.u64.implies(test(d, s), scalarEq(d, regBoundsSync(d, s, fl), s));
    },
  };
}

/** The shortcuts' claims: the fixed-point test per flavor, the round skip. */
export function syncFixedProperties(): ScalarProperty[] {
  return [...FLAVORS.map((fl) => syncFixedBy(fl)), deduceRoundSkip()];
}

/** Which fields a round's "nothing changed" test compares (all of them, or a broken subset in a test). */
export type SameTest = <V, B>(d: D<V, B>, x: ScalarState<V>, y: ScalarState<V>) => B;

/**
 * The compiled sync runs the second and third __reg_deduce_bounds rounds only while the previous
 * round changed something. The step that makes that exact: ∀ b, c: c = deduce(b) ∧ c = b ⇒
 * deduce(c) = c (applied twice, a round after an unchanged one is unchanged, so is the one after
 * it). It holds because c is b, so deduce(c) is deduce(b), which is c: what the claim checks is
 * that `same` compares every field (5.5e6 resource units; a test comparing var_off alone gets a
 * counterexample).
 */
export function deduceRoundSkip(same: SameTest = scalarEq, label = 'the previous round'): ScalarProperty {
  return {
    name: `__reg_deduce_bounds round after ${label} changed nothing changes nothing`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const b = stateOf(get, 'b'), c = stateOf(get, 'c');
      return d.u64.implies(d.u64.andB(scalarEq(d, c, regDeduceBounds(d, b)), same(d, c, b)), scalarEq(d, regDeduceBounds(d, c), c));
    },
  };
}
