// The order in which `kernel bench` runs its programs. A call's speed depends on the call
// before it (branch predictors, caches, test_run's own path warmed by another program), so the
// order must give every program every predecessor equally often. Rotating one sequence (ABCD,
// BCDA, …) gives each program each *place*, but always the same predecessor: with the empty
// program (the harness) last in the list, the baseline A always ran right after it, and 20 of
// 28 A/A controls of the third latency round came out below 1 (median −0.5%): A was measured
// slow, so every B looked faster. A Williams design fixes the carry-over: over its rows every
// ordered pair (i, j) of programs appears as neighbours equally often.

/** Rows of a Williams design for n treatments: n rows for even n, 2n for odd (a row and its mirror). */
export function williamsRows(n: number): number[][] {
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  // first row 0, 1, n-1, 2, n-2, …; row r adds r (mod n) to every entry
  const first: number[] = [0];
  for (let lo = 1, hi = n - 1, k = 1; first.length < n; k++) first.push(k % 2 ? lo++ : hi--);
  const rows = Array.from({ length: n }, (_, r) => first.map((x) => (x + r) % n));
  return n % 2 ? [...rows, ...rows.map((row) => [...row].reverse())] : rows;
}

/**
 * The orders of successive call groups: each a row of the Williams design drawn at random
 * (xorshift32 from `seed`, so a bench is repeatable). Within a row every ordered pair is
 * balanced exactly; the joins between rows (the last call of one group, the first of the next)
 * would favour one predecessor if the rows came in a fixed cycle, so they are drawn instead.
 */
export function orderStream(n: number, seed = 1): () => number[] {
  const rows = williamsRows(n);
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return rows[x % rows.length];
  };
}

/** The old order: one sequence rotated by r (AB, BA, …). Kept for comparison (BenchOptions.order). */
export function roundOrder(n: number, r: number): number[] {
  return Array.from({ length: n }, (_, i) => (i + r) % n);
}

/**
 * Ordered neighbour pairs (who ran right before whom) over `groups` call groups run back to
 * back: counts[i][j] = times j ran right after i. Used by the tests to show the order balanced.
 */
export function neighbourCounts(n: number, groups: number, order: (g: number) => number[]): number[][] {
  const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let prev = -1;
  for (let g = 0; g < groups; g++) {
    for (const i of order(g)) {
      if (prev >= 0) counts[prev][i]++;
      prev = i;
    }
  }
  return counts;
}
