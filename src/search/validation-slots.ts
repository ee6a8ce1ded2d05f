// The validations one chain has out at once (they queue for one kernel oracle and one Z3
// anyway), and the best candidate waiting for a free slot. Without the waiting place, a new
// best found while every slot was busy was stood on but never validated, and the chain went
// back to an older best when an answer came (issue 20: xdp_router_ipv4 sat at 100 for 587 s
// with a proved 99 among its moves).

/** A candidate offered for validation: what the chain needs back, and its cost (lower is better). */
export interface Offer<T> {
  key: string;
  item: T;
  perf: number;
}

export type OfferResult = 'started' | 'already out' | 'waiting' | 'refused';

export class ValidationSlots<T> {
  private readonly out = new Map<string, Promise<void>>();
  private waiting: Offer<T> | undefined;

  /**
   * `start` begins a validation and returns its promise (which should not reject), or
   * undefined when the candidate is refused at once (a check that answers without waiting).
   */
  constructor(
    private readonly max: number,
    private readonly start: (offer: Offer<T>) => Promise<unknown> | undefined,
  ) {}

  /** Validations out or waiting: the chain must not return before this is false. */
  get busy(): boolean {
    return this.out.size > 0 || this.waiting !== undefined;
  }

  get outCount(): number {
    return this.out.size;
  }

  /**
   * Validate `offer` now if a slot is free; otherwise keep it as the waiting candidate when it
   * is cheaper than the one waiting (an older, costlier one is then dropped: it cannot become
   * the best once this one is proved).
   */
  offer(offer: Offer<T>): OfferResult {
    if (this.out.has(offer.key)) return 'already out';
    if (this.out.size >= this.max) {
      if (this.waiting === undefined || offer.perf < this.waiting.perf) this.waiting = offer;
      return 'waiting';
    }
    return this.launch(offer) ? 'started' : 'refused';
  }

  /**
   * Start the waiting candidate if a slot has freed and it is still `wanted` (cheaper than the
   * best validated so far). The chain calls this where it takes in answers, so whatever the
   * start does to the chain's state happens between its steps.
   */
  refill(wanted: (perf: number) => boolean): void {
    while (this.waiting !== undefined && this.out.size < this.max) {
      const w = this.waiting;
      this.waiting = undefined;
      if (wanted(w.perf) && !this.out.has(w.key)) this.launch(w);
    }
  }

  /** Resolves when any validation out settles (at once when none is out). */
  async settled(): Promise<void> {
    if (this.out.size) await Promise.race(this.out.values());
  }

  private launch(offer: Offer<T>): boolean {
    const job = this.start(offer);
    if (job === undefined) return false;
    const done = job.then(() => undefined, () => undefined).finally(() => this.out.delete(offer.key));
    this.out.set(offer.key, done);
    return true;
  }
}
