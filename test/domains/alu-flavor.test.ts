// ALU cases that depend on the kernel flavor or on a reserved encoding, as known answers:
// 6.12 sends BPF_NEG and BPF_END to unknown (6.13+ / 6.18.y track them), and a 32-bit MOVSX
// from a 32-bit source is a reserved encoding (the model refuses it). Written for the alu.ts
// mutants that survived `npm run mutate` (BENCHMARKS.md, mutation testing, third round).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scalarAlu, scalarEnd, scalarMovsx, scalarNeg } from '../../src/domains/alu.ts';
import { LINUX_6_12, LINUX_6_18, formatScalar, scalarConst, scalarFrom, scalarUnknown } from '../../src/domains/scalar.ts';
import { mulBounds612 } from '../../src/domains/alu-arith.ts';
import { d } from './arb-scalar.ts';

const t = suite('domains/alu-flavor');
const five = scalarConst(d, 5n);
const minusFive = scalarConst(d, (1n << 64n) - 5n);

t('BPF_NEG: 6.18 computes 0 - x, 6.12 gives unknown', () => {
  assert.equal(scalarNeg(d, 64, five, LINUX_6_18), minusFive);
  assert.equal(scalarNeg(d, 64, five, LINUX_6_12), scalarUnknown(d));
});

t('BPF_END: 6.18 swaps the bytes, 6.12 gives unknown', () => {
  assert.equal(scalarEnd(d, 'be', 16, scalarConst(d, 0x1234n), LINUX_6_18), scalarConst(d, 0x3412n));
  assert.equal(scalarEnd(d, 'be', 16, scalarConst(d, 0x1234n), LINUX_6_12), scalarUnknown(d));
});

t('MOVSX32 from a 32-bit source is refused, naming the encoding', () => {
  assert.throws(() => scalarMovsx(d, 32, 32, five, LINUX_6_18), (e: Error) => e instanceof RangeError && /movsx32 with a 32-bit source is reserved/.test(e.message));
  assert.equal(scalarMovsx(d, 32, 8, scalarConst(d, 0x80n), LINUX_6_18), scalarConst(d, 0xffffff80n));
});

t('6.12 MUL bounds: an operand umax above 2^(w/2) - 1 gives unbounded (2^32 at 64 bits would wrap)', () => {
  const r = d.u64, two32 = 1n << 32n;
  const a = { umin: 0n, umax: two32, smin: 0n, smax: two32 };
  assert.equal(mulBounds612(r, a, a), { umin: 0n, umax: r.ones, smin: 1n << 63n, smax: (1n << 63n) - 1n });
  const b = { umin: 2n, umax: two32 - 1n, smin: 2n, smax: two32 - 1n };
  assert.equal(mulBounds612(r, b, b), { umin: 4n, umax: (two32 - 1n) ** 2n, smin: 1n << 63n, smax: (1n << 63n) - 1n }); // above S64_MAX: signed lost
});

t('6.12 MUL through scalarAlu: an operand umax above U32_MAX gives unbounded (6.14+ bounds the products)', () => {
  // a ∈ [0, 2^33] (var_off 34 bits), b ∈ [0, 3]: 6.18 bounds a·b by 3·2^33; 6.12 keeps only the tnum product
  const a = scalarFrom(d, { varOff: { value: 0n, mask: (1n << 34n) - 1n }, umin: 0n, umax: 1n << 33n, smin: 0n, smax: 1n << 33n });
  const b = scalarFrom(d, { varOff: { value: 0n, mask: 3n }, umin: 0n, umax: 3n, smin: 0n, smax: 3n, u32min: 0n, u32max: 3n, s32min: 0n, s32max: 3n });
  assert.is(formatScalar(scalarAlu(d, 'mul', 64, a, b, LINUX_6_12)),
    '{var_off=(0x0; 0xfffffffff) u64=[0x0, 0xfffffffff] s64=[0, 68719476735] u32=[0x0, 0xffffffff] s32=[-2147483648, 2147483647]}');
  assert.is(formatScalar(scalarAlu(d, 'mul', 64, a, b, LINUX_6_18)),
    '{var_off=(0x0; 0x7ffffffff) u64=[0x0, 0x600000000] s64=[0, 25769803776] u32=[0x0, 0xffffffff] s32=[-2147483648, 2147483647]}');
});

t('6.12 MUL through scalarAlu: the CGO\'22 tnum_mul (6.18 uses the Edamana one)', () => {
  // {1, 3} · {2, 3, 6, 7} ⊆ [2, 21]: 6.18's tnum_mul gives (0; 0x1f), CGO'22's (0; 0x3f); the bounds follow the tnum
  const a = scalarFrom(d, { varOff: { value: 1n, mask: 2n } }), b = scalarFrom(d, { varOff: { value: 2n, mask: 5n } });
  assert.is(formatScalar(scalarAlu(d, 'mul', 64, a, b, LINUX_6_12)), '{var_off=(0x0; 0x3f) u64=[0x0, 0x3f] s64=[0, 63] u32=[0x0, 0x3f] s32=[0, 63]}');
  assert.is(formatScalar(scalarAlu(d, 'mul', 64, a, b, LINUX_6_18)), '{var_off=(0x0; 0x1f) u64=[0x0, 0x1f] s64=[0, 31] u32=[0x0, 0x1f] s32=[0, 31]}');
});

t.run();
