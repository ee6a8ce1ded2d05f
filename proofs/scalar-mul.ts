// Soundness of mul's bounds: scalar_min_max_mul and scalar32_min_max_mul are `mulBounds`
// (src/domains/alu-arith.ts) on the 64- and 32-bit rings. Claim, for each ring width w and each
// pair (unsigned: umin/umax, signed: smin/smax), from that pair's hypothesis alone:
//
//   x, y within the pair of a, b  ⇒  x·y mod 2^w within the same pair of mulBounds(a, b)
//
// At 32 and 64 bits the bit-vector queries time out (a multiplier to bit-blast), so the claim is
// proved in the exact integer model (src/bv/z3int.ts) with Z3's nonlinear integer arithmetic:
// the unsigned pair directly, the signed pair from two lemmas (proofs/SCALAR.md has the argument).
// The bit-vector form at 8 and 12 bits stays as a cross-check of the same function.
import type { Bits } from '../src/bv/bits.ts';
import { concreteBits, toSigned } from '../src/bv/concrete.ts';
import type { Z3Int, Z3IntBool } from '../src/bv/z3int.ts';
import { bounds32, bounds64, mulBounds, type Bounds } from '../src/domains/alu-arith.ts';
import type { IntModel, IntProperty } from './int-runner.ts';
import { replay, type Property } from './runner.ts';
import { stateOf, type D, type Get, type ScalarProperty } from './scalar.ts';
import { rawResult } from './scalar-alu.ts';

export type MulPair = 'unsigned' | 'signed';
export type BoundsFn = <V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>) => Bounds<V>;

/** Bounds named NAME.umin … NAME.smax on the ring. */
const boundsOf = <V>(val: (n: string) => V, p: string): Bounds<V> => ({ umin: val(`${p}.umin`), umax: val(`${p}.umax`), smin: val(`${p}.smin`), smax: val(`${p}.smax`) });

/** v within one pair of s: umin ≤ v ≤ umax, or smin ≤ v ≤ smax (signed). */
function inPair<V, B>(r: Bits<V, B>, s: Bounds<V>, pair: MulPair, v: V): B {
  return pair === 'unsigned' ? r.andB(r.ule(s.umin, v), r.ule(v, s.umax)) : r.andB(r.sle(s.smin, v), r.sle(v, s.smax));
}

const kernelName = (width: number): string => (width === 32 ? 'scalar32_min_max_mul' : 'scalar_min_max_mul');

/**
 * The claim on a ring of any width, on any backend: x, y within the pair of a, b ⇒ x·y within
 * the pair of f(a, b). With the bit-vector backend this is the "(ring)" cross-check; the
 * integer-model proofs below build it over Z3 Int and replay it concretely.
 */
