// check_mul_overflow in alu-arith.ts: the rings' primitives (exact product on bigints, Z3's
// bvumul_noovfl / bvsmul_noovfl / bvsmul_noudfl) and the division test used by rings without
// them all say the same thing: the true product does not fit the unsigned / signed type.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concreteBits, toSigned } from '../../src/bv/concrete.ts';
import { z3Bits, z3Check, z3Context } from '../../src/bv/z3.ts';
import { smulOvf, smulOvfByDiv, umulOvf, umulOvfByDiv } from '../../src/domains/alu-arith.ts';
import { arbBits } from './arb.ts';

const t = suite('domains/mul-overflow');
const ctx = await z3Context();

for (const W of [64, 32, 8]) {
  const C = concreteBits(W);
  const h = 1n << BigInt(W - 1), m = C.ones, q = 1n << BigInt(W / 2);
  const edges = [0n, 1n, 2n, m, m - 1n, h, h - 1n, h + 1n, q, q - 1n, q + 1n, h >> 1n, C.neg(h >> 1n), C.neg(q)];
  const exactU = (a: bigint, b: bigint) => a * b >= 1n << BigInt(W);
  const exactS = (a: bigint, b: bigint) => { const p = toSigned(a, W) * toSigned(b, W); return p < -h || p >= h; };
  const pairs = fc.oneof(fc.tuple(arbBits(W), arbBits(W)), fc.tuple(fc.constantFrom(...edges), fc.constantFrom(...edges)));

  t(`${W}-bit concrete: primitive = exact product = division test`, () => {
    fc.assert(fc.property(pairs, ([a, b]) => {
      assert.is(umulOvf(C, a, b), exactU(a, b));
      assert.is(umulOvfByDiv(C, a, b), exactU(a, b));
      assert.is(smulOvf(C, a, b), exactS(a, b));
      assert.is(smulOvfByDiv(C, a, b), exactS(a, b));
    }), { numRuns: 2000 });
    for (const a of edges) for (const b of edges) {
      assert.is(umulOvf(C, a, b), umulOvfByDiv(C, a, b), `u ${a} ${b}`);
      assert.is(smulOvf(C, a, b), smulOvfByDiv(C, a, b), `s ${a} ${b}`);
    }
  });

  t(`${W}-bit Z3 bit-vector primitives agree with the exact product`, async () => {
    const Z = z3Bits(ctx, W), A = ctx.BitVec.const('a', W), B = ctx.BitVec.const('b', W);
    const u = Z.umulOverflows!(A, B), s = Z.smulOverflows!(A, B);
    const sample = [...edges.flatMap((a) => edges.map((b) => [a, b] as const)), ...fc.sample(fc.tuple(arbBits(W), arbBits(W)), 100)];
    const checks = sample.flatMap(([a, b]) => {
      const sub = (e: typeof u) => ctx.substitute(e, [A, Z.c(a)], [B, Z.c(b)]);
      return [sub(u).eq(ctx.Bool.val(exactU(a, b))), sub(s).eq(ctx.Bool.val(exactS(a, b)))];
    });
    assert.ok(ctx.isTrue(await ctx.simplify(ctx.And(...checks))));
    // and the two forms are the same predicate for all inputs (UNSAT of their difference), at 8 bits
    if (W === 8) {
      const solver = new ctx.Solver('QF_BV');
      solver.add(ctx.Or(u.neq(umulOvfByDiv(Z, A, B)), s.neq(smulOvfByDiv(Z, A, B))));
      assert.is(await z3Check(solver), 'unsat');
      solver.release();
    }
  });
}

t.run();
