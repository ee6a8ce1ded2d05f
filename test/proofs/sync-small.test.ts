// The 32-bit merge of small states (src/domains/sync-small.ts): broken merges must get a
// counterexample that replays. The claims themselves are proved by `bpfsynth prove` (the
// deduce claim is too slow for this file: see proofs/REPORT.md).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isSmall, mergeSmall } from '../../src/domains/sync-small.ts';
import { formatCounterexample, formatResult } from '../../proofs/runner.ts';
import { proveScalar } from '../../proofs/scalar.ts';
import { deduceIsMerge, mergeAgain, offsetKeepsMerge, syncSmallProperties, type Merge } from '../../proofs/sync-small.ts';

const t = suite('proofs/sync-small');

t('the catalogue has the deduce, merge-again and offset claims', () => {
  assert.equal(syncSmallProperties().map((p) => p.name), [deduceIsMerge().name, mergeAgain().name, offsetKeepsMerge().name]);
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

t.run();
