import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concreteBits } from '../../src/bv/concrete.ts';
import * as T from '../../src/domains/tnum.ts';
import type { Tnum } from '../../src/domains/tnum.ts';
import { formatTnum, formatTnumBits, formatTnumPair, parseTnum, TnumParseError } from '../../src/domains/tnum-notation.ts';
import { arbBits, arbTnum, arbTnumMember, member, members } from './arb.ts';

const t = suite('domains/tnum');
const RUNS = 400;

const inT = (a: Tnum<bigint>, x: bigint): boolean => (x & ~a.mask) === a.value;
const wf = (a: Tnum<bigint>): boolean => (a.value & a.mask) === 0n;
const K = (value: bigint, mask = 0n): Tnum<bigint> => ({ value, mask });

function swab(x: bigint, bytes: number): bigint {
  let out = 0n;
  for (let k = 0; k < bytes; k++) out |= ((x >> BigInt(8 * k)) & 0xffn) << BigInt(8 * (bytes - 1 - k));
  return out;
}

type Bin = (bv: ReturnType<typeof concreteBits>, a: Tnum<bigint>, b: Tnum<bigint>) => Tnum<bigint>;
type Un = (bv: ReturnType<typeof concreteBits>, a: Tnum<bigint>) => Tnum<bigint>;

for (const W of [64, 8]) {
  const bv = concreteBits(W);
  const M = (1n << BigInt(W)) - 1n;
  const wrap = (x: bigint) => x & M;

  const binary: [string, Bin, (x: bigint, y: bigint) => bigint][] = [
    ['add', T.tnumAdd, (x, y) => wrap(x + y)],
    ['sub', T.tnumSub, (x, y) => wrap(x - y)],
    ['and', T.tnumAnd, (x, y) => x & y],
    ['or', T.tnumOr, (x, y) => x | y],
    ['xor', T.tnumXor, (x, y) => x ^ y],
    ['mul', T.tnumMul, (x, y) => wrap(x * y)],
    ['mulCgo22', T.tnumMulCgo22, (x, y) => wrap(x * y)],
    ['mulLegacy', T.tnumMulLegacy, (x, y) => wrap(x * y)],
  ];
  for (const [name, op, conc] of binary) {
    t(`${name} is sound and well-formed at ${W} bits`, () => {
      fc.assert(fc.property(arbTnumMember(W), arbTnumMember(W), ({ t: a, x }, { t: b, x: y }) => {
        const r = op(bv, a, b);
        return wf(r) && inT(r, conc(x, y));
      }), { numRuns: RUNS });
    });
  }

  const unary: [string, Un, (x: bigint) => bigint][] = [
    ['neg', T.tnumNeg, (x) => wrap(-x)],
    ...[0, 1, 3, W - 1].flatMap((s): [string, Un, (x: bigint) => bigint][] => [
      [`lshift ${s}`, (bv, a) => T.tnumLshift(bv, a, s), (x) => wrap(x << BigInt(s))],
      [`rshift ${s}`, (bv, a) => T.tnumRshift(bv, a, s), (x) => x >> BigInt(s)],
      [`arshift ${s}`, (bv, a) => T.tnumArshift(bv, a, s), (x) => BigInt.asUintN(W, BigInt.asIntN(W, x) >> BigInt(s))],
    ]),
    ...[1, 2, 4, 8].filter((n) => n * 8 <= W).map((n): [string, Un, (x: bigint) => bigint] =>
      [`cast ${n}`, (bv, a) => T.tnumCast(bv, a, n), (x) => x & ((1n << BigInt(8 * n)) - 1n)]),
  ];
  if (W === 64) {
    const lo = 0xffff_ffffn;
    unary.push(
      ...[0, 5, 31].map((s): [string, Un, (x: bigint) => bigint] =>
        [`arshift32 ${s}`, (bv, a) => T.tnumArshift(bv, a, s, 32), (x) => BigInt.asUintN(32, BigInt.asIntN(32, x) >> BigInt(s))]),
      ['subreg', T.tnumSubreg, (x) => x & lo],
      ['clear_subreg', T.tnumClearSubreg, (x) => x & ~lo & M],
      ['bswap16', T.tnumBswap16, (x) => swab(x & 0xffffn, 2)],
      ['bswap32', T.tnumBswap32, (x) => swab(x & lo, 4)],
      ['bswap64', T.tnumBswap64, (x) => swab(x, 8)],
    );
    t('with_subreg / const_subreg are sound', () => {
      fc.assert(fc.property(arbTnumMember(64), arbTnumMember(64), ({ t: a, x }, { t: b, x: y }) => {
        const r = T.tnumWithSubreg(bv, a, b);
        const c = T.tnumConstSubreg(bv, a, y);
        return wf(r) && inT(r, (x & ~lo) | (y & lo)) && wf(c) && inT(c, (x & ~lo) | (y & lo)) && (c.mask & lo) === 0n;
      }), { numRuns: RUNS });
    });
  }
  for (const [name, op, conc] of unary) {
    t(`${name} is sound and well-formed at ${W} bits`, () => {
      fc.assert(fc.property(arbTnumMember(W), ({ t: a, x }) => {
        const r = op(bv, a);
        return wf(r) && inT(r, conc(x));
      }), { numRuns: RUNS });
    });
  }

  t(`intersect / union / overlap / in at ${W} bits`, () => {
    fc.assert(fc.property(arbTnumMember(W), arbTnum(W), arbBits(W), ({ t: a, x }, b0, fill) => {
      // b shares the member x: keep b's mask, set its known bits from x.
      const b = K(x & ~b0.mask, b0.mask);
      const i = T.tnumIntersect(bv, a, b);
      const u = T.tnumUnion(bv, a, b0);
      const y = member(b0, fill);
      return wf(i) && inT(i, x) && T.tnumOverlap(bv, a, b) &&
        wf(u) && inT(u, x) && inT(u, y) && T.tnumIn(bv, u, a) && T.tnumIn(bv, u, b0) &&
        (!T.tnumIn(bv, a, b0) || inT(a, y));
    }), { numRuns: RUNS });
  });

  t(`range contains [min, max] at ${W} bits`, () => {
    fc.assert(fc.property(arbBits(W), arbBits(W), arbBits(W), (p, q, z) => {
      const [lo, hi] = p <= q ? [p, q] : [q, p];
      const x = lo + (z % (hi - lo + 1n));
      const r = T.tnumRange(bv, lo, hi);
      return wf(r) && inT(r, lo) && inT(r, hi) && inT(r, x);
    }), { numRuns: RUNS });
  });

  t(`predicates at ${W} bits`, () => {
    fc.assert(fc.property(arbTnumMember(W), fc.integer({ min: 0, max: W - 1 }), ({ t: a, x }, k) => {
      const size = 1n << BigInt(k);
      const okAligned = !T.tnumIsAligned(bv, a, size) || x % size === 0n;
      const okConst = T.tnumIsConst(bv, a) === (a.mask === 0n) && (!T.tnumIsConst(bv, a) || T.tnumEqualsConst(bv, a, x));
      const okUnknown = T.tnumIsUnknown(bv, a) === (a.mask === M);
      return okAligned && okConst && okUnknown && T.tnumContains(bv, a, x) && T.tnumWellFormed(bv, a);
    }), { numRuns: RUNS });
  });
}

