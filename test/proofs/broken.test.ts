// Proofs that can fail: deliberately broken tnum operators must get a counterexample from Z3,
// and that counterexample, turned into bigints, must make the same claim fail when evaluated
// with the concrete backend (so the failure is real, not an artefact of the encoding).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bits } from '../../src/bv/bits.ts';
import * as T from '../../src/domains/tnum.ts';
import type { Tnum } from '../../src/domains/tnum.ts';
import { formatCounterexample, formatResult, prove, type Property } from '../../proofs/runner.ts';
import { soundBinary, soundUnary } from '../../proofs/tnum.ts';
import { mulCgo22StepLemma, mulStepLemma } from '../../proofs/tnum-mul.ts';
import { carryWitnesses, optimalByWitness } from '../../proofs/tnum-optimal.ts';

const t = suite('proofs/broken');

/** tnum_add without the carry term chi: unknown = a.m | b.m only. */
function addNoCarry<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const mu = bv.or(a.mask, b.mask);
  return { value: bv.and(bv.add(a.value, b.value), bv.not(mu)), mask: mu };
}

/** tnum_sub forgetting that b's unknown bits can borrow: chi = (dv + a.m) ^ dv. */
function subNoBorrow<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const dv = bv.sub(a.value, b.value);
  const mu = bv.or(bv.xor(bv.add(dv, a.mask), dv), bv.or(a.mask, b.mask));
  return { value: bv.and(dv, bv.not(mu)), mask: mu };
}

/** tnum_and keeping the known-1 bits in the mask: not well-formed. */
function andNotWellFormed<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  return { value: bv.and(a.value, b.value), mask: bv.and(bv.or(a.value, a.mask), bv.or(b.value, b.mask)) };
}

/** tnum_union without the disagreeing bits (a.v ^ b.v). */
function unionNoXor<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const mu = bv.or(a.mask, b.mask);
  return { value: bv.and(bv.and(a.value, b.value), bv.not(mu)), mask: mu };
}

/** 6.18 mul step without the union: an unknown multiplier bit treated as a known 1. */
function mulStepNoUnion<V, B>(bv: Bits<V, B>, s: T.MulState<V>): T.MulState<V> {
  const sum = T.tnumAdd(bv, s.acc, s.b);
  const unknownOrOne = bv.orB(bv.bit(s.a.value, 0), bv.bit(s.a.mask, 0));
  return { acc: T.tnumIte(bv, unknownOrOne, sum, s.acc), a: T.tnumRshift(bv, s.a, 1), b: T.tnumLshift(bv, s.b, 1) };
}

/** CGO'22 step adding only b's mask for an unknown multiplier bit (forgets b's known 1s). */
function cgoStepMaskOnly<V, B>(bv: Bits<V, B>, s: T.MulCgo22State<V>): T.MulCgo22State<V> {
  const set = bv.orB(bv.bit(s.a.value, 0), bv.bit(s.a.mask, 0));
  const added = T.tnumAdd(bv, s.accM, { value: bv.zero, mask: s.b.mask });
  return { accM: T.tnumIte(bv, set, added, s.accM), a: T.tnumRshift(bv, s.a, 1), b: T.tnumLshift(bv, s.b, 1) };
}

/** The whole 6.18 mul built on the broken step. */
function mulNoUnion<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  return T.runMulLoop(bv, { acc: T.tnumConst(bv, bv.zero), a, b }, mulStepNoUnion).acc;
}

/** arshift in 32-bit mode done as a 64-bit shift then truncation (loses the s32 sign). */
function arshift32Wrong<V, B>(bv: Bits<V, B>, a: Tnum<V>): Tnum<V> {
  return T.tnumCast(bv, T.tnumArshift(bv, a, 3, 64), 4);
}

/** tnum_range with delta one bit too short. */
const rangeShort: Property = {
  name: 'range with delta = smear >> 1',
  claim<V, B>(bv: Bits<V, B>, i: { val(n: string): V }): B {
    const lo = i.val('min'), hi = i.val('max'), x = i.val('x');
    const delta = bv.lshrN(T.smearRight(bv, bv.xor(lo, hi)), 1);
    const r = { value: bv.and(lo, bv.not(delta)), mask: delta };
    return bv.implies(bv.andB(bv.ule(lo, x), bv.ule(x, hi)), T.tnumContains(bv, r, x));
  },
};

/** A sound but imprecise add: bit 0 always unknown. */
function addLoose<V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>): Tnum<V> {
  const r = T.tnumAdd(bv, a, b);
  return { value: bv.and(r.value, bv.not(bv.one)), mask: bv.or(r.mask, bv.one) };
}

const low32 = <V, B>(bv: Bits<V, B>): V => bv.c(0xffff_ffffn);

const cases: [Property, number][] = [
  [soundBinary('add without the carry term', addNoCarry, (bv, x, y) => bv.add(x, y)), 64],
  [soundBinary('sub without the borrow from b.mask', subNoBorrow, (bv, x, y) => bv.sub(x, y)), 64],
  [soundBinary('and with a non-well-formed result', andNotWellFormed, (bv, x, y) => bv.and(x, y)), 64],
  [{ name: 'union without a.v ^ b.v', claim: (bv, i) => {
    const a = i.tnum('a'), b = i.tnum('b'), x = i.val('x');
    return bv.implies(bv.andB(T.tnumWellFormed(bv, a), T.tnumWellFormed(bv, b), T.tnumContains(bv, a, x)), T.tnumContains(bv, unionNoXor(bv, a, b), x));
  } }, 64],
  [mulStepLemma('mul 6.18 step without the union', mulStepNoUnion), 64],
  [mulCgo22StepLemma('mulCgo22 step adding only b.mask for unknown bits', cgoStepMaskOnly), 64],
  [soundBinary('mul 6.18 without the union (unrolled)', mulNoUnion, (bv, x, y) => bv.mul(x, y)), 8],
  [soundUnary('arshift32 as a 64-bit shift', arshift32Wrong, (bv, x) => {
    const lo = bv.and(x, low32(bv));
    const sext = bv.ite(bv.bit(x, 31), bv.or(lo, bv.not(low32(bv))), lo);
    return bv.and(bv.ashrN(sext, 3), low32(bv));
  }), 64],
  [rangeShort, 64],
  [optimalByWitness('add with bit 0 always unknown', addLoose, (bv, x, y) => bv.add(x, y), carryWitnesses), 64],
];

for (const [p, width] of cases) {
  t(`finds a real counterexample: ${p.name} (${width} bits)`, async () => {
    const r = await prove(p, width);
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.ok(r.counterexample);
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
    console.log(`    ${formatResult(r)}`);
  });
}

t.run();
