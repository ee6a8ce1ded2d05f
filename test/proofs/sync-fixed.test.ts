// The compiled sync's shortcuts (src/domains/sync-fixed.ts, the deduce round skip): broken tests
// must get a counterexample that replays. The claims themselves are proved by `bpfsynth prove`
// (5 s of CPU for 6.12's sync and for the round skip, ~75 s for each 6.18 flavor's, whose
// tnum_step collapse is the cost): too slow for this file.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LINUX_6_12, LINUX_6_18 } from '../../src/domains/scalar.ts';
import { boundsFromTnum } from '../../src/domains/sync-fixed.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar } from '../../proofs/scalar.ts';
import { deduceRoundSkip, syncFixedBy, syncFixedProperties, type FixedTest, type SameTest } from '../../proofs/sync-fixed.ts';

const t = suite('proofs/sync-fixed');

t('the catalogue has one fixed-point claim per kernel flavor and the round skip', () => {
  const names = syncFixedProperties().map((p) => p.name);
  assert.equal(names.length, 4);
  assert.ok(names.includes(syncFixedBy(LINUX_6_18).name));
  assert.ok(names.includes(deduceRoundSkip().name));
});

/** Accepts a looser s32 range: the sync tightens it from the tnum, so the state is not fixed. */
const noS32: FixedTest = (d, s) => boundsFromTnum(d, { ...s, s32min: d.u32.or(d.lo32(s.varOff.value), d.u32.and(d.lo32(s.varOff.mask), d.u32.c(0x8000_0000))), s32max: d.u32.or(d.lo32(s.varOff.value), d.u32.and(d.lo32(s.varOff.mask), d.u32.c(0x7fff_ffff))) });

for (const [label, test] of [['no s32 check', noS32]] as const) {
  t(`finds a real counterexample: a test with ${label}`, async () => {
    const r = await proveScalar(syncFixedBy(LINUX_6_12, test, label));
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
  });
}

/** "Nothing changed" judged by var_off alone: a round that moved only bounds would end the rounds. */
const varOffOnly: SameTest = (d, x, y) => d.u64.andB(d.u64.eq(x.varOff.value, y.varOff.value), d.u64.eq(x.varOff.mask, y.varOff.mask));

t('finds a real counterexample: deduce rounds stopped when var_off did not change', async () => {
  const r = await proveScalar(deduceRoundSkip(varOffOnly, 'a round that kept var_off'));
  assert.is(r.result, 'counterexample', formatResult(r));
  assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
});

t.run();
