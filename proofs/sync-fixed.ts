// The compiled reg_bounds_sync returns a state unchanged when src/domains/sync-fixed.ts's test
// accepts it (bounds exactly the tnum's own), without running the sync. That shortcut is exact
// when such a state is a fixed point of the whole sync, which is what these claims state, one
// per kernel flavor: ∀ s, boundsFromTnum(s) ⇒ reg_bounds_sync(s) = s, field by field.
import { boundsFromTnum } from '../src/domains/sync-fixed.ts';
import { regBoundsSync } from '../src/domains/sync.ts';
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

/** The shortcut's claims, one per flavor. */
export function syncFixedProperties(): ScalarProperty[] {
  return FLAVORS.map((fl) => syncFixedBy(fl));
}
