// Comparing two timing series taken in alternating rounds: the median of the per-round ratios
// B/A and a distribution-free 95% confidence interval for it. Timings on a shared machine are
// skewed and heavy-tailed (preemption, frequency changes), so no normal model is assumed: the
// interval is the sign-test one, two order statistics of the sorted ratios whose ranks come
// from Binomial(n, 1/2). Pairing by round cancels drift that hits both programs alike.

export interface RatioEstimate {
  /**
   * Independent units the interval is over: rounds, or (compareCopies) the load sets the rounds
   * ran on, when several rounds shared one.
   */
  readonly n: number;
  /** Rounds compared (when not n: compareCopies over fewer load sets than rounds). */
  readonly rounds?: number;
  /** Median of B/A over the rounds. */
  readonly median: number;
  /** 95% interval for the median ratio (exact coverage ≥ 95% for any continuous distribution). */
  readonly low: number;
  readonly high: number;
  /** Confidence the interval really has (≥ the 95% asked for; 1 − 2·P(Bin(n,½) < k)). */
  readonly coverage: number;
  /** 'faster' / 'slower' when the whole interval is below / above 1, else 'within noise'. */
  readonly verdict: 'faster' | 'slower' | 'within noise';
}

export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space (n in the thousands stays exact enough). */
export function binomHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logC = 0; // log C(n, 0)
  let sum = 0;
  const logHalfN = n * Math.log(0.5);
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    sum += Math.exp(logC + logHalfN);
  }
  return Math.min(1, sum);
}

/**
 * Ranks (1-based) of the order statistics bounding a ≥ (1 − alpha) interval for the median
 * of n values: [x_(k), x_(n+1−k)] with the largest k such that P(Bin(n,½) ≤ k−1) ≤ alpha/2.
 * Undefined below n = 6 (even the full range has < 95% coverage there).
 */
export function signInterval(n: number, alpha = 0.05): { k: number; coverage: number } | undefined {
  let k = 0;
  while (k + 1 <= n && binomHalfCdf(k, n) <= alpha / 2) k++;
  if (k === 0) return undefined;
  return { k, coverage: 1 - 2 * binomHalfCdf(k - 1, n) };
}

/** Median of a sample with its distribution-free 95% interval (undefined below 6 values). */
export function medianInterval(xs: readonly number[], alpha = 0.05): { median: number; low: number; high: number } | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  const ci = signInterval(s.length, alpha);
  return ci && { median: median(s), low: s[ci.k - 1], high: s[s.length - ci.k] };
}

/** The median ratio b[i]/a[i] of paired rounds with its interval. */
export function compareRounds(a: readonly number[], b: readonly number[], alpha = 0.05): RatioEstimate {
  if (a.length !== b.length) throw new RangeError(`paired series differ in length: ${a.length} vs ${b.length}`);
  const ratios = a.map((x, i) => b[i] / x).filter((r) => Number.isFinite(r)).sort((x, y) => x - y);
  return signEstimate(ratios, alpha, 'rounds');
}

/** Median, sign-test interval and verdict of sorted independent ratios (`unit`: what they are, for the error). */
function signEstimate(sorted: readonly number[], alpha: number, unit: string): RatioEstimate {
  const n = sorted.length;
  const ci = signInterval(n, alpha);
  if (!ci) throw new RangeError(`${n} ${unit} are too few for a ${Math.round((1 - alpha) * 100)}% interval (need at least 6)`);
  const low = sorted[ci.k - 1], high = sorted[n - ci.k];
  const verdict = high < 1 ? 'faster' : low > 1 ? 'slower' : 'within noise';
  return { n, median: median(sorted), low, high, coverage: ci.coverage, verdict };
}

/**
 * The same ratio with the load set (the JIT placement) as the unit: rounds that ran on one copy
 * share its placement, and a placement moves a program's speed by up to a few % for every round
 * it serves, so such rounds are not independent and a sign test over them is too narrow (24 copies
 * over 120 rounds called 4 of 14 A/A controls significant where 0.7 were expected). Each copy's
 * ratio is the median of its rounds' ratios; the median and the sign-test interval are then over
 * the copies. copyOf[r] is the copy round r ran on; with a fresh copy for every round this is
 * compareRounds exactly.
 */
export function compareCopies(a: readonly number[], b: readonly number[], copyOf: readonly number[], alpha = 0.05): RatioEstimate {
  if (a.length !== b.length || copyOf.length !== a.length) throw new RangeError(`paired series differ in length: ${a.length}, ${b.length}, ${copyOf.length} copy indices`);
  const byCopy = new Map<number, number[]>();
  let rounds = 0;
  a.forEach((x, r) => {
    const q = b[r] / x;
    if (!Number.isFinite(q)) return;
    rounds++;
    const list = byCopy.get(copyOf[r]);
    if (list) list.push(q);
    else byCopy.set(copyOf[r], [q]);
  });
  const perCopy = [...byCopy.values()].map(median).sort((x, y) => x - y);
  return { ...signEstimate(perCopy, alpha, 'load sets'), rounds };
}

/**
 * Slower beyond what the original shows against itself: B/A's whole interval above 1 and
 * above the A/A control's interval (a second load set of A timed in the same rounds). Under load
 * an identical pair can itself be called slower; an output stands as slower only past that.
 */
export function slowerThanControl(x: Pick<RatioEstimate, 'low'>, control: Pick<RatioEstimate, 'high'>): boolean {
  return x.low > 1 && x.low > control.high;
}

/**
 * Faster beyond what the original shows against itself: B/A's whole interval below 1 and below
 * the A/A control's interval (timed in the same rounds), the mirror of slowerThanControl. Used
 * on fresh rounds, it confirms a gain that a pick among several variants may owe to chance.
 */
export function fasterThanControl(x: Pick<RatioEstimate, 'high'>, control: Pick<RatioEstimate, 'low'>): boolean {
  return x.high < 1 && x.high < control.low;
}

/**
 * A recorded recheck of a row called slower (99.9%, latency-table.ts --recheck) clears it when its
 * interval reaches 1 or, with an A/A control of its own rounds, does not clear the control's.
 */
export function recheckClears(recheck: { alpha: number; low: number; control?: { high: number } } | undefined): boolean {
  if (!recheck || recheck.alpha > 0.001) return false;
  return recheck.control ? !slowerThanControl(recheck, recheck.control) : recheck.low <= 1;
}

/** A ratio as a signed percentage change: 0.97 → "-3.0%". */
export const pct = (r: number, digits = 1): string => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(digits)}%`;
