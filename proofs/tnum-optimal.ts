// Optimality (maximal precision) of tnum add/sub: the abstract result is the smallest tnum that
// holds every concrete result, i.e. every bit it leaves unknown really takes both values.
//
// Not optimal ⇔ ∃ well-formed a, b, ∃ bit k unknown in op#(a, b), ∃ c ∈ {0, 1}:
//   ∀ x ∈ γ(a), y ∈ γ(b): bit k of op(x, y) = c.
// UNSAT of that (with soundness, proved separately) = optimal. Two ways to ask Z3:
// - proveOptimal: the query as written, with the inner ∀ as a Z3 quantifier. Z3's quantified
//   bit-vector reasoning only manages tiny widths (4 bits; at 8 it gives up or times out).
// - optimalByWitness: the ∃ x, y of the positive statement is given explicit witness terms
//   (member pairs built from a, b and k); Z3 checks that they are members and that bit k takes
//   both values among them. Quantifier-free, so it runs at 64 bits. The witnesses are part of
//   the proof, not of the code: a wrong witness makes the proof fail, never pass wrongly.
// Run: npx tsx proofs/tnum-optimal.ts [widths] [rlimit]
import type { Bits } from '../src/bv/bits.ts';
import { z3Bits, type Z3Ctx } from '../src/bv/z3.ts';
import { withFreshZ3, type FreshZ3 } from '../src/bv/z3-instance.ts';
import { checkWithin, limitFor, undecided } from './budget.ts';
import * as T from '../src/domains/tnum.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import type { BinOp, Concrete2 } from './tnum.ts';
import type { Inputs, Property, ProofResult, ProveOptions } from './runner.ts';

/** Candidate member pairs (x, y) for an unknown bit k (2^k given as `kb`). */
export type Witnesses = <V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>, kb: V) => [V, V][];

/** The four pairs used for add and sub: all unknowns 0, the two mixed extremes, all unknowns 1,
 * and bit k flipped in x or in y (flipping bit k of one operand flips bit k of x ± y). */
export const carryWitnesses: Witnesses = (bv, a, b, kb) => {
  const aHi = bv.or(a.value, a.mask), bHi = bv.or(b.value, b.mask);
  return [
    [a.value, b.value], [aHi, bHi], [aHi, b.value], [a.value, bHi],
    [bv.or(a.value, kb), b.value], [a.value, bv.or(b.value, kb)],
  ];
};

export function optimalByWitness(name: string, op: BinOp, conc: Concrete2, witnesses: Witnesses): Property {
  return {
    name: `${name} is optimal (witnesses)`,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const a = i.tnum('a'), b = i.tnum('b'), k = i.val('k');
      const kb = bv.shl(bv.one, k);
      const unknownAtK = bv.ne(bv.and(op(bv, a, b).mask, kb), bv.zero);
      const pairs = witnesses(bv, a, b, kb);
      const valid = pairs.map(([x, y]) => bv.andB(T.tnumContains(bv, a, x), T.tnumContains(bv, b, y)));
      const bitOf = pairs.map(([x, y]) => bv.ne(bv.and(conc(bv, x, y), kb), bv.zero));
      const some0 = bv.orB(...pairs.map((_, j) => bv.andB(valid[j], bv.notB(bitOf[j]))));
      const some1 = bv.orB(...pairs.map((_, j) => bv.andB(valid[j], bitOf[j])));
      const hyp = bv.andB(T.tnumWellFormed(bv, a), T.tnumWellFormed(bv, b), bv.ult(k, bv.c(bv.width)), unknownAtK);
      return bv.implies(hyp, bv.andB(some0, some1));
    },
  };
}

export function proveOptimal(name: string, op: BinOp, conc: Concrete2, width: number, o: ProveOptions = {}): Promise<ProofResult> {
  return withFreshZ3((ctx, z3) => proveOptimalIn(ctx, z3, name, op, conc, width, o));
}

async function proveOptimalIn(ctx: Z3Ctx, z3: FreshZ3, name: string, op: BinOp, conc: Concrete2, width: number, o: ProveOptions): Promise<ProofResult> {
  const bv = z3Bits(ctx, width);
  const v = (n: string) => ctx.BitVec.const(`opt${width}_${n}`, width);
  const a = { value: v('a.value'), mask: v('a.mask') }, b = { value: v('b.value'), mask: v('b.mask') };
  const k = v('k'), c = v('c');
  const x = ctx.BitVec.const('x', width), y = ctx.BitVec.const('y', width);
  const r = op(bv, a, b);
  const bitK = (z: typeof x) => bv.and(bv.lshr(z, k), bv.one);
  const members = bv.andB(T.tnumContains(bv, a, x), T.tnumContains(bv, b, y));
  const query = bv.andB(
    T.tnumWellFormed(bv, a), T.tnumWellFormed(bv, b), bv.ult(k, bv.c(width)), bv.ule(c, bv.one),
    bv.eq(bitK(r.mask), bv.one),
    ctx.ForAll([x, y], bv.implies(members, bv.eq(bitK(conc(bv, x, y)), c))),
  );
  const solver = new ctx.Solver();
  solver.add(query);
  const t0 = performance.now();
  const { sat: res, used, limit } = await checkWithin(solver, o.rlimit ?? limitFor(`${name} is optimal`, width), z3.checkHere);
  const ms = Math.round(performance.now() - t0);
  const base = { name: `${name} is optimal`, width, ms, rlimit: used, limit };
  try {
    if (res === 'unsat') return { ...base, result: 'proved' };
    if (res === 'unknown') return { ...base, ...undecided(solver.reasonUnknown(), used, limit) };
    const m = solver.model();
    const counterexample: Record<string, bigint> = {};
    for (const [n, e] of [['a.value', a.value], ['a.mask', a.mask], ['b.value', b.value], ['b.mask', b.mask], ['k', k], ['c', c]] as const)
      counterexample[n] = m.eval(e, true).value();
    return { ...base, result: 'counterexample', counterexample };
  } finally {
    solver.release();
  }
}

async function main(): Promise<void> {
  const { formatResult, prove } = await import('./runner.ts');
  for (const [name, op, conc] of [
    ['add', T.tnumAdd, (bv, x, y) => bv.add(x, y)],
    ['sub', T.tnumSub, (bv, x, y) => bv.sub(x, y)],
  ] as [string, BinOp, Concrete2][]) console.log(formatResult(await prove(optimalByWitness(name, op, conc, carryWitnesses), 64)));
  const widths = (process.argv[2] ?? '4,8,12,16,20,24,32').split(',').map(Number);
  const rlimit = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  for (const [name, op, conc] of [
    ['add', T.tnumAdd, (bv, x, y) => bv.add(x, y)],
    ['sub', T.tnumSub, (bv, x, y) => bv.sub(x, y)],
  ] as [string, BinOp, Concrete2][]) {
    for (const w of widths) {
      const r = await proveOptimal(name, op, conc, w, { rlimit });
      console.log(formatResult(r));
      if (r.result !== 'proved') break;
    }
  }
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
