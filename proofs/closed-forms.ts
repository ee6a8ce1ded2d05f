// The verifier's closed forms (src/verifier/alu.ts, written generically in
// src/domains/closed-forms.ts) are scalarAlu's result where their precondition holds, in every
// kernel flavor:
//   ∀ x, k: ok(x, k) ⇒ scalarAlu(op, 64, x, const k or register, fl) = form(x, k)
// lowMaskAnd is asked over any dst whose tnum is well formed (its precondition constrains only
// the mask's low bits and two upper bounds) and a 31-bit k. The other three take states with a zero floor, which
// are floorState(U, X) for U, X below 2^31 (the `shape` claim: the precondition's field tests
// leave no other state), so they are asked over states built from 31-bit variables, as
// proofs/sync-small.ts does: zero-based ones from their bound alone (X = 2^len(U) - 1).
import { floorAndForm, floorState, fillBelow, hasZeroFloor, lowMaskAndForm, zeroBasedAddForm, zeroBasedRshForm, type ClosedForm } from '../src/domains/closed-forms.ts';
import { scalarAlu } from '../src/domains/alu.ts';
import { FLAVORS, scalarConst, scalarEq, type KernelFlavor, type ScalarState } from '../src/domains/scalar.ts';
import { tnumWellFormed } from '../src/domains/tnum.ts';
import { stateOf, type D, type Get, type ScalarProperty } from './scalar.ts';

/** A closed form with a constant operand (lowMaskAnd, floorAnd, zeroBasedRsh), or a broken one in a test. */
export type ConstForm = <V, B>(d: D<V, B>, dst: ScalarState<V>, k: V) => ClosedForm<V, B>;
/** A closed form with a register operand (zeroBasedAdd), or a broken one in a test. */
export type RegForm = <V, B>(d: D<V, B>, dst: ScalarState<V>, src: ScalarState<V>) => ClosedForm<V, B>;

/** A 31-bit variable, zero-extended to 64 bits. */
function var31<V, B>(d: D<V, B>, get: Get<V>, name: string): V {
  return d.zext32(d.u32.and(get(name, 32), d.u32.c(0x7fff_ffff)));
}

/** A state with a zero floor: [0, U] everywhere, var_off (0; X), U and X 31-bit variables. */
const floorOfVars = <V, B>(d: D<V, B>, get: Get<V>): ScalarState<V> => floorState(d, var31(d, get, 'x.u'), var31(d, get, 'x.mask'));

/** A zero-based state: [0, a] everywhere, var_off (0; 2^len(a) - 1), a a 31-bit variable. */
function zeroBasedOfVars<V, B>(d: D<V, B>, get: Get<V>, p: string): ScalarState<V> {
  const a = var31(d, get, `${p}.a`);
  return floorState(d, a, fillBelow(d, a));
}

/**
 * `rX &= k`: where lowMaskAnd's precondition holds on a dst whose tnum is well formed (value & mask
 * = 0, its only hypothesis: without it Z3 finds a counterexample), scalarAlu gives its state.
 */
export function lowMaskAndIsAlu(fl: KernelFlavor, form: ConstForm = lowMaskAndForm, label = 'lowMaskAnd'): ScalarProperty {
  return {
    name: `closed form ${label}: where it applies, 64-bit and is its state (${fl.name})`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = stateOf(get, 'x'), k = var31(d, get, 'k'), r = form(d, x, k);
      return d.u64.implies(d.u64.andB(tnumWellFormed(d.u64, x.varOff), r.ok), scalarEq(d, scalarAlu(d, 'and', 64, x, scalarConst(d, k), fl), r.s));
    },
  };
}

/** `rX += rY`: where zeroBasedAdd's precondition holds (two zero-based states), scalarAlu gives its state. */
export function zeroBasedAddIsAlu(fl: KernelFlavor, form: RegForm = zeroBasedAddForm, label = 'zeroBasedAdd'): ScalarProperty {
  return {
    name: `closed form ${label}: where it applies, 64-bit add is its state (${fl.name})`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = zeroBasedOfVars(d, get, 'x'), y = zeroBasedOfVars(d, get, 'y'), r = form(d, x, y);
      return d.u64.implies(r.ok, scalarEq(d, scalarAlu(d, 'add', 64, x, y, fl), r.s));
    },
  };
}

/** `rX >>= c`: where zeroBasedRsh's precondition holds (a zero floor, 0 < c < 64), scalarAlu gives its state. */
export function zeroBasedRshIsAlu(fl: KernelFlavor, form: ConstForm = zeroBasedRshForm, label = 'zeroBasedRsh'): ScalarProperty {
  return {
    name: `closed form ${label}: where it applies, 64-bit rsh is its state (${fl.name})`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = floorOfVars(d, get), c = d.zext32(d.u32.and(get('c', 32), d.u32.c(63))), r = form(d, x, c);
      return d.u64.implies(r.ok, scalarEq(d, scalarAlu(d, 'rsh', 64, x, scalarConst(d, c), fl), r.s));
    },
  };
}

/** `rX &= k`: where floorAnd's precondition holds (a zero floor, any k), scalarAlu gives its state. */
export function floorAndIsAlu(fl: KernelFlavor, form: ConstForm = floorAndForm, label = 'floorAnd'): ScalarProperty {
  return {
    name: `closed form ${label}: where it applies, 64-bit and is its state (${fl.name})`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const x = floorOfVars(d, get), k = get('k', 64), r = form(d, x, k);
      return d.u64.implies(r.ok, scalarEq(d, scalarAlu(d, 'and', 64, x, scalarConst(d, k), fl), r.s));
    },
  };
}

/**
 * shape: every state with a zero floor (hasZeroFloor, which zero-based states also pass) is
 * floorState(U, X) for U, X below 2^31, so the three claims over states built that way cover
 * every state their precondition accepts.
 */
export function zeroFloorShape(): ScalarProperty {
  return {
    name: 'closed forms: every state with a zero floor is [0, U] with var_off (0; X), U and X below 2^31',
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const q = d.u64, x = stateOf(get, 'x'), small = q.c(0x8000_0000n);
      const built = floorState(d, x.umax, x.varOff.mask);
      return q.implies(hasZeroFloor(d, x), q.andB(q.ult(x.umax, small), q.ult(x.varOff.mask, small), scalarEq(d, x, built)));
    },
  };
}

/** The claims: the shape, then each closed form per flavor. */
export function closedFormProperties(): ScalarProperty[] {
  return [
    zeroFloorShape(),
    ...FLAVORS.flatMap((fl) => [lowMaskAndIsAlu(fl), zeroBasedAddIsAlu(fl), zeroBasedRshIsAlu(fl), floorAndIsAlu(fl)]),
  ];
}