export function mulBoundsSound(pair: MulPair, f: BoundsFn = mulBounds, label = 'scalar_min_max_mul'): Property {
  return {
    name: `${label} ${pair} bounds sound (ring)`,
    claim<V, B>(r: Bits<V, B>, i: { val(n: string): V }): B {
      const a = boundsOf(i.val, 'a'), b = boundsOf(i.val, 'b'), x = i.val('x'), y = i.val('y');
      return r.implies(r.andB(inPair(r, a, pair, x), inPair(r, b, pair, y)), inPair(r, f(r, a, b), pair, r.mul(x, y)));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The two lemmas of the signed pair, each a statement builder (used for the lemma's own query and
// for its instances in the main query) and a concrete form (for replay).

const fits = (m: IntModel, p: Z3Int): Z3IntBool => {
  const h = 1n << BigInt(m.width - 1);
  return m.ctx.And(p.ge(-h), p.lt(h));
};

/** Wrap lemma: sg(a)·sg(b) ∈ [−2^(w−1), 2^(w−1)) ⇒ sg(a·b mod 2^w) = sg(a)·sg(b) (the ring's mul). */
function wrapStatement(m: IntModel, a: Z3Int, b: Z3Int): Z3IntBool {
  const p = m.sg(a).mul(m.sg(b));
  return m.ctx.Implies(fits(m, p), m.sg(m.r.mul(a, b)).eq(p));
}

/** Box lemma: X ∈ [A0, A1], Y ∈ [B0, B1] ⇒ some corner product ≤ X·Y and some corner product ≥ X·Y. */
function boxStatement(m: IntModel, X: Z3Int, Y: Z3Int, A0: Z3Int, A1: Z3Int, B0: Z3Int, B1: Z3Int): Z3IntBool {
  const { ctx } = m;
  const xy = X.mul(Y), corners = [A0.mul(B0), A0.mul(B1), A1.mul(B0), A1.mul(B1)];
  const inBox = ctx.And(A0.le(X), X.le(A1), B0.le(Y), Y.le(B1));
  return ctx.Implies(inBox, ctx.And(ctx.Or(...corners.map((c) => c.le(xy))), ctx.Or(...corners.map((c) => xy.le(c)))));
}

/** sg(a·b mod 2^w) = sg(a)·sg(b) when the true signed product fits the ring. */
export function mulWrapLemma(): IntProperty {
  return {
    name: 'mul wrap lemma: sg(a)·sg(b) fits ⇒ sg(a·b mod 2^w) = sg(a)·sg(b) (integer model)',
    inputs: 'ring',
    claim: (m, val) => wrapStatement(m, val('a'), val('b')),
    concrete(width, v) {
      const sa = toSigned(v.a ?? 0n, width), sb = toSigned(v.b ?? 0n, width), p = sa * sb, h = 1n << BigInt(width - 1);
      return !(p >= -h && p < h) || toSigned(concreteBits(width).mul(v.a ?? 0n, v.b ?? 0n), width) === p;
    },
  };
}

/** x·y on a box [A0, A1] × [B0, B1] of the integers lies between the least and the greatest corner product. */
export function mulBoxLemma(): IntProperty {
  const names = ['X', 'Y', 'A0', 'A1', 'B0', 'B1'] as const;
  return {
    name: 'mul box lemma: X ∈ [A0, A1], Y ∈ [B0, B1] ⇒ X·Y between the corner products (all integers)',
    inputs: 'int',
    claim: (m, val) => boxStatement(m, ...(names.map(val) as [Z3Int, Z3Int, Z3Int, Z3Int, Z3Int, Z3Int])),
    concrete(_width, v) {
      const [X, Y, A0, A1, B0, B1] = names.map((n) => v[n] ?? 0n);
      const xy = X * Y, corners = [A0 * B0, A0 * B1, A1 * B0, A1 * B1];
      return !(A0 <= X && X <= A1 && B0 <= Y && Y <= B1) || (corners.some((c) => c <= xy) && corners.some((c) => xy <= c));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The main queries

/**
 * The claim of `mulBoundsSound` at a full width in the integer model. The signed pair is proved
 * given instances of the two lemmas (true for all inputs, proved by their own queries): the wrap
 * lemma for x·y and each corner product, the box lemma for (sg x, sg y) in the signed box.
 */
export function mulBoundsInt(pair: MulPair, width: number, f: BoundsFn = mulBounds, label = kernelName(width)): IntProperty {
  const ring = mulBoundsSound(pair, f, label);
  const given = pair === 'signed' ? ', given the wrap and box lemmas' : '';
  return {
    name: `${label} ${pair} bounds sound (integer model${given})`,
    inputs: 'ring',
    claim(m, val) {
      const claim = ring.claim(m.r, { val, tnum: () => { throw new Error('no tnum inputs'); } });
      if (pair === 'unsigned') return claim;
      const a = boundsOf(val, 'a'), b = boundsOf(val, 'b'), x = val('x'), y = val('y');
      const lemmas = [
        wrapStatement(m, x, y),
        ...[a.smin, a.smax].flatMap((u) => [b.smin, b.smax].map((v) => wrapStatement(m, u, v))),
        boxStatement(m, m.sg(x), m.sg(y), m.sg(a.smin), m.sg(a.smax), m.sg(b.smin), m.sg(b.smax)),
      ];
      return m.ctx.Implies(m.ctx.And(...lemmas), claim);
    },
    // the lemma instances hold for every input, so a counterexample must fail the claim itself
    concrete: (w, values) => replay(ring, w, values),
  };
}

/**
 * Glue: the bounds of raw(mul) and raw(mul32) are mulBounds on each half of the inputs — the 64-bit
 * bounds from the 64-bit ones, the 32-bit bounds from the 32-bit ones (an identity of terms).
 */
export function mulBoundsAreMulBounds(): ScalarProperty {
  return {
    name: 'scalar mul/mul32 raw bounds = mulBounds on each half',
    claim<V, B>(d: D<V, B>, get: Get<V>): B {
      const q = d.u64, h = d.u32, a = stateOf(get, 'a'), b = stateOf(get, 'b');
      const m64 = mulBounds(q, bounds64(a), bounds64(b)), m32 = mulBounds(h, bounds32(a), bounds32(b));
      const same = (r: Bits<V, B>, x: Bounds<V>, y: Bounds<V>) => r.andB(r.eq(x.umin, y.umin), r.eq(x.umax, y.umax), r.eq(x.smin, y.smin), r.eq(x.smax, y.smax));
      return q.andB(...([64, 32] as const).flatMap((w) => {
        const raw = rawResult(d, 'mul', w, a, b);
        return [same(q, bounds64(raw), m64), same(h, bounds32(raw), m32)];
      }));
    },
  };
}

/** The integer-model queries of the catalogue, each with its width. */
export function mulIntProperties(): [IntProperty, number][] {
  const out: [IntProperty, number][] = [[mulBoxLemma(), 64]];
  for (const w of [64, 32]) {
    out.push([mulWrapLemma(), w]);
    for (const pair of ['unsigned', 'signed'] as const) out.push([mulBoundsInt(pair, w), w]);
  }
  return out;
}

/** Bit-vector cross-checks of the same function at small widths (Z3 finishes these bit-blasted). */
export const MUL_BOUNDS_WIDTHS: ReadonlyArray<[MulPair, number]> = [['unsigned', 8], ['unsigned', 12], ['signed', 7]];
