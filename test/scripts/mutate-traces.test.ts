// The case-range helpers of the mutation kill command: a mutant replays exactly the recorded
// cases its code ran in, so membership must be exact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { inRanges, toRanges } from '../../scripts/mutate-traces.ts';

const t = suite('scripts/mutate-traces');

t('toRanges merges runs; inRanges is membership', () => {
  assert.equal(toRanges([0, 1, 2, 5, 7, 8]), [[0, 2], [5, 5], [7, 8]]);
  assert.equal(toRanges([]), []);
  fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }), fc.integer({ min: -2, max: 202 }), (xs, n) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return inRanges(toRanges(sorted), n) === xs.includes(n);
  }), { numRuns: 500 });
});

t.run();
