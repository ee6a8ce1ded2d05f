// The exact integer model (src/bv/z3int.ts) agrees with the concrete backend on every operation it
// supports: each operation is built over symbolic Int inputs, the inputs are replaced by random
// constants, Z3 simplifies the term to a numeral, and that must be what the concrete ring says.
// This is what ties the integer-model proofs of proofs/scalar-mul.ts to the code that runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Bits } from '../../src/bv/bits.ts';
import { concreteBits } from '../../src/bv/concrete.ts';
import { z3Context } from '../../src/bv/z3.ts';
import { z3IntBits, type Z3Int, type Z3IntBool } from '../../src/bv/z3int.ts';
import { arbBits } from '../domains/arb.ts';

const t = suite('bv/z3int');
const RUNS = 40;
const ctx = await z3Context();

type Out = 'v' | 'b';
/** An operation written once over any ring: two value inputs, an amount n, a value or boolean out. */
interface Case { name: string; out: Out; run<V, B>(r: Bits<V, B>, a: V, b: V, n: number): V | B }

const cases: Case[] = [
  { name: 'add', out: 'v', run: (r, a, b) => r.add(a, b) },
  { name: 'sub', out: 'v', run: (r, a, b) => r.sub(a, b) },
  { name: 'mul', out: 'v', run: (r, a, b) => r.mul(a, b) },
  { name: 'neg', out: 'v', run: (r, a) => r.neg(a) },
  { name: 'not', out: 'v', run: (r, a) => r.not(a) },
  { name: 'shlN', out: 'v', run: (r, a, _b, n) => r.shlN(a, n) },
  { name: 'lshrN', out: 'v', run: (r, a, _b, n) => r.lshrN(a, n) },
  { name: 'ashrN', out: 'v', run: (r, a, _b, n) => r.ashrN(a, n) },
  { name: 'ite', out: 'v', run: (r, a, b) => r.ite(r.slt(a, b), r.add(a, r.one), r.sub(b, r.c(-3))) },
  { name: 'eq', out: 'b', run: (r, a, b) => r.eq(a, b) },
  { name: 'ne', out: 'b', run: (r, a, b) => r.ne(a, b) },
  { name: 'ult', out: 'b', run: (r, a, b) => r.ult(a, b) },
  { name: 'ule', out: 'b', run: (r, a, b) => r.ule(a, b) },
  { name: 'ugt', out: 'b', run: (r, a, b) => r.ugt(a, b) },
  { name: 'uge', out: 'b', run: (r, a, b) => r.uge(a, b) },
  { name: 'slt', out: 'b', run: (r, a, b) => r.slt(a, b) },
  { name: 'sle', out: 'b', run: (r, a, b) => r.sle(a, b) },
  { name: 'sgt', out: 'b', run: (r, a, b) => r.sgt(a, b) },
  { name: 'sge', out: 'b', run: (r, a, b) => r.sge(a, b) },
  { name: 'umulOverflows', out: 'b', run: (r, a, b) => r.umulOverflows!(a, b) },
  { name: 'smulOverflows', out: 'b', run: (r, a, b) => r.smulOverflows!(a, b) },
  { name: 'bit', out: 'b', run: (r, a, _b, n) => r.bit(a, n % r.width) },
  { name: 'booleans', out: 'b', run: (r, a, b) => r.iteB(r.eq(a, b), r.T, r.implies(r.orB(r.ult(a, b), r.F), r.notB(r.andB(r.sgt(a, b), r.T)))) },
];

