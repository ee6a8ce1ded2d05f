// When a repeated measurement has stopped falling: the rule verifier-incremental.ts's --steady
// applies to the CPU time per re-check of successive windows of re-checks (a fresh process's
// first re-checks include V8 compiling the code), and verifier-cpu.ts's --steady to the lowest
// batch of cold checks in each window (settleWindows). Settled once `patience` windows in a row came
// no lower than `gain` times the lowest window before each of them: a window above the lowest
// (another process's burst) does not restart the wait, a new low by more than the margin does.

export class Settling {
  private best = Infinity;
  private since = 0;
  /** The windows added, in order. */
  readonly windows: number[] = [];

  constructor(readonly gain = 0.95, readonly patience = 5) {
    if (!(gain > 0 && gain <= 1)) throw new Error(`settle: gain must be in (0, 1], not ${gain}`);
    if (!(Number.isInteger(patience) && patience >= 1)) throw new Error(`settle: patience must be a positive integer, not ${patience}`);
  }

  /** Add one window's figure; true once the figures have stopped falling. */
  add(w: number): boolean {
    this.windows.push(w);
    if (w < this.gain * this.best) this.since = 0;
    else this.since++;
    if (w < this.best) this.best = w;
    return this.since >= this.patience;
  }
}

/** How a series of batches settled (settleWindows). */
export interface SettledRun {
  /** Each window's figure per series (the lowest batch of the window), in order. */
  readonly windows: number[][];
  /** Batches run. */
  readonly batches: number;
  /** Stopped at the window cap before every series had settled. */
  readonly capped: boolean;
}

/**
 * Run `batch` (one figure per series, e.g. CPU ms per check of each tree) in windows of
 * `perWindow` batches until every series has settled by a Settling rule of its own, on each
 * window's lowest batch, or `maxWindows` windows have run. The lowest batch, not the mean: the
 * figure the caller reports is a minimum, and a window that holds one of V8's background compiles
 * or a neighbour's burst still shows the level the code has reached.
 */
export function settleWindows(batch: () => readonly number[], perWindow: number, maxWindows: number, gain = 0.95, patience = 5): SettledRun {
  if (!(Number.isInteger(perWindow) && perWindow >= 1)) throw new Error(`settle: batches per window must be a positive integer, not ${perWindow}`);
  if (!(Number.isInteger(maxWindows) && maxWindows >= 1)) throw new Error(`settle: the window cap must be a positive integer, not ${maxWindows}`);
  let rules: Settling[] | undefined;
  let batches = 0;
  for (let w = 0; w < maxWindows; w++) {
    let low: number[] | undefined;
    for (let i = 0; i < perWindow; i++) {
      const xs = batch();
      batches++;
      low = low ? low.map((x, k) => Math.min(x, xs[k])) : [...xs];
    }
    rules ??= low!.map(() => new Settling(gain, patience));
    // every rule sees every window (no short-circuit): each series' history stays complete
    const said = rules.map((r, k) => r.add(low![k]));
    if (said.every(Boolean)) return { windows: rules.map((r) => r.windows), batches, capped: false };
  }
  return { windows: rules!.map((r) => r.windows), batches, capped: true };
}
