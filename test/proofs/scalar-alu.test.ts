// The fast scalar ALU and branch lemmas (proofs/SCALAR.md), and deliberately broken variants
// that must get a Z3 counterexample which fails again when replayed with the concrete backend.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bits } from '../../src/bv/bits.ts';
import { bothHalves, type Bounds } from '../../src/domains/alu-arith.ts';
import { refineCondOp } from '../../src/domains/branch.ts';
import type { ScalarState } from '../../src/domains/scalar.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar, stateOf, type D, type Get, type ScalarProperty } from '../../proofs/scalar.ts';
import { aluRawSound, containsPart, zextKeeps } from '../../proofs/scalar-alu.ts';
import { refineSound, revNegates, takenSound } from '../../proofs/branch.ts';

const t = suite('proofs/scalar-alu');

const fast: ScalarProperty[] = [
  zextKeeps(),
  ...(['add', 'sub'] as const).flatMap((op) => [aluRawSound(op, 32, 'var_off32'), aluRawSound(op, 32, 'u32', 'any', ['u32']), aluRawSound(op, 32, 's32', 'any', ['s32'])]),
  refineSound('jgt', 64), refineSound('jsle', 32), refineSound('jset', 64), refineSound('jeq', 32, 'dst', 'u32'),
  revNegates('jgt', 64), takenSound('jslt', 64), takenSound('jset', 32),
];
for (const p of fast) {
  t(`proves ${p.name}`, async () => {
    const r = await proveScalar(p);
    assert.is(r.result, 'proved', formatResult(r));
  });
}

/** scalar_min_max_add without its overflow checks: the sums, wrapped or not. */
const addNoOverflowCheck = <V, B>(r: Bits<V, B>, a: Bounds<V>, b: Bounds<V>): Bounds<V> =>
  ({ umin: r.add(a.umin, b.umin), umax: r.add(a.umax, b.umax), smin: r.add(a.smin, b.smin), smax: r.add(a.smax, b.smax) });

const brokenAdd: ScalarProperty = {
  name: 'bounds add without its overflow check, u64',
  claim<V, B>(d: D<V, B>, get: Get<V>): B {
    const a = stateOf(get, 'a'), b = stateOf(get, 'b'), x = get('x', 64), y = get('y', 64);
    const s = bothHalves(d, a, b, addNoOverflowCheck);
    return d.u64.implies(d.u64.andB(containsPart(d, a, 'u64', x), containsPart(d, b, 'u64', y)), containsPart(d, s, 'u64', d.u64.add(x, y)));
  },
};

/** JGT refinement off by one: dst.umin raised to src.umin + 2 instead of + 1. */
const jgtOffByOne = <V, B>(d: D<V, B>, a: ScalarState<V>, b: ScalarState<V>): [ScalarState<V>, ScalarState<V>] =>
  refineCondOp(d, a, { ...b, umin: d.u64.add(b.umin, d.u64.one) }, 'jgt', 64);

for (const p of [brokenAdd, refineSound('jgt', 64, 'dst', undefined, jgtOffByOne, 'off-by-one JGT refinement')]) {
  t(`finds a real counterexample: ${p.name}`, async () => {
    const r = await proveScalar(p);
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
    console.log(`    ${formatResult(r)}`);
  });
}

t.run();
