// Soundness of every tnum operator, as properties over Bits<V, B> that call the operators of
// src/domains/tnum.ts. Proved at 64 bits with Z3 (run: npx tsx proofs/tnum.ts [filter]).
//
// Soundness: ∀ well-formed inputs, ∀ members x ∈ γ(a), y ∈ γ(b): op(x, y) ∈ γ(op#(a, b)) and
// op#(a, b) is well-formed. The concrete operation (the right-hand side) is written here
// independently of the abstract one.
import type { Bits } from '../src/bv/bits.ts';
import * as T from '../src/domains/tnum.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import type { Inputs, Property } from './runner.ts';

export type BinOp = <V, B>(bv: Bits<V, B>, a: Tnum<V>, b: Tnum<V>) => Tnum<V>;
export type UnOp = <V, B>(bv: Bits<V, B>, a: Tnum<V>) => Tnum<V>;
export type Concrete2 = <V, B>(bv: Bits<V, B>, x: V, y: V) => V;
export type Concrete1 = <V, B>(bv: Bits<V, B>, x: V) => V;

/** Hypothesis: every tnum is well-formed and every member belongs to its tnum. */
function given<V, B>(bv: Bits<V, B>, pairs: [Tnum<V>, V][]): B {
  return bv.andB(...pairs.flatMap(([t, x]) => [T.tnumWellFormed(bv, t), T.tnumContains(bv, t, x)]));
}

/** Conclusion: r is well-formed and holds z. */
function holds<V, B>(bv: Bits<V, B>, r: Tnum<V>, z: V): B {
  return bv.andB(T.tnumWellFormed(bv, r), T.tnumContains(bv, r, z));
}

export function soundBinary(name: string, op: BinOp, conc: Concrete2): Property {
  return {
    name,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const a = i.tnum('a'), b = i.tnum('b'), x = i.val('x'), y = i.val('y');
      return bv.implies(given(bv, [[a, x], [b, y]]), holds(bv, op(bv, a, b), conc(bv, x, y)));
    },
  };
}

export function soundUnary(name: string, op: UnOp, conc: Concrete1): Property {
  return {
    name,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const a = i.tnum('a'), x = i.val('x');
      return bv.implies(given(bv, [[a, x]]), holds(bv, op(bv, a), conc(bv, x)));
    },
  };
}

/** One claim for every amount in `amounts` (a conjunction, so one query). */
function soundShift(name: string, amounts: number[], op: <V, B>(bv: Bits<V, B>, a: Tnum<V>, s: number) => Tnum<V>,
  conc: <V, B>(bv: Bits<V, B>, x: V, s: number) => V): Property {
  return {
    name,
    claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
      const a = i.tnum('a'), x = i.val('x');
      return bv.implies(given(bv, [[a, x]]), bv.andB(...amounts.map((s) => holds(bv, op(bv, a, s), conc(bv, x, s)))));
    },
  };
}

const upTo = (n: number): number[] => Array.from({ length: n }, (_, k) => k);
const lowBits = <V, B>(bv: Bits<V, B>, n: number): V => (n >= bv.width ? bv.ones : bv.c((1n << BigInt(n)) - 1n));

/** Reference byte swap: byte k moves to byte n-1-k, by multiplication (independent of tnum.ts). */
function byteSwap<V, B>(bv: Bits<V, B>, x: V, bytes: number): V {
  let out = bv.zero;
  for (let k = 0; k < bytes; k++) {
    const byte = bv.urem(bv.udiv(x, bv.c(1n << BigInt(8 * k))), bv.c(256));
    out = bv.add(out, bv.mul(byte, bv.c(1n << BigInt(8 * (bytes - 1 - k)))));
  }
  return out;
}

/** (u32)((s32)x >> s) by sign-extending the low 32 bits with an if. */
function arsh32<V, B>(bv: Bits<V, B>, x: V, s: number): V {
  const lo = bv.and(x, lowBits(bv, 32));
  const sext = bv.ite(bv.bit(x, 31), bv.or(lo, bv.not(lowBits(bv, 32))), lo);
  return bv.and(bv.ashrN(sext, s), lowBits(bv, 32));
}

