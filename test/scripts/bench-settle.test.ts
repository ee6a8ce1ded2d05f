// The rule that ends verifier-incremental.ts --steady's warm-up: stop once the figures have not
// made a new low by more than the margin for `patience` windows in a row.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Settling } from '../../bench/settle.ts';

const t = suite('bench/settle');

/** How many windows of xs the rule takes before it says settled (undefined: never). */
function stopsAt(xs: number[], gain = 0.95, patience = 5): number | undefined {
  const s = new Settling(gain, patience);
  for (let i = 0; i < xs.length; i++) if (s.add(xs[i])) return i + 1;
  return undefined;
}

t('a falling series settles `patience` windows after its last new low by more than 5%', () => {
  // 100, 60, 40, 30 fall by more than 5% each; 29 (3% lower) does not restart the wait
  assert.is(stopsAt([100, 60, 40, 30, 29, 31, 30, 29.5, 30, 30]), 9);
  assert.is(stopsAt([100, 60, 40, 30, 29, 31, 30, 29.5], 0.95, 5), undefined);
});

t('a burst above the low does not restart the wait; a new low does', () => {
  assert.is(stopsAt([10, 30, 10, 10, 10, 10]), 6);
  assert.is(stopsAt([10, 10, 10, 9, 10, 10, 10, 10, 10], 0.95, 5), 9);
  assert.is(stopsAt([10, 10, 10, 10, 10], 0.95, 1), 2);
});

t('a steadily falling series never settles; the rule rejects bad parameters', () => {
  assert.is(stopsAt(Array.from({ length: 50 }, (_, i) => 1000 * 0.9 ** i)), undefined);
  assert.throws(() => new Settling(0), /gain/);
  assert.throws(() => new Settling(0.95, 0), /patience/);
});

t('property: it says settled exactly when the last `patience` windows made no new low by the margin', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (xs, patience) => {
    const s = new Settling(0.95, patience);
    for (let i = 0; i < xs.length; i++) {
      const said = s.add(xs[i]);
      // windows since the last one that beat the lowest before it by more than 5%
      let since = 0;
      for (let j = 0, best = Infinity; j <= i; j++) {
        since = xs[j] < 0.95 * best ? 0 : since + 1;
        best = Math.min(best, xs[j]);
      }
      if (said !== since >= patience) return false;
    }
    return s.windows.length === xs.length;
  }), { numRuns: 300 });
});

t.run();
