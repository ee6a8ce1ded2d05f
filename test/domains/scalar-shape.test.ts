// Scalars are built field by field in one order (not by spreads), so that V8 gives every scalar
// one map (the compiled tier's operand loads stay monomorphic): the builders that used spreads
// return the same fields as the spread did, in scalarConst's order.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { type ScalarState, scalarConstOf, scalarUnknown, markUnbounded, markUnbounded64, markUnbounded32, unbounded64, unbounded32 } from '../../src/domains/scalar.ts';
import { with64, with32 } from '../../src/domains/alu-arith.ts';
import { arbTracked, d } from './arb-scalar.ts';
import { arbBits } from './arb.ts';

const t = suite('domains/scalar-shape');
const ORDER = Object.keys(scalarConstOf(d, 7n));

t('the order is the interface order, and scalarUnknown has it', () => {
  assert.equal(ORDER, ['varOff', 'umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max']);
  const u = scalarUnknown(d);
  assert.equal(Object.keys(u), ORDER);
  assert.equal(u, { varOff: u.varOff, ...unbounded64(d), ...unbounded32(d) });
});

t('property: markUnbounded*, with64 and with32 equal their spread forms, in one field order', () => {
  const bounds = fc.record({ umin: arbBits(64), umax: arbBits(64), smin: arbBits(64), smax: arbBits(64) });
  fc.assert(fc.property(arbTracked(), bounds, ({ s }, b) => {
    const cases: [ScalarState<bigint>, ScalarState<bigint>][] = [
      [markUnbounded(d, s), { ...s, ...unbounded64(d), ...unbounded32(d) }],
      [markUnbounded64(d, s), { ...s, ...unbounded64(d) }],
      [markUnbounded32(d, s), { ...s, ...unbounded32(d) }],
      [with64(s, b), { ...s, umin: b.umin, umax: b.umax, smin: b.smin, smax: b.smax }],
      [with32(s, b), { ...s, u32min: b.umin, u32max: b.umax, s32min: b.smin, s32max: b.smax }],
    ];
    for (const [got, spread] of cases) {
      assert.equal(got, spread);
      assert.equal(Object.keys(got), ORDER);
    }
  }), { numRuns: 200 });
});

t.run();