t('tnum_in and tnum_overlap are exact at 8 bits (small masks, exhaustive members)', () => {
  const bv = concreteBits(8);
  fc.assert(fc.property(arbTnum(8), arbTnum(8), (a, b) => {
    const inA = [...members(b)].every((y) => inT(a, y));
    const common = [...members(a)].some((y) => inT(b, y));
    return T.tnumIn(bv, a, b) === inA && T.tnumOverlap(bv, a, b) === common;
  }), { numRuns: 300 });
});

t('add, sub and union are optimal at 8 bits (checked by enumeration)', () => {
  const bv = concreteBits(8);
  const best = (xs: bigint[]): Tnum<bigint> => {
    let and = 0xffn, or = 0n;
    for (const x of xs) { and &= x; or |= x; }
    return K(and, or ^ and);
  };
  fc.assert(fc.property(arbTnum(8), arbTnum(8), (a, b) => {
    const ps: bigint[] = [], ds: bigint[] = [], us: bigint[] = [...members(a), ...members(b)];
    for (const x of members(a)) for (const y of members(b)) { ps.push((x + y) & 0xffn); ds.push((x - y) & 0xffn); }
    assert.equal(T.tnumAdd(bv, a, b), best(ps));
    assert.equal(T.tnumSub(bv, a, b), best(ds));
    assert.equal(T.tnumUnion(bv, a, b), best(us));
  }), { numRuns: 200 });
});

