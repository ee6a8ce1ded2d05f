// Scalars are built field by field in one order (not by spreads), so that V8 gives every scalar
// one map (the compiled tier's operand loads stay monomorphic): the builders that used spreads
// return the same fields as the spread did, in scalarConst's order.
import { setFlagsFromString } from 'node:v8';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { type ScalarState, LINUX_6_12, LINUX_6_18, LINUX_6_18_SX64, scalarConstOf, scalarUnknown, markUnbounded, markUnbounded64, markUnbounded32, unbounded64, unbounded32, withVarOff } from '../../src/domains/scalar.ts';
import { scalarAlu, scalarNeg, scalarMovsx, scalarEnd } from '../../src/domains/alu.ts';
import { refine } from '../../src/domains/branch.ts';
import { ptrVarOffset } from '../../src/domains/alu-ptr.ts';
import { with64, with32 } from '../../src/domains/alu-arith.ts';
import { arbTracked, d, ALU_OPS, CONDS, WIDTHS } from './arb-scalar.ts';
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
      [withVarOff(s, { value: 0n, mask: 5n }), { ...s, varOff: { value: 0n, mask: 5n } }],
    ];
    for (const [got, spread] of cases) {
      assert.equal(got, spread);
      assert.equal(Object.keys(got), ORDER);
    }
  }), { numRuns: 200 });
});

// V8's own test of two objects' maps (natives syntax, allowed for the functions made after the flag)
setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

t('property: every ALU, negation, sign extension, byte swap, pointer offset and branch refinement result has the one scalar map', () => {
  const one = scalarUnknown(d);
  const check = (r: ScalarState<bigint>, what: string) => assert.ok(sameMap(r, one), `${what}: a map of its own`);
  fc.assert(fc.property(arbTracked(), arbTracked(), ({ s: a }, { s: b }) => {
    for (const fl of [LINUX_6_18, LINUX_6_18_SX64, LINUX_6_12]) {
      for (const w of WIDTHS) {
        for (const op of ALU_OPS) check(scalarAlu(d, op, w, a, b, fl), `${fl.name} ${op}${w}`);
        check(scalarNeg(d, w, a, fl), `neg${w}`);
        for (const ext of [8, 16, 32] as const) if (w === 64 || ext !== 32) check(scalarMovsx(d, w, ext, a, fl), `movsx${w} ${ext}`);
        for (const cond of CONDS) {
          const r = refine(d, a, b, cond, w, fl);
          for (const x of [...r.taken, ...r.fallthrough]) check(x, `${cond}${w}`);
        }
      }
      for (const order of ['le', 'be', 'swap'] as const) for (const bits of [16, 32, 64] as const) check(scalarEnd(d, order, bits, a, fl), `${order}${bits}`);
      check(ptrVarOffset(d, 'add', a, b, fl), 'ptr add');
      check(ptrVarOffset(d, 'sub', a, b, fl), 'ptr sub');
    }
    return true;
  }), { numRuns: 100 });
});

t.run();