/** Soundness properties of the value-producing operators, valid at any width ≥ 8. */
export function arithmeticProperties(width: number): Property[] {
  const props: Property[] = [
    soundBinary('add', T.tnumAdd, (bv, x, y) => bv.add(x, y)),
    soundBinary('sub', T.tnumSub, (bv, x, y) => bv.sub(x, y)),
    soundUnary('neg', T.tnumNeg, (bv, x) => bv.neg(x)),
    soundBinary('and', T.tnumAnd, (bv, x, y) => bv.and(x, y)),
    soundBinary('or', T.tnumOr, (bv, x, y) => bv.or(x, y)),
    soundBinary('xor', T.tnumXor, (bv, x, y) => bv.xor(x, y)),
    soundShift('lshift (all amounts)', upTo(width), T.tnumLshift, (bv, x, s) => bv.shl(x, bv.c(s))),
    soundShift('rshift (all amounts)', upTo(width), T.tnumRshift, (bv, x, s) => bv.lshr(x, bv.c(s))),
    soundShift('arshift (all amounts)', upTo(width), (bv, a, s) => T.tnumArshift(bv, a, s), (bv, x, s) => bv.ashr(x, bv.c(s))),
    soundShift('cast (sizes 1, 2, 4, 8)', [1, 2, 4, 8], T.tnumCast, (bv, x, n) => bv.and(x, lowBits(bv, 8 * n))),
  ];
  if (width === 64) {
    props.push(
      soundShift('arshift32 (all amounts)', upTo(32), (bv, a, s) => T.tnumArshift(bv, a, s, 32), arsh32),
      soundUnary('subreg', T.tnumSubreg, (bv, x) => bv.and(x, lowBits(bv, 32))),
      soundUnary('clear_subreg', T.tnumClearSubreg, (bv, x) => bv.and(x, bv.not(lowBits(bv, 32)))),
      soundBinary('with_subreg', T.tnumWithSubreg, (bv, x, y) => bv.or(bv.and(x, bv.not(lowBits(bv, 32))), bv.and(y, lowBits(bv, 32)))),
      {
        name: 'const_subreg',
        claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
          const a = i.tnum('a'), x = i.val('x'), k = i.val('k');
          const z = bv.or(bv.and(x, bv.not(lowBits(bv, 32))), bv.and(k, lowBits(bv, 32)));
          return bv.implies(given(bv, [[a, x]]), holds(bv, T.tnumConstSubreg(bv, a, k), z));
        },
      },
      soundUnary('bswap16', T.tnumBswap16, (bv, x) => byteSwap(bv, x, 2)),
      soundUnary('bswap32', T.tnumBswap32, (bv, x) => byteSwap(bv, x, 4)),
      soundUnary('bswap64', T.tnumBswap64, (bv, x) => byteSwap(bv, x, 8)),
    );
  }
  return props;
}