t('known answers from the kernel sources', () => {
  const bv = concreteBits(64);
  // tnum.h: tnum_range(0, 2) is {0, 1, 2, 3}, so tnum_in(tnum_range(0, 2), tnum_const(3)) is true.
  assert.equal(T.tnumRange(bv, 0n, 2n), K(0n, 3n));
  assert.ok(T.tnumIn(bv, T.tnumRange(bv, 0n, 2n), K(3n)));
  // tnum.c: chi = 4 → delta = 7; chi = 0 → the constant min; fls = 64 → unknown.
  assert.equal(T.tnumRange(bv, 8n, 12n), K(8n, 7n));
  assert.equal(T.tnumRange(bv, 5n, 5n), K(5n));
  assert.equal(T.tnumRange(bv, 0n, 1n << 63n), T.tnumUnknown(bv));
  assert.equal(T.tnumRange(bv, 1n << 62n, (1n << 63n) - 1n), K(1n << 62n, (1n << 62n) - 1n));
  // tnum.c: intersect of disagreeing known bits gives a known 1.
  assert.equal(T.tnumIntersect(bv, K(1n), K(0n)), K(1n));
  // A half-known sum: (0; 1) + (0; 1) = (0; 3).
  assert.equal(T.tnumAdd(bv, K(0n, 1n), K(0n, 1n)), K(0n, 3n));
  // Arithmetic shift in 32-bit mode works on the s32 sub-register and zero-extends.
  assert.equal(T.tnumArshift(bv, K(0x8000_0000n), 4, 32), K(0xf800_0000n));
  assert.equal(T.tnumArshift(bv, K(0x8000_0000n), 4, 64), K(0x0800_0000n));
  assert.equal(T.tnumArshift(bv, K(0n, 1n << 63n), 2), K(0n, 0xe000_0000_0000_0000n));
  assert.equal(T.tnumBswap16(bv, K(0x1234n, 0xff_0000n)), K(0x3412n));
  assert.equal(T.tnumBswap64(bv, K(0x0102_0304_0506_0700n, 0x08n)), K(0x0007_0605_0403_0201n, 0x0800_0000_0000_0000n));
  assert.equal(T.tnumConstSubreg(bv, K(0x1_0000_0000n, 0xf0_0000_000fn), 7n), K(0x1_0000_0007n, 0xf0_0000_0000n));
  assert.equal(T.tnumCast(bv, K(0x1234n, 0xf0_0000n), 2), K(0x1234n));
  assert.equal(T.fls(bv, 0n), 0n);
  assert.equal(T.fls(bv, 4n), 3n);
  assert.equal(T.fls(bv, 1n << 63n), 64n);
});

t('both muls on known inputs; 6.18 mul is exact on constants and keeps low known zeros', () => {
  const bv = concreteBits(64);
  assert.equal(T.tnumMul(bv, K(6n), K(7n)), K(42n));
  assert.equal(T.tnumMulCgo22(bv, K(6n), K(7n)), K(42n));
  // (x·4)·(y·2) has three low known zeros.
  const r = T.tnumMul(bv, K(0n, 0xf0n << 2n), K(0n, 0xf0n << 1n));
  assert.is(r.mask & 7n, 0n);
  assert.is(r.value & 7n, 0n);
  // {1, 3} · 3 = {3, 9} = 0b0011, 0b1001: 6.18 finds the optimal 0bx0x1, CGO'22 only 0bxxx1.
  const b8 = concreteBits(8);
  const a = parseTnum('0bx1', 8), b = parseTnum('3', 8);
  assert.is(formatTnumBits(T.tnumMul(b8, a, b), 8, { trim: true }), '0bx0x1');
  assert.is(formatTnumBits(T.tnumMulCgo22(b8, a, b), 8, { trim: true }), '0bxxx1');
});

t('notation: kernel form and bit form', () => {
  assert.is(formatTnum(K(0n, 0xffn)), '(0x0; 0xff)');
  assert.is(formatTnum(K(255n)), '255');
  assert.is(formatTnum(K(65535n)), '65535');
  assert.is(formatTnum(K(65536n)), '0x10000');
  assert.is(formatTnumPair(K(5n)), '(0x5; 0x0)');
  assert.is(formatTnumBits(K(0b10001n, 0b00110n), 8), '0b00010xx1');
  assert.is(formatTnumBits(K(0b10001n, 0b00110n), 8, { trim: true }), '0b10xx1');
  assert.is(formatTnumBits(K(0n), 8, { trim: true }), '0b0');
  assert.equal(parseTnum('(0x0; 0xff)'), K(0n, 0xffn));
  assert.equal(parseTnum('(0;255)'), K(0n, 0xffn));
  assert.equal(parseTnum('0b10xx1'), K(0b10001n, 0b110n));
  assert.equal(parseTnum('5'), K(5n));
  assert.equal(parseTnum('0x10'), K(16n));
  assert.equal(parseTnum('-1', 8), K(0xffn));
  assert.equal(parseTnum('0b101'), K(5n));
  assert.throws(() => parseTnum('(0x1; 0x3)'), (e: unknown) => e instanceof TnumParseError && /overlap/.test((e as Error).message));
  assert.throws(() => parseTnum('0x100', 8), /does not fit in 8 bits/);
  assert.throws(() => parseTnum('(0x1 0x3)'), /expected '\(value; mask\)'/);
  assert.throws(() => parseTnum('0bx2'), /not a number/);
  assert.throws(() => parseTnum(''), /empty/);
  assert.throws(() => parseTnum('0bxxxxxxxxx', 8), /more than 8/);
});

t('notation round-trips', () => {
  for (const W of [64, 8]) {
    fc.assert(fc.property(arbTnum(W), (a) => {
      assert.equal(parseTnum(formatTnum(a), W), a);
      assert.equal(parseTnum(formatTnumPair(a), W), a);
      assert.equal(parseTnum(formatTnumBits(a, W), W), a);
      assert.equal(parseTnum(formatTnumBits(a, W, { trim: true }), W), a);
    }), { numRuns: 300 });
  }
});

t.run();
