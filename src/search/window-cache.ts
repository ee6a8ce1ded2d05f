// Verdicts of window proofs by canonical form, so a repeat answers at once: the search meets
// the same rewrite again and again (in one window, in another window with the same code and
// context, in another chain), and a refuted one must not cost a second proof.
//
// The canonical form is everything the proof's answer depends on and nothing else: both
// windows' encoded instructions, the live-out set, the live-in pointer types, the program type
// and the maps' shapes. Registers are not renamed: a renamed window has other live sets, and
// keeping the key literal keeps it obviously sound.
import { encodeBytes } from '../isa/insn.ts';
import { fromOp, type Op } from '../isa/op.ts';
import type { MapDef, ProgType } from '../isa/program.ts';
import type { WindowRegType } from '../smt/equiv.ts';

export type WindowVerdict =
  | { readonly kind: 'proved' }
  | { readonly kind: 'refuted' }
  /** Z3 could not decide (resource limit, unsupported instruction): not retried in this run. */
  | { readonly kind: 'unknown'; readonly reason: string };

export interface WindowContext {
  readonly liveOut: number;
  readonly regTypes: Readonly<Record<number, WindowRegType>>;
  readonly progType: ProgType;
  readonly maps: readonly MapDef[];
}

const hex = (ops: readonly Op[]): string => Buffer.from(encodeBytes(ops.flatMap(fromOp))).toString('hex');

export function windowKey(before: readonly Op[], after: readonly Op[], c: WindowContext): string {
  const maps = c.maps.map((m) => `${m.type}/${m.keySize}/${m.valueSize}/${m.maxEntries}`).join(',');
  return `${hex(before)}|${hex(after)}|${c.liveOut}|${JSON.stringify(c.regTypes)}|${c.progType}|${maps}`;
}

export class WindowCache {
  private readonly m = new Map<string, WindowVerdict>();
  /** Answers given from the cache, and proofs asked for. */
  hits = 0;
  misses = 0;

  get(key: string): WindowVerdict | undefined {
    const v = this.m.get(key);
    if (v) this.hits++;
    else this.misses++;
    return v;
  }

  set(key: string, v: WindowVerdict): void {
    this.m.set(key, v);
  }

  get size(): number {
    return this.m.size;
  }

  /** Counts by verdict, for the summary. */
  counts(): Record<WindowVerdict['kind'], number> {
    const c = { proved: 0, refuted: 0, unknown: 0 };
    for (const v of this.m.values()) c[v.kind]++;
    return c;
  }
}
