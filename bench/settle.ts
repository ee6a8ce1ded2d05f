// When a repeated measurement has stopped falling: the rule verifier-incremental.ts's --steady
// applies to the CPU time per re-check of successive windows of re-checks (a fresh process's
// first re-checks include V8 compiling the code). Settled once `patience` windows in a row came
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