/** Soundness of constructors, lattice operations and predicates. */
export function latticeProperties(): Property[] {
  return [
    {
      name: 'const',
      claim: <V, B>(bv: Bits<V, B>, i: Inputs<V>): B => holds(bv, T.tnumConst(bv, i.val('k')), i.val('k')),
    },
    {
      name: 'range: min ≤ x ≤ max ⇒ x ∈ range(min, max)',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const lo = i.val('min'), hi = i.val('max'), x = i.val('x');
        return bv.implies(bv.andB(bv.ule(lo, x), bv.ule(x, hi)), holds(bv, T.tnumRange(bv, lo, hi), x));
      },
    },
    {
      name: 'intersect: x ∈ a ∧ x ∈ b ⇒ x ∈ intersect(a, b)',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const a = i.tnum('a'), b = i.tnum('b'), x = i.val('x');
        return bv.implies(given(bv, [[a, x], [b, x]]), holds(bv, T.tnumIntersect(bv, a, b), x));
      },
    },
    {
      name: 'union: x ∈ a ∨ x ∈ b ⇒ x ∈ union(a, b)',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const a = i.tnum('a'), b = i.tnum('b'), x = i.val('x');
        const hyp = bv.andB(T.tnumWellFormed(bv, a), T.tnumWellFormed(bv, b), bv.orB(T.tnumContains(bv, a, x), T.tnumContains(bv, b, x)));
        return bv.implies(hyp, holds(bv, T.tnumUnion(bv, a, b), x));
      },
    },
    {
      name: 'in: in(a, b) ∧ y ∈ b ⇒ y ∈ a',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const a = i.tnum('a'), b = i.tnum('b'), y = i.val('y');
        return bv.implies(bv.andB(T.tnumWellFormed(bv, a), given(bv, [[b, y]]), T.tnumIn(bv, a, b)), T.tnumContains(bv, a, y));
      },
    },
    {
      name: 'overlap: x ∈ a ∧ x ∈ b ⇒ overlap(a, b); overlap ⇒ intersect(a, b).value ∈ a ∩ b',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const a = i.tnum('a'), b = i.tnum('b'), x = i.val('x');
        const w = T.tnumIntersect(bv, a, b).value;
        const wf = bv.andB(T.tnumWellFormed(bv, a), T.tnumWellFormed(bv, b));
        return bv.andB(
          bv.implies(given(bv, [[a, x], [b, x]]), T.tnumOverlap(bv, a, b)),
          bv.implies(bv.andB(wf, T.tnumOverlap(bv, a, b)), bv.andB(T.tnumContains(bv, a, w), T.tnumContains(bv, b, w))),
        );
      },
    },
    {
      name: 'is_aligned (sizes 0, 1, 2, 4, 8, 16): x ∈ a ⇒ size | x',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const a = i.tnum('a'), x = i.val('x');
        const sizes = [1, 2, 4, 8, 16];
        const ok = sizes.map((s) => bv.implies(T.tnumIsAligned(bv, a, s), bv.eq(bv.urem(x, bv.c(s)), bv.zero)));
        return bv.implies(given(bv, [[a, x]]), bv.andB(T.tnumIsAligned(bv, a, 0), ...ok));
      },
    },
    {
      name: 'is_const / equals_const / is_unknown',
      claim<V, B>(bv: Bits<V, B>, i: Inputs<V>): B {
        const a = i.tnum('a'), x = i.val('x'), y = i.val('y'), k = i.val('k'), z = i.val('z');
        return bv.implies(given(bv, [[a, x], [a, y]]), bv.andB(
          bv.implies(T.tnumIsConst(bv, a), bv.eq(x, y)),
          bv.implies(T.tnumEqualsConst(bv, a, k), bv.eq(x, k)),
          bv.implies(T.tnumIsUnknown(bv, a), T.tnumContains(bv, a, z)),
        ));
      },
    },
  ];
}

/** Fully unrolled multiplication soundness (practical only at small widths). */
export function mulProperties(): Property[] {
  return [
    soundBinary('mul (6.18, unrolled)', T.tnumMul, (bv, x, y) => bv.mul(x, y)),
    soundBinary('mulCgo22 (unrolled)', T.tnumMulCgo22, (bv, x, y) => bv.mul(x, y)),
    soundBinary('mulLegacy (pre-5.13, unrolled)', T.tnumMulLegacy, (bv, x, y) => bv.mul(x, y)),
  ];
}

async function main(): Promise<void> {
  const { prove, formatResult } = await import('./runner.ts');
  const { mulStepLemmas } = await import('./tnum-mul.ts');
  const filter = process.argv[2] ?? '';
  const jobs: [Property, number][] = [
    ...arithmeticProperties(64).map((p): [Property, number] => [p, 64]),
    ...latticeProperties().map((p): [Property, number] => [p, 64]),
    ...mulStepLemmas().map((p): [Property, number] => [p, 64]),
    ...mulProperties().map((p): [Property, number] => [p, 8]),
  ];
  let bad = 0;
  for (const [p, w] of jobs) {
    if (!p.name.includes(filter)) continue;
    const r = await prove(p, w);
    if (r.result !== 'proved') bad++;
    console.log(formatResult(r));
  }
  process.exit(bad ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
