// The closed forms' claims (proofs/closed-forms.ts): broken forms must get a counterexample that
// replays (two cheap ones: a broken floorAnd took ~24,000,000 units, too slow for this file). The claims themselves are proved by `bpfsynth prove` (each takes tens of seconds: see
// proofs/REPORT.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fillBelow, floorState, lowMaskAndForm, zeroBasedAddForm } from '../../src/domains/closed-forms.ts';
import { FLAVORS, LINUX_6_12, LINUX_6_18 } from '../../src/domains/scalar.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar } from '../../proofs/scalar.ts';
import { closedFormProperties, floorAndIsAlu, lowMaskAndIsAlu, zeroBasedAddIsAlu, zeroBasedRshIsAlu, zeroFloorShape, type ConstForm, type RegForm } from '../../proofs/closed-forms.ts';

const t = suite('proofs/closed-forms');

t('the catalogue has the shape claim and the four closed forms per flavor', () => {
  const want = [zeroFloorShape().name, ...FLAVORS.flatMap((fl) => [lowMaskAndIsAlu(fl).name, zeroBasedAddIsAlu(fl).name, zeroBasedRshIsAlu(fl).name, floorAndIsAlu(fl).name])];
  assert.equal(closedFormProperties().map((p) => p.name), want);
  assert.is(new Set(want).size, want.length, 'names are unique (they key rlimits.json)');
});

/** The sum's tnum from the operands' bits alone, without the carry's extra bit. */
const noCarry: RegForm = (d, x, y) => {
  const r = zeroBasedAddForm(d, x, y);
  return { ...r, s: floorState(d, r.s.umax, fillBelow(d, d.u64.or(x.umax, y.umax))) };
};
/** lowMaskAnd without its test that dst's umax reaches k. */
const anyUmax: ConstForm = (d, x, k) => ({ ...lowMaskAndForm(d, x, k), ok: lowMaskAndForm(d, { ...x, umax: d.u64.ones }, k).ok });
const cases = [
  ['a zero-based sum that ignores the carry', () => zeroBasedAddIsAlu(LINUX_6_18, noCarry, 'a zero-based sum that ignores the carry')],
  ['a low mask `and` whatever dst\'s umax', () => lowMaskAndIsAlu(LINUX_6_12, anyUmax, 'a low mask `and` whatever dst\'s umax')],
] as const;

for (const [label, claim] of cases) {
  t(`finds a real counterexample: ${label}`, async () => {
    const r = await proveScalar(claim(), { rlimit: 50_000_000 });
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
  });
}

t.run();
