// Lemmas for the inductive soundness proof of tnum multiplication at full width (see
// proofs/TNUM_MUL.md for the invariant and how the lemmas compose). Every lemma calls the step
// functions of src/domains/tnum.ts (tnumMulStep, tnumMulCgo22Step) — the code the drivers run.
import type { Bits } from '../src/bv/bits.ts';
import * as T from '../src/domains/tnum.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import type { Inputs, Property } from './runner.ts';

function wfIn<V, B>(bv: Bits<V, B>, t: Tnum<V>, x: V): B {
  return bv.andB(T.tnumWellFormed(bv, t), T.tnumContains(bv, t, x));
}

/** The multiplier / multiplicand parts of any step: x' >> 1 ∈ γ(a'), q << 1 ∈ γ(b'), both well-formed. */
function shiftsOk<V, B>(bv: Bits<V, B>, s: { a: Tnum<V>; b: Tnum<V> }, x: V, q: V): B {
  return bv.andB(wfIn(bv, s.a, bv.lshrN(x, 1)), wfIn(bv, s.b, bv.shlN(q, 1)));
}

/** The state tnums (acc, A, B) and their members (p, x', q), all well-formed. */
function stepInputs<V, B>(bv: Bits<V, B>, i: Inputs<V>) {
  const acc = i.tnum('acc'), A = i.tnum('A'), Bt = i.tnum('B');
  const p = i.val('p'), x = i.val('x'), q = i.val('q');
  const hyp = bv.andB(wfIn(bv, acc, p), wfIn(bv, A, x), wfIn(bv, Bt, q));
  return { acc, A, Bt, p, x, q, hyp };
}

export type MulStep = <V, B>(bv: Bits<V, B>, s: T.MulState<V>) => T.MulState<V>;
export type MulCgo22Step = <V, B>(bv: Bits<V, B>, s: T.MulCgo22State<V>) => T.MulCgo22State<V>;

/**
 * Step lemma of the 6.18 loop, for any step function (the real one, or a broken one in tests).
 * With p = (x mod 2^i)·y, x' = x >> i, q = y << i: p + bit0(x')·q = (x mod 2^(i+1))·y ∈ γ(acc').
 */
export function mulStepLemma(name: string, step: MulStep): Property {
  return {
    name,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const { acc, A, Bt, p, x, q, hyp } = stepInputs(bv, i);
      const s = step(bv, { acc, a: A, b: Bt });
      const next = bv.add(p, bv.ite(bv.bit(x, 0), q, bv.zero));
      return bv.implies(hyp, bv.andB(wfIn(bv, s.acc, next), shiftsOk(bv, s, x, q)));
    },
  };
}

/**
 * Step lemma of the CGO'22 loop. With p = (x mod 2^i)·y − (a.v mod 2^i)·b.v, x' = x >> i,
 * q = y << i, B.value = b.v << i: the next p is p + bit0(x')·q − bit0(A.v)·B.v.
 */
export function mulCgo22StepLemma(name: string, step: MulCgo22Step): Property {
  return {
    name,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const { acc, A, Bt, p, x, q, hyp } = stepInputs(bv, i);
      const s = step(bv, { accM: acc, a: A, b: Bt });
      const next = bv.sub(bv.add(p, bv.ite(bv.bit(x, 0), q, bv.zero)), bv.ite(bv.bit(A.value, 0), Bt.value, bv.zero));
      return bv.implies(hyp, bv.andB(wfIn(bv, s.accM, next), shiftsOk(bv, s, x, q)));
    },
  };
}

export type LoopDone = <V, B>(bv: Bits<V, B>, a: Tnum<V>) => B;
type StepPart = <V, B>(bv: Bits<V, B>, acc: Tnum<V>, A: Tnum<V>, Bt: Tnum<V>) => Tnum<V>;

/**
 * Exit lemma over the driver's own exit test (`done`, T.mulLoopDone in the real driver): for
 * any well-formed A the test accepts, the step leaves the accumulator unchanged and the test
 * still holds of the next A. So once the concrete driver stops, every remaining step of the
 * full W-step loop is the identity on the accumulator: the early exit and the full loop agree.
 */
export function mulExitLemma(name: string, done: LoopDone, accOf: StepPart, aOf: StepPart): Property {
  return {
    name,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const acc = i.tnum('acc'), A = i.tnum('A'), Bt = i.tnum('B');
      const hyp = bv.andB(T.tnumWellFormed(bv, acc), T.tnumWellFormed(bv, A), T.tnumWellFormed(bv, Bt), done(bv, A));
      return bv.implies(hyp, bv.andB(T.tnumEq(bv, accOf(bv, acc, A, Bt), acc), done(bv, aOf(bv, acc, A, Bt))));
    },
  };
}

/** Lemmas of the 6.18 tnum_mul and of the CGO'22 multiplication. */
export function mulStepLemmas(): Property[] {
  return [
    {
      name: 'mul 6.18 base: 0 ∈ γ(acc₀)',
      claim: <V, B>(bv: Bits<V, B>): B => wfIn(bv, T.tnumConst(bv, bv.zero), bv.zero),
    },
    mulStepLemma("mul 6.18 step: p ∈ acc, x' ∈ A, q ∈ B ⇒ p + bit0(x')·q ∈ acc'", T.tnumMulStep),
    mulExitLemma('mul 6.18 exit: the driver\'s exit test holds of A ⇒ step leaves acc unchanged and the test holds again', T.mulLoopDone, (bv, acc, A, Bt) => T.tnumMulStep(bv, { acc, a: A, b: Bt }).acc, (bv, acc, A, Bt) => T.tnumMulStep(bv, { acc, a: A, b: Bt }).a),
    {
      name: 'mulCgo22 base: 0 ∈ γ(accM₀)',
      claim: <V, B>(bv: Bits<V, B>): B => wfIn(bv, T.tnumConst(bv, bv.zero), bv.zero),
    },
    mulCgo22StepLemma("mulCgo22 step: p ∈ accM, x' ∈ A, q ∈ B ⇒ p + bit0(x')·q − bit0(A.v)·B.v ∈ accM'", T.tnumMulCgo22Step),
    mulExitLemma('mulCgo22 exit: the driver\'s exit test holds of A ⇒ step leaves accM unchanged and the test holds again', T.mulLoopDone, (bv, acc, A, Bt) => T.tnumMulCgo22Step(bv, { accM: acc, a: A, b: Bt }).accM, (bv, acc, A, Bt) => T.tnumMulCgo22Step(bv, { accM: acc, a: A, b: Bt }).a),
    {
      // The driver's last line: a.v·b.v + P ∈ γ(add(const(a.v·b.v), accM)) when P ∈ γ(accM).
      name: 'mulCgo22 final: P ∈ accM ⇒ a.v·b.v + P ∈ add(const(a.v·b.v), accM)',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const acc = i.tnum('accM'), p = i.val('p'), k = i.val('k');
        return bv.implies(wfIn(bv, acc, p), wfIn(bv, T.tnumAdd(bv, T.tnumConst(bv, k), acc), bv.add(k, p)));
      },
    },
  ];
}
