// The 32-bit merge of small states (src/domains/sync-small.ts): broken merges must get a
// counterexample that replays. The claims themselves are proved by `bpfsynth prove` (the
// deduce claim is too slow for this file: see proofs/REPORT.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isSmall, mergeSmall, updateSmall } from '../../src/domains/sync-small.ts';
import { FLAVORS, LINUX_6_12, LINUX_6_18 } from '../../src/domains/scalar.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar } from '../../proofs/scalar.ts';
import { deduceIsMerge, mergeAgain, offsetKeepsMerge, syncSmallProperties, updateIsSmall, type Merge, type Update } from '../../proofs/sync-small.ts';

const t = suite('proofs/sync-small');

t('the catalogue has the deduce, merge-again and offset claims, and the 32-bit update per flavor', () => {
  assert.equal(syncSmallProperties().map((p) => p.name), [deduceIsMerge().name, mergeAgain().name, offsetKeepsMerge().name, ...FLAVORS.map((fl) => updateIsSmall(fl).name)]);
});

/** Leaves the tnum as it was (no intersection with the merged range). */
const keepTnum: Merge = (d, x) => {
  const r = mergeSmall(d, x);
  return { ...r, s: { ...r.s, varOff: x.varOff } };
};

/** Merges small states whether or not their ranges meet. */
const anyRanges: Merge = (d, x) => ({ ...mergeSmall(d, x), ok: isSmall(d, x) });

for (const [label, merge] of [['a merge that keeps the tnum', keepTnum], ['a merge of ranges that do not meet', anyRanges]] as const) {
  t(`finds a real counterexample: ${label}`, async () => {
    const r = await proveScalar(deduceIsMerge(merge, label));
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
  });
}

/** 6.18's collapse to a single value left out. */
const noCollapse: Update = (d, x, fl) => updateSmall(d, x, { ...fl, tnumStepBounds: false });
/** s32max not tightened from the tnum. */
const noS32max: Update = (d, x, fl) => ({ ...updateSmall(d, x, fl), s32max: x.s32max });

for (const [fl, update, label] of [[LINUX_6_18, noCollapse, 'a 32-bit update without the collapse'], [LINUX_6_12, noS32max, 'a 32-bit update that keeps s32max']] as const) {
  t(`finds a real counterexample: ${label} (${fl.name})`, async () => {
    const r = await proveScalar(updateIsSmall(fl, update, label), { rlimit: 50_000_000 });
    assert.is(r.result, 'counterexample', formatResult(r));
    assert.is(r.replayed, false, `replay did not fail: ${formatCounterexample(r.counterexample!)}`);
  });
}

t.run();
