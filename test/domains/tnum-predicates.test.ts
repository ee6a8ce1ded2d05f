// Known answers for the tnum helpers the proofs and the verifier model call but the recorded
// kernel traces never reach (predicates, alignment, tnum_arshift's 32-bit form, popcount/fls):
// each row is an input and the kernel's answer (kernel/bpf/tnum.c semantics). Written for the
// mutants that survived `npm run mutate` (BENCHMARKS.md, mutation testing, third round).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { concreteBits } from '../../src/bv/concrete.ts';
import * as T from '../../src/domains/tnum.ts';
import type { Tnum } from '../../src/domains/tnum.ts';

const t = suite('domains/tnum-predicates');
const bv = concreteBits(64);
const K = (value: bigint, mask = 0n): Tnum<bigint> => ({ value, mask });
const ONES = (1n << 64n) - 1n;

t('tnum_equals_const, tnum_is_const, tnum_is_unknown, tnumEq', () => {
  const rows: [string, boolean, boolean][] = [
    // [name, computed, expected]
    ['equals_const(5; 0, 5)', T.tnumEqualsConst(bv, K(5n), 5n), true],
    ['equals_const(5; 0, 4)', T.tnumEqualsConst(bv, K(5n), 4n), false],
    ['equals_const(4; 1, 4) (not constant)', T.tnumEqualsConst(bv, K(4n, 1n), 4n), false],
    ['is_const(7; 0)', T.tnumIsConst(bv, K(7n)), true],
    ['is_const(6; 1)', T.tnumIsConst(bv, K(6n, 1n)), false],
    ['is_unknown(0; ~0)', T.tnumIsUnknown(bv, T.tnumUnknown(bv)), true],
    ['is_unknown(0; ~0 >> 1)', T.tnumIsUnknown(bv, K(0n, ONES >> 1n)), false],
    ['is_unknown(1; ~1)', T.tnumIsUnknown(bv, K(1n, ONES - 1n)), false],
    ['eq same', T.tnumEq(bv, K(8n, 3n), K(8n, 3n)), true],
    ['eq value differs', T.tnumEq(bv, K(8n, 3n), K(4n, 3n)), false],
    ['eq mask differs', T.tnumEq(bv, K(8n, 3n), K(8n, 1n)), false],
    ['subreg_is_const (high half unknown)', T.tnumSubregIsConst(bv, K(0x1_00000004n, 0xf_00000000n)), true],
    ['subreg_is_const (bit 31 unknown)', T.tnumSubregIsConst(bv, K(4n, 0x80000000n)), false],
  ];
  for (const [name, got, want] of rows) assert.is(got, want, name);
});

t('tnum_is_aligned: size 0 is aligned; a known or unknown low bit breaks alignment', () => {
  const rows: [Tnum<bigint>, number, boolean][] = [
    [K(3n, 4n), 0, true],
    [K(3n, 4n), 1, true],
    [K(8n), 8, true],
    [K(16n, 0xf0n), 8, true],
    [K(12n), 8, false],
    [K(8n, 4n), 8, false],
    [K(2n), 2, true],
    [K(1n), 2, false],
  ];
  for (const [a, size, want] of rows) assert.is(T.tnumIsAligned(bv, a, size), want, `(${a.value}; ${a.mask}) size ${size}`);
});

t('tnum_arshift: at the ring width, at 32 bits inside 64 (zero-extended), and the bitness check', () => {
  // 64-bit: the known sign bit smears; an unknown sign bit smears unknown
  assert.equal(T.tnumArshift(bv, K(1n << 63n), 4), K(0xf8000000_00000000n));
  assert.equal(T.tnumArshift(bv, K(0n, 1n << 63n), 60), K(0n, 0xffffffff_fffffff8n));
  // 32-bit form: (u32)((s32)x >> s), the upper half known 0
  assert.equal(T.tnumArshift(bv, K(0x80000000n), 4, 32), K(0xf8000000n));
  assert.equal(T.tnumArshift(bv, K(0xffffffff_00000010n), 4, 32), K(1n));
  assert.equal(T.tnumArshift(bv, K(0n, 0x80000000n), 31, 32), K(0n, 0xffffffffn));
  // a shift of 32 or more at 32 bits keeps only the sign (the kernel never passes it; no crash)
  assert.equal(T.tnumArshift(bv, K(0x80000000n), 40, 32), K(0xffffffffn));
  assert.throws(() => T.tnumArshift(concreteBits(32), K(1n), 1, 64), (e: Error) => e instanceof RangeError && /bitness 64 > width 32/.test(e.message));
  // bitness equal to the width is allowed
  assert.equal(T.tnumArshift(concreteBits(32), K(0x80000000n), 1, 32), K(0xc0000000n));
});

t('byte swaps refuse a width narrower than the swap', () => {
  assert.throws(() => T.tnumBswap64(concreteBits(32), K(1n)), (e: Error) => e instanceof RangeError && /bswap64 needs width ≥ 64/.test(e.message));
  assert.equal(T.tnumBswap32(concreteBits(32), K(0x00223344n, 0xff000000n)), K(0x44332200n, 0xffn));
});

t('popcount, fls and smearRight on corners', () => {
  const rows: [bigint, bigint, bigint, bigint][] = [
    // x, popcount, fls, smear
    [0n, 0n, 0n, 0n],
    [1n, 1n, 1n, 1n],
    [0x48n, 2n, 7n, 0x7fn],
    [1n << 63n, 1n, 64n, ONES],
    [ONES, 64n, 64n, ONES],
    [0x80000001n, 2n, 32n, 0xffffffffn],
  ];
  for (const [x, pc, f, sm] of rows) {
    assert.is(T.popcount(bv, x), pc, `popcount ${x}`);
    assert.is(T.fls(bv, x), f, `fls ${x}`);
    assert.is(T.smearRight(bv, x), sm, `smear ${x}`);
  }
});

t.run();