for (const W of [64, 32, 8]) {
  const C = concreteBits(W), Z = z3IntBits(ctx, W);
  const A = ctx.Int.const('a'), B = ctx.Int.const('b');
  const arbN = fc.integer({ min: 0, max: W + 2 });

  /** The Int term of `c` with a, b replaced by constants, simplified to a numeral. */
  async function evalInt(c: Case, a: bigint, b: bigint, n: number): Promise<bigint | boolean> {
    const term = c.run(Z, A, B, n) as Z3Int | Z3IntBool;
    const s = await ctx.simplify(ctx.substitute(term, [A, ctx.Int.val(a)], [B, ctx.Int.val(b)]));
    if (ctx.isIntVal(s)) return s.value();
    if (ctx.isTrue(s)) return true;
    if (ctx.isFalse(s)) return false;
    throw new Error(`${c.name}(${a}, ${b}, ${n}) did not simplify: ${s.toString()}`);
  }

  for (const c of cases) {
    t(`${W}-bit ${c.name}: symbolic and folded terms agree with the concrete ring`, async () => {
      await fc.assert(fc.asyncProperty(arbBits(W), arbBits(W), arbN, async (a, b, n) => {
        const want = c.run(C, a, b, n);
        assert.is(await evalInt(c, a, b, n), want, `symbolic ${c.name}(${a}, ${b}, ${n})`);
        // on numerals the model folds constants itself
        const k = c.run(Z, Z.c(a), Z.c(b), n) as Z3Int | Z3IntBool;
        const folded = c.out === 'v' ? Z.known(k as Z3Int) : Z.knownB(k as Z3IntBool);
        if (folded !== undefined) assert.is(folded, want, `folded ${c.name}(${a}, ${b}, ${n})`);
      }), { numRuns: RUNS });
    });
  }

  // every pair of edge values for the cases with a boundary (products of exactly ±2^(w−1), sign flips)
  const h = 1n << BigInt(W - 1), q = 1n << BigInt(W / 2), m = (1n << BigInt(W)) - 1n;
  const edges = [0n, 1n, 2n, 3n, m, m - 1n, h, h - 1n, h + 1n, q, q - 1n, q + 1n, h >> 1n, (h >> 1n) + 1n, C.neg(h >> 1n), C.neg(q)];
  const edgeCases = cases.filter((c) => ['add', 'sub', 'mul', 'neg', 'slt', 'sle', 'umulOverflows', 'smulOverflows'].includes(c.name));
  t(`${W}-bit edge-value pairs agree with the concrete ring`, async () => {
    for (const c of edgeCases) {
      // one simplification of the conjunction of all pairs; on failure, find the pair
      const checks = edges.flatMap((a) => edges.map((b) => {
        const want = c.run(C, a, b, 0), got = ctx.substitute(c.run(Z, A, B, 0) as Z3Int | Z3IntBool, [A, ctx.Int.val(a)], [B, ctx.Int.val(b)]);
        return typeof want === 'bigint' ? (got as Z3Int).eq(ctx.Int.val(want)) : (got as Z3IntBool).eq(ctx.Bool.val(want as boolean));
      }));
      if (ctx.isTrue(await ctx.simplify(ctx.And(...checks)))) continue;
      for (const a of edges) for (const b of edges) assert.is(await evalInt(c, a, b, 0), c.run(C, a, b, 0), `${c.name}(${a}, ${b})`);
      assert.unreachable(`${c.name}: the conjunction did not simplify to true, yet every pair agrees`);
    }
  });

  t(`${W}-bit constants, zero, one and ones are the concrete ones`, () => {
    for (const x of [0n, 1n, -1n, -5n, 1n << BigInt(W), (1n << BigInt(W - 1)) + 3n]) assert.is(Z.known(Z.c(x)), C.c(x));
    assert.is(Z.known(Z.zero), 0n);
    assert.is(Z.known(Z.one), 1n);
    assert.is(Z.known(Z.ones), C.ones);
  });
}

t('bitwise ops, division and shifts by a value are unsupported (they throw)', () => {
  const Z = z3IntBits(ctx, 64), a = ctx.Int.const('a');
  for (const op of ['and', 'or', 'xor', 'udiv', 'urem', 'shl', 'lshr', 'ashr'] as const) {
    assert.throws(() => Z[op](a, a), /unsupported in the integer model/, op);
  }
});

t.run();
