// A greedy start for the chain: every idiom rewrite that applies to the original, taken one
// after another while each makes the program no larger and still passes the tests (and whatever
// else `ok` checks). On mid-size programs the random walk reaches the large idioms late: on
// xdp_fwd the byte-copy and two block moves (-26 slots) took the chain 7 minutes, under load,
// to combine. The seed is only a proposal: the chain validates it like any new best (verifier
// model, Z3, kernel) and walks on from it, or away from it when a counterexample refutes it.
import type { IsaLevel } from '../isa/target.ts';
import type { Candidate } from './candidate.ts';
import { allIdioms } from './idioms.ts';

/** The greedy idiom combination from `start` (itself when no idiom helps). */
export function idiomSeed(
  start: Candidate,
  straight: ReadonlySet<number>,
  mutable: readonly number[],
  isa: IsaLevel,
  perf: (c: Candidate) => number,
  ok: (c: Candidate) => boolean,
): Candidate {
  let cur = start, p = perf(start);
  const tried = new Set<string>();
  for (let progress = true; progress;) {
    progress = false;
    for (const change of allIdioms(cur.ops, straight, mutable, isa)) {
      const key = JSON.stringify(change);
      if (tried.has(key)) continue;
      tried.add(key);
      const next = cur.with(change);
      const q = perf(next);
      // an equal size is taken too: a constant store frees a move another idiom then drops
      if (q > p || !ok(next)) continue;
      cur = next;
      p = q;
      progress = true;
      break; // the slots moved: look for idioms again on the new program
    }
  }
  return cur;
}
