// Operations per second of each tnum operator on the concrete (bigint) backend at 64 bits, both
// multiplications side by side (and on plain numbers at 8 bits, as the precision study runs them).
import { concreteBits } from '../src/bv/concrete.ts';
import * as T from '../src/domains/tnum.ts';
import type { Tnum } from '../src/domains/tnum.ts';
import { numberBits } from '../proofs/precision/number-bits.ts';

import type { BenchRow } from './types.ts';

/** Deterministic well-formed 64-bit tnums (xorshift), a mix of sparse and dense masks. */
function sample(n: number): Tnum<bigint>[] {
  let s = 0x9e3779b97f4a7c15n;
  const next = (): bigint => {
    s ^= (s << 13n) & 0xffff_ffff_ffff_ffffn; s ^= s >> 7n; s ^= (s << 17n) & 0xffff_ffff_ffff_ffffn;
    return s;
  };
  return Array.from({ length: n }, (_, i) => {
    const m = i % 2 ? next() & next() & next() : next() & next();
    return { value: next() & ~m, mask: m };
  });
}

function rate(fn: (i: number) => unknown, minMs = 200): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    for (let i = 0; i < 1000; i++) fn(n + i);
    n += 1000;
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

export async function bench(): Promise<BenchRow[]> {
  const bv = concreteBits(64);
  const ts = sample(1024);
  const A = (i: number) => ts[i & 1023], B = (i: number) => ts[(i * 7 + 3) & 1023];
  const ops: [string, (i: number) => unknown][] = [
    ['const', (i) => T.tnumConst(bv, A(i).value)],
    ['range', (i) => T.tnumRange(bv, A(i).value, B(i).value)],
    ['lshift', (i) => T.tnumLshift(bv, A(i), i & 63)],
    ['rshift', (i) => T.tnumRshift(bv, A(i), i & 63)],
    ['arshift', (i) => T.tnumArshift(bv, A(i), i & 63)],
    ['arshift32', (i) => T.tnumArshift(bv, A(i), i & 31, 32)],
    ['add', (i) => T.tnumAdd(bv, A(i), B(i))],
    ['sub', (i) => T.tnumSub(bv, A(i), B(i))],
    ['neg', (i) => T.tnumNeg(bv, A(i))],
    ['and', (i) => T.tnumAnd(bv, A(i), B(i))],
    ['or', (i) => T.tnumOr(bv, A(i), B(i))],
    ['xor', (i) => T.tnumXor(bv, A(i), B(i))],
    ['mul (6.18)', (i) => T.tnumMul(bv, A(i), B(i))],
    ["mul (CGO'22)", (i) => T.tnumMulCgo22(bv, A(i), B(i))],
    ['mul (pre-5.13)', (i) => T.tnumMulLegacy(bv, A(i), B(i))],
    ['intersect', (i) => T.tnumIntersect(bv, A(i), B(i))],
    ['union', (i) => T.tnumUnion(bv, A(i), B(i))],
    ['cast', (i) => T.tnumCast(bv, A(i), 1 << (i & 3))],
    ['is_aligned', (i) => T.tnumIsAligned(bv, A(i), 8)],
    ['in', (i) => T.tnumIn(bv, A(i), B(i))],
    ['overlap', (i) => T.tnumOverlap(bv, A(i), B(i))],
    ['subreg', (i) => T.tnumSubreg(bv, A(i))],
    ['clear_subreg', (i) => T.tnumClearSubreg(bv, A(i))],
    ['with_subreg', (i) => T.tnumWithSubreg(bv, A(i), B(i))],
    ['const_subreg', (i) => T.tnumConstSubreg(bv, A(i), B(i).value)],
    ['bswap16', (i) => T.tnumBswap16(bv, A(i))],
    ['bswap32', (i) => T.tnumBswap32(bv, A(i))],
    ['bswap64', (i) => T.tnumBswap64(bv, A(i))],
  ];
  const rows: BenchRow[] = ops.map(([name, fn]) => ({ name: `tnum ${name} (64-bit bigint)`, value: rate(fn), unit: 'ops/s' }));
  // Multiplication with a small multiplier (the loop stops once it is shifted out).
  const small = ts.map((t) => ({ value: t.value & 0xffn, mask: t.mask & 0xffn }));
  rows.push(
    { name: 'tnum mul (6.18), 8-bit multiplier (64-bit bigint)', value: rate((i) => T.tnumMul(bv, small[i & 1023], B(i))), unit: 'ops/s' },
    { name: "tnum mul (CGO'22), 8-bit multiplier (64-bit bigint)", value: rate((i) => T.tnumMulCgo22(bv, small[i & 1023], B(i))), unit: 'ops/s' },
  );
  const nb = numberBits(8);
  const t8 = ts.map((t) => ({ value: Number(t.value & 0xffn), mask: Number(t.mask & 0xffn) }));
  rows.push(
    { name: 'tnum mul (6.18) (8-bit number)', value: rate((i) => T.tnumMul(nb, t8[i & 1023], t8[(i * 7 + 3) & 1023])), unit: 'ops/s' },
    { name: "tnum mul (CGO'22) (8-bit number)", value: rate((i) => T.tnumMulCgo22(nb, t8[i & 1023], t8[(i * 7 + 3) & 1023])), unit: 'ops/s' },
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name.padEnd(56)} ${r.value.toLocaleString('en').padStart(14)} ${r.unit}`);
}
