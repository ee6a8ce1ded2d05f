// Soundness of the scalar width changes: coerce_reg_to_size (truncation), coerce_reg_to_size_sx
// (64-bit MOVSX, both 6.18 flavors), 32-bit MOVSX and BPF_END (src/domains/alu-move.ts, alu.ts).
// Each claim runs the operator with the identity in place of reg_bounds_sync (the state before
// sync); the sync stage lemmas complete the argument (proofs/SCALAR.md, "Width changes").
import { aluSem, endSem } from '../src/bv/alu.ts';
import { scalarEnd, scalarMovsx, type EndOrder } from '../src/domains/alu.ts';
import { coerceRegToSize, coerceRegToSizeSx, type SyncFn } from '../src/domains/alu-move.ts';
import { LINUX_6_18, LINUX_6_18_SX64, scalarContains, type ScalarState } from '../src/domains/scalar.ts';
import { stateOf, type D, type Get, type ScalarProperty } from './scalar.ts';

// ---------------------------------------------------------------------------------------------
// Concrete semantics: the one definition (src/bv/alu.ts) for movsx and BPF_END, and the
// truncation of coerce_reg_to_size (checked against test/oracle/reference.ts by
// test/proofs/scalar-move.test.ts)

/** The low `bits` bits of x (x itself at 64). */
export function truncC<V, B>(d: D<V, B>, x: V, bits: number): V {
  return bits === 64 ? x : d.u64.and(x, d.u64.c((1n << BigInt(bits)) - 1n));
}

/** r = (sN) r: the low `bits` bits of x, sign-extended to 64. */
export const sextC = <V, B>(d: D<V, B>, x: V, bits: 8 | 16 | 32): V => aluSem(d, 'movsx', 64, x, x, bits);

/** w = (sN) w: the low `bits` bits sign-extended to 32, then zero-extended to 64. */
export const movsx32C = <V, B>(d: D<V, B>, x: V, bits: 8 | 16): V => aluSem(d, 'movsx', 32, x, x, bits);

/** BPF_END on a little-endian host: le truncates (identity at 64), be and swap reverse the bytes. */
export const endC = <V, B>(d: D<V, B>, order: EndOrder, bits: 16 | 32 | 64, x: V): V => endSem(d, order, bits, x);

// ---------------------------------------------------------------------------------------------
// Claims

/** The identity in place of reg_bounds_sync: the operators then return the state before sync. */
export const noSync: SyncFn = (_d, s) => s;

/** A width change on one state, and its concrete meaning on a 64-bit value. */
export interface MoveOp {
  name: string;
  op<V, B>(d: D<V, B>, s: ScalarState<V>, sync: SyncFn): ScalarState<V>;
  concrete<V, B>(d: D<V, B>, x: V): V;
  /** Whether the operator applies reg_bounds_sync anywhere (else the claim is about the operator itself). */
  syncs: boolean;
}

/**
 * ∀ s, ∀ x ∈ γ(s): concrete(x) ∈ γ(op(s)) with the identity for sync — the state before sync
 * (the operator itself when it does not sync). With the sync stage lemmas this is soundness of
 * the operator (proofs/SCALAR.md).
 */
export function moveSound(m: MoveOp): ScalarProperty {
  return {
    name: `${m.name} sound${m.syncs ? ' before sync' : ''}`,
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const s = stateOf(get, 's'), x = get('x', 64);
      return d.u64.implies(scalarContains(d, s, x), scalarContains(d, m.op(d, s, noSync), m.concrete(d, x)));
    },
  };
}

/** Every width change the verifier model uses (6.18; coerce_reg_to_size_sx also as 6.18-sx64). */
export function moveOps(): MoveOp[] {
  const out: MoveOp[] = [];
  for (const size of [1, 2, 4] as const) {
    out.push({ name: `coerce_reg_to_size ${size}`, syncs: true, op: (d, s, sync) => coerceRegToSize(d, s, size, LINUX_6_18, sync), concrete: (d, x) => truncC(d, x, size * 8) });
  }
  for (const fl of [LINUX_6_18, LINUX_6_18_SX64]) {
    for (const bits of [8, 16, 32] as const) {
      out.push({ name: `coerce_reg_to_size_sx s${bits} (${fl.name})`, syncs: fl.sxFromSubreg, op: (d, s, sync) => coerceRegToSizeSx(d, s, bits, fl, sync), concrete: (d, x) => sextC(d, x, bits) });
    }
  }
  for (const bits of [8, 16] as const) {
    out.push({ name: `movsx32 s${bits}`, syncs: true, op: (d, s, sync) => scalarMovsx(d, 32, bits, s, LINUX_6_18, sync), concrete: (d, x) => movsx32C(d, x, bits) });
  }
  for (const order of ['le', 'be', 'swap'] as const) {
    for (const bits of [16, 32, 64] as const) {
      out.push({ name: `BPF_END ${order}${bits}`, syncs: true, op: (d, s, sync) => scalarEnd(d, order, bits, s, LINUX_6_18, sync), concrete: (d, x) => endC(d, order, bits, x) });
    }
  }
  return out;
}

export const moveProperties = (): ScalarProperty[] => moveOps().map(moveSound);
