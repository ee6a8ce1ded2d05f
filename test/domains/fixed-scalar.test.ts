// The bridge between bigint scalar states and the fixed-width arena (src/domains/fixed-scalar.ts):
// states cross it unchanged in both directions, an operator run through it answers as on
// bigints, and a region frees every handle it made (also when the operator throws) but never
// the ring limits cached at load. The recorded kernel cases through this backend are replayed
// by test/domains/compiled.test.ts (every 8th) and `scripts/mutate-kill.ts` (KILL_BACKENDS=fixed).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { arenaSize, fromBigint, toBigint } from '../../src/bv/fixed.ts';
import { F, inFixedRegion, scalarFromFixed, scalarToFixed, tnumFromFixed, tnumToFixed, viaFixed1, viaFixed2 } from '../../src/domains/fixed-scalar.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { scalarAlu } from '../../src/domains/alu.ts';
import { sMax, sMin, LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
import { arbTracked, ALU_OPS, WIDTHS } from './arb-scalar.ts';

const t = suite('domains/fixed-scalar');
const d = concrete64x32;
type S = ScalarState<bigint>;

const U64 = (1n << 64n) - 1n;
/** Every field at a value whose halves differ in sign: a conversion that drops or sign-extends a half shows. */
const edgy: S = {
  varOff: { value: 0x8000000000000001n, mask: 0x7ffffffe00000000n },
  umin: 0x80000000n, umax: U64, smin: 0xffffffff80000000n, smax: 0x7fffffffffffffffn,
  u32min: 0x80000000n, u32max: 0xffffffffn, s32min: 0x80000000n, s32max: 0x7fffffffn,
};

t('states cross to the arena and back unchanged (u32 fields with bit 31 set stay unsigned)', () => {
  assert.equal(inFixedRegion(() => scalarFromFixed(scalarToFixed(edgy))), edgy);
  fc.assert(fc.property(arbTracked(), ({ s }) => {
    assert.equal(inFixedRegion(() => scalarFromFixed(scalarToFixed(s))), s);
  }), { numRuns: 300 });
});

t('the 32-bit fields are handles of the 32-bit ring: hi half 0', () => {
  inFixedRegion(() => {
    const f = scalarToFixed(edgy);
    for (const k of ['u32min', 'u32max', 's32min', 's32max'] as const) assert.is(toBigint(f[k]), edgy[k], k);
    assert.is(toBigint(f.umax), U64);
  });
});

t('tnums cross both ways', () => {
  const a = { value: 0xf0n, mask: 0xff00000000000000n };
  assert.equal(inFixedRegion(() => tnumFromFixed(tnumToFixed(a))), a);
  assert.is(inFixedRegion(() => toBigint(tnumToFixed(a).mask)), a.mask);
});

t('viaFixed1 / viaFixed2 answer as the bigint operators on reachable states', () => {
  fc.assert(fc.property(arbTracked(), arbTracked(), fc.constantFrom(...ALU_OPS), fc.constantFrom(...WIDTHS), (a, b, op, w) => {
    assert.equal(viaFixed1((s) => regBoundsSync(F, s, LINUX_6_18), a.s), regBoundsSync(d, a.s, LINUX_6_18), 'sync');
    assert.equal(viaFixed2((x, y) => scalarAlu(F, op, w, x, y, LINUX_6_18), a.s, b.s), scalarAlu(d, op, w, a.s, b.s, LINUX_6_18), `${op}${w}`);
  }), { numRuns: 200 });
});

t('a region frees every handle it made, also when the operator throws', () => {
  const before = arenaSize();
  viaFixed1((s) => regBoundsSync(F, s, LINUX_6_18), edgy);
  viaFixed2((x, y) => scalarAlu(F, 'mul', 64, x, y, LINUX_6_18), edgy, edgy);
  assert.is(arenaSize(), before, 'no handle outlives viaFixed');
  assert.is(inFixedRegion(() => (fromBigint(5n), 7)), 7, 'the value comes back');
  assert.throws(() => inFixedRegion(() => {
    fromBigint(1n);
    throw new Error('boom');
  }), /boom/);
  assert.is(arenaSize(), before, 'no handle outlives a throwing region');
});

t('the ring limits made at load survive regions that reuse the freed handles', () => {
  // fill the slots regions free with other values, then read the cached limits
  for (let i = 0; i < 50; i++) inFixedRegion(() => { for (let k = 0; k < 64; k++) fromBigint(BigInt(k) * 0x0101010101010101n); });
  assert.is(toBigint(sMin(F.u64)), 1n << 63n);
  assert.is(toBigint(sMax(F.u64)), (1n << 63n) - 1n);
  assert.is(toBigint(sMin(F.u32)), 1n << 31n);
  assert.is(toBigint(sMax(F.u32)), (1n << 31n) - 1n);
});

t.run();
