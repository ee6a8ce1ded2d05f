// The tnum_mul loop driver at 64 bits: its exit test (proved with Z3 over the driver's own
// predicate, a broken one refuted), its iteration count, and agreement of the concrete early
// exit with the full W-step loop.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Bits } from '../../src/bv/bits.ts';
import { concreteBits } from '../../src/bv/concrete.ts';
import * as T from '../../src/domains/tnum.ts';
import type { Tnum } from '../../src/domains/tnum.ts';
import { formatResult, prove } from '../../proofs/runner.ts';
import { mulExitLemma } from '../../proofs/tnum-mul.ts';

const t = suite('proofs/tnum-mul-driver');
const step618 = <V, B>(bv: Bits<V, B>, acc: Tnum<V>, A: Tnum<V>, Bt: Tnum<V>) => T.tnumMulStep(bv, { acc, a: A, b: Bt });

t('the exit test of the driver (T.mulLoopDone) is proved to end the loop (Z3, 64-bit)', async () => {
  const p = mulExitLemma('exit (real test)', T.mulLoopDone, (bv, acc, A, Bt) => step618(bv, acc, A, Bt).acc, (bv, acc, A, Bt) => step618(bv, acc, A, Bt).a);
  const r = await prove(p, 64);
  assert.is(r.result, 'proved', formatResult(r));
});

t("an exit on a.value == 0 alone (the kernel's pre-6.18 `while (a.value)`) is refuted, and the counterexample replays", async () => {
  const valueOnly = <V, B>(bv: Bits<V, B>, a: Tnum<V>): B => bv.eq(a.value, bv.zero);
  const p = mulExitLemma('exit (value only)', valueOnly, (bv, acc, A, Bt) => step618(bv, acc, A, Bt).acc, (bv, acc, A, Bt) => step618(bv, acc, A, Bt).a);
  const r = await prove(p, 64);
  assert.is(r.result, 'counterexample', formatResult(r));
  assert.is(r.replayed, false, 'the counterexample must fail concretely');
});

/** How many steps the driver runs from a multiplier `a` at `width` bits. */
function steps(width: number, a: Tnum<bigint>): number {
  const bv = concreteBits(width);
  let n = 0;
  T.runMulLoop(bv, { acc: T.tnumConst(bv, 0n), a, b: T.tnumConst(bv, 1n) }, (b2, s) => { n++; return T.tnumMulStep(b2, s); });
  return n;
}

t('iteration count: exactly W steps when the top bit is unknown, fewer when a ends sooner, 0 for a = 0', () => {
  for (const w of [8, 32, 64]) {
    const top = 1n << BigInt(w - 1);
    assert.is(steps(w, { value: 0n, mask: top }), w, `unknown top bit at ${w} bits`);
    assert.is(steps(w, { value: top, mask: 0n }), w, `known top bit at ${w} bits`);
    assert.is(steps(w, { value: 0n, mask: 1n }), 1, `only bit 0 unknown at ${w} bits`);
    assert.is(steps(w, { value: 0n, mask: 0n }), 0, `a = 0 at ${w} bits`);
  }
});

/** The loop without the early exit: the step run W times, as the induction in TNUM_MUL.md counts. */
function fullLoop(a: Tnum<bigint>, b: Tnum<bigint>): Tnum<bigint> {
  const bv = concreteBits(64);
  let s: T.MulState<bigint> = { acc: T.tnumConst(bv, 0n), a, b };
  for (let i = 0; i < 64; i++) s = T.tnumMulStep(bv, s);
  return s.acc;
}

const tnum64 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
  .map(([v, m]): Tnum<bigint> => ({ value: v & ~m, mask: m }));
// multipliers that end early: few low bits
const short64 = fc.tuple(fc.bigInt({ min: 0n, max: 0xffffn }), fc.bigInt({ min: 0n, max: 0xffn }))
  .map(([v, m]): Tnum<bigint> => ({ value: v & ~m, mask: m }));

t('the concrete early exit agrees with the full 64-step loop (6.18 tnum_mul)', () => {
  const bv = concreteBits(64);
  fc.assert(fc.property(fc.oneof(tnum64, short64), tnum64, (a, b) => {
    const got = T.tnumMul(bv, a, b), want = fullLoop(a, b);
    return got.value === want.value && got.mask === want.mask;
  }), { numRuns: 2000 });
});

t.run();
