// fast-check arbitraries for tnums, shared by the domain tests.
import fc from 'fast-check';
import type { Tnum } from '../../src/domains/tnum.ts';

/** A width-bit unsigned bigint, biased towards edge values (0, 1, all ones, powers of two). */
export function arbBits(width: number): fc.Arbitrary<bigint> {
  const max = (1n << BigInt(width)) - 1n;
  return fc.oneof(
    { weight: 6, arbitrary: fc.bigInt({ min: 0n, max }) },
    { weight: 1, arbitrary: fc.constantFrom(0n, 1n, max, max >> 1n, 1n << BigInt(width - 1)) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: width - 1 }).map((i) => 1n << BigInt(i)) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: width }).map((i) => (1n << BigInt(i)) - 1n) },
  );
}

/** A well-formed tnum (value & mask == 0) with masks from sparse to dense. */
export function arbTnum(width: number): fc.Arbitrary<Tnum<bigint>> {
  return fc.tuple(arbBits(width), arbBits(width), fc.boolean()).map(([v, m, sparse]) => {
    const mask = sparse ? m & (m >> 1n) & (m >> 3n) : m; // sparse masks leave more bits known
    return { value: v & ~mask, mask };
  });
}

/** A member of t chosen by filling its unknown bits from `fill`. */
export function member(t: Tnum<bigint>, fill: bigint): bigint {
  return t.value | (fill & t.mask);
}

/** A well-formed tnum and one of its members. */
export function arbTnumMember(width: number): fc.Arbitrary<{ t: Tnum<bigint>; x: bigint }> {
  return fc.tuple(arbTnum(width), arbBits(width)).map(([t, fill]) => ({ t, x: member(t, fill) }));
}

/** Every member of t (only for small masks). */
export function* members(t: Tnum<bigint>): Generator<bigint> {
  // Enumerate the subsets of the mask bits: s = (s - mask) & mask walks them in order.
  let s = 0n;
  do {
    yield t.value | s;
    s = (s - t.mask) & t.mask;
  } while (s !== 0n);
}
