// The compiled reg_bounds_sync replaces the three __reg_deduce_bounds rounds and
// __reg_bound_offset by the 32-bit merge of src/domains/sync-small.ts when the state after the
// first __update_reg_bounds is small (every word below 2^31) and its four ranges meet (`ok`).
// Three claims make that exact, for every kernel flavor (neither these stages nor the merge
// depend on one), with D = __reg_deduce_bounds, O = __reg_bound_offset and M = the merge:
//   deduce: ∀ x: ok(x) ⇒ D(x) = M(x)
//   again:  ∀ x: ok(x) ⇒ ok(M(x)) ∧ M(M(x)) = M(x)
//   offset: ∀ x: ok(x) ⇒ O(M(x)) = M(x)
// so D(D(D(x))) = D(D(M(x))) = D(M(M(x))) = D(M(x)) = M(M(x)) = M(x), and O of it is M(x):
// reg_bounds_sync(s) = U(O(D(D(D(U(s)))))) = U(M(U(s))) when ok(U(s)). All are asked on states
// whose ten words are 31-bit variables zero-extended, which are exactly the small states (a
// claim over all states with "small" as a hypothesis took far longer); `ok` then still holds the
// condition that the ranges meet.
import { mergeSmall, updateSmall } from '../src/domains/sync-small.ts';
import { regBoundOffset, regDeduceBounds, updateRegBounds } from '../src/domains/sync.ts';
import { FLAVORS, scalarEq, type KernelFlavor, type ScalarState } from '../src/domains/scalar.ts';
import type { D, Get, ScalarProperty } from './scalar.ts';

/** A merge (the shortcut's, or a broken one in a test). */
export type Merge = <V, B>(d: D<V, B>, x: ScalarState<V>) => { ok: B; s: ScalarState<V> };

/** A state whose ten words are 31-bit variables, zero-extended at 64 bits: the small states. */
function smallStateOf<V, B>(d: D<V, B>, get: Get<V>): ScalarState<V> {
  const h = d.u32, low31 = h.c(0x7fff_ffff);
  const w32 = (f: string): V => h.and(get(`x.${f}`, 32), low31);
  const w64 = (f: string): V => d.zext32(w32(f));
  return {
    varOff: { value: w64('value'), mask: w64('mask') },
    umin: w64('umin'), umax: w64('umax'), smin: w64('smin'), smax: w64('smax'),
    u32min: w32('u32min'), u32max: w32('u32max'), s32min: w32('s32min'), s32max: w32('s32max'),
  };
}

/** deduce: a __reg_deduce_bounds round of a small state whose ranges meet is the merge. */
export function deduceIsMerge(merge: Merge = mergeSmall, label = 'the 32-bit merge'): ScalarProperty {
  return {
    name: `__reg_deduce_bounds of a small state whose ranges meet is ${label}`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = smallStateOf(d, get), r = merge(d, x);
      return d.u64.implies(r.ok, scalarEq(d, regDeduceBounds(d, x), r.s));
    },
  };
}

/** again: the merge's result is again small with meeting ranges, and merging it changes nothing. */
export function mergeAgain(merge: Merge = mergeSmall, label = 'the 32-bit merge'): ScalarProperty {
  return {
    name: `${label} of a small state whose ranges meet is such a state, and merging it again changes nothing`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = smallStateOf(d, get), r = merge(d, x), again = merge(d, r.s);
      return d.u64.implies(r.ok, d.u64.andB(again.ok, scalarEq(d, again.s, r.s)));
    },
  };
}

/** offset: __reg_bound_offset leaves the merge's result unchanged. */
export function offsetKeepsMerge(merge: Merge = mergeSmall, label = 'the 32-bit merge'): ScalarProperty {
  return {
    name: `__reg_bound_offset leaves ${label} of a small state whose ranges meet unchanged`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = smallStateOf(d, get), r = merge(d, x);
      return d.u64.implies(r.ok, scalarEq(d, regBoundOffset(d, r.s), r.s));
    },
  };
}

/** A 32-bit __update_reg_bounds (the shortcut's, or a broken one in a test). */
export type Update = <V, B>(d: D<V, B>, x: ScalarState<V>, fl: KernelFlavor) => ScalarState<V>;

/**
 * update: ∀ x small: __update_reg_bounds(x) = the 32-bit update (src/domains/sync-small.ts
 * updateSmall), under flavor fl. The compiled sync runs it on small inputs and on every merged
 * state (small by the `again` claim), so with the three claims above reg_bounds_sync(s) =
 * U32(M(U32(s))) when s and U32(s)'s ranges are small and meet.
 */
export function updateIsSmall(fl: KernelFlavor, update: Update = updateSmall, label = 'the 32-bit update'): ScalarProperty {
  return {
    name: `__update_reg_bounds (${fl.name}) of a small state is ${label}`,
    // one query: with 6.18's collapse, goal by goal ran out of 400,000,000 units; whole it takes ~74,000,000
    split: false,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = smallStateOf(d, get);
      return scalarEq(d, updateRegBounds(d, x, fl), update(d, x, fl));
    },
  };
}

/** The claims: the merge's three, the 32-bit update's per flavor. */
export function syncSmallProperties(): ScalarProperty[] {
  return [deduceIsMerge(), mergeAgain(), offsetKeepsMerge(), ...FLAVORS.map((fl) => updateIsSmall(fl))];
}
