// The paired-ratio statistics of `kernel bench`, on synthetic timings with known answers.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { binomHalfCdf, compareRounds, fasterThanControl, median, recheckClears, signInterval, slowerThanControl } from '../../src/kernel/ratio.ts';

const t = suite('kernel/ratio');

/** Deterministic noise: xorshift32 → multiplicative jitter with a heavy right tail (preemption). */
function noisy(seed: number, n: number, base: number, shift: number): number[] {
  let s = seed | 0 || 1;
  const u = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => base * shift * (1 + 0.02 * (u() - 0.5)) * (u() < 0.05 ? 1.5 : 1));
}

t('binomial tail matches hand-computed values', () => {
  assert.ok(Math.abs(binomHalfCdf(0, 1) - 0.5) < 1e-12);
  assert.ok(Math.abs(binomHalfCdf(1, 3) - 0.5) < 1e-12);
  assert.ok(Math.abs(binomHalfCdf(2, 10) - 56 / 1024) < 1e-12);
  assert.is(binomHalfCdf(-1, 5), 0);
  assert.is(binomHalfCdf(5, 5), 1);
});

t('sign interval ranks: n=10 uses x(2)..x(9) (coverage 97.9%), n=5 has none', () => {
  const ci = signInterval(10)!;
  assert.is(ci.k, 2);
  assert.ok(Math.abs(ci.coverage - (1 - 2 * 11 / 1024)) < 1e-12);
  assert.is(signInterval(5), undefined);
  for (const n of [6, 20, 41, 200]) assert.ok(signInterval(n)!.coverage >= 0.95);
});

t('a known 5% slow-down is found and the interval brackets it', () => {
  const a = noisy(7, 60, 100, 1), b = noisy(11, 60, 100, 1.05);
  const r = compareRounds(a, b);
  assert.is(r.verdict, 'slower');
  assert.ok(r.low > 1 && r.low < 1.05 && r.high > 1.05, `${r.low}..${r.high}`);
  const back = compareRounds(b, a);
  assert.is(back.verdict, 'faster');
});

t('identical samples give an interval containing 1', () => {
  const a = noisy(3, 40, 250, 1);
  const r = compareRounds(a, a.slice());
  assert.equal([r.low, r.median, r.high, r.verdict], [1, 1, 1, 'within noise']);
});

t('property: two draws from one distribution are "within noise" at most rarely, never far off', () => {
  let flagged = 0;
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
    const r = compareRounds(noisy(seed, 50, 100, 1), noisy(seed ^ 0x5bd1e995, 50, 100, 1));
    if (r.verdict !== 'within noise') flagged++;
    return r.low < 1.01 && r.high > 0.99;
  }), { numRuns: 100, seed: 42 });
  assert.ok(flagged <= 12, `${flagged} of 100 flagged`); // ≈5% expected
});

t('slower than the control: only past the A/A interval, and only above 1', () => {
  const est = (low: number, high: number) => ({ n: 40, median: (low + high) / 2, low, high, coverage: 0.95, verdict: 'within noise' as const });
  const quiet = est(0.99, 1.01), loaded = est(1.01, 1.06);
  assert.ok(slowerThanControl(est(1.02, 1.05), quiet)); // a 3% slow-down beside a quiet control
  assert.not.ok(slowerThanControl(est(1.02, 1.05), loaded)); // as slow as A against itself
  assert.ok(slowerThanControl(est(1.07, 1.1), loaded));
  assert.not.ok(slowerThanControl(est(0.98, 1.05), est(0.9, 0.95))); // not above 1: never slower
  // on timings: a known 5% slow-down stands beside a control drawn from A's own distribution
  const a = noisy(11, 40, 100, 1), b = noisy(12, 40, 100, 1.05), a2 = noisy(13, 40, 100, 1);
  assert.ok(slowerThanControl(compareRounds(a, b, 0.001), compareRounds(a, a2)));
  assert.not.ok(slowerThanControl(compareRounds(a, a2, 0.001), compareRounds(a, noisy(14, 40, 100, 1))));
});

t('faster than the control: only below the A/A interval, and only below 1', () => {
  const est = (low: number, high: number) => ({ n: 40, median: (low + high) / 2, low, high, coverage: 0.95, verdict: 'within noise' as const });
  const quiet = est(0.99, 1.01), loaded = est(0.94, 0.99);
  assert.ok(fasterThanControl(est(0.95, 0.98), quiet)); // a 3% gain beside a quiet control
  assert.not.ok(fasterThanControl(est(0.95, 0.98), loaded)); // as fast as A against itself
  assert.ok(fasterThanControl(est(0.9, 0.93), loaded));
  assert.not.ok(fasterThanControl(est(0.95, 1.02), est(1.05, 1.1))); // not below 1: never faster
  assert.not.ok(fasterThanControl(est(0.985, 0.995), quiet)); // below 1 but inside the control's interval
  // on timings: a known 5% gain stands beside a control drawn from A's own distribution
  const a = noisy(21, 60, 100, 1), b = noisy(22, 60, 100, 0.95), a2 = noisy(23, 60, 100, 1);
  assert.ok(fasterThanControl(compareRounds(a, b), compareRounds(a, a2)));
  assert.not.ok(fasterThanControl(compareRounds(a, a2), compareRounds(a, noisy(24, 60, 100, 1))));
  // mirror images: B faster than A is A slower than B
  assert.is(fasterThanControl(compareRounds(a, b), compareRounds(a, a2)), slowerThanControl(compareRounds(b, a), compareRounds(a2, a)));
});

t('property: draws from one distribution are confirmed faster at most rarely', () => {
  let confirmed = 0;
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
    const a = noisy(seed, 60, 100, 1);
    if (fasterThanControl(compareRounds(a, noisy(seed ^ 0x2545f491, 60, 100, 1)), compareRounds(a, noisy(seed ^ 0x9e3779b9, 60, 100, 1)))) confirmed++;
    return true;
  }), { numRuns: 200, seed: 7 });
  assert.ok(confirmed <= 5, `${confirmed} of 200 confirmed`); // one-sided 2.5% at most, less beside the control
});

t('a recorded recheck clears a slower row: 99.9% only, past its own A/A control', () => {
  assert.not.ok(recheckClears(undefined)); // no recheck: the row stands
  assert.not.ok(recheckClears({ alpha: 0.05, low: 0.99 })); // a 95% recheck is no verdict
  assert.ok(recheckClears({ alpha: 0.001, low: 0.99 })); // older rechecks without a control
  assert.not.ok(recheckClears({ alpha: 0.001, low: 1.01 }));
  assert.ok(recheckClears({ alpha: 0.001, low: 1.01, control: { high: 1.03 } })); // A as slow against itself
  assert.not.ok(recheckClears({ alpha: 0.001, low: 1.04, control: { high: 1.03 } }));
  assert.ok(recheckClears({ alpha: 0.001, low: 0.98, control: { high: 0.97 } })); // reaches 1
});

t('median and errors', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => compareRounds([1, 2], [1]), /differ in length/);
  assert.throws(() => compareRounds([1, 2, 3], [1, 2, 3]), /too few/);
});

t.run();
