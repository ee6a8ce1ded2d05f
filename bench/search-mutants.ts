// Candidates of one program as the optimizer proposes them (src/search/proposals.ts's moves off
// the original: one operand changed, an instruction replaced or deleted, two neighbours replaced,
// an idiom), for timing re-checks the way a search makes them. Two differences from a chain,
// both stated where the figures are reported: every proposal starts from the original (a chain
// walks away from it), and by default a deleted slot becomes `goto +0` in place so the length
// stays (the chain removes the slot: `searchCandidates(..., deletions)` does too).
import type { Insn } from '../src/isa/insn.ts';
import { fromOp } from '../src/isa/op.ts';
import { deleteSlots } from '../src/isa/edit.ts';
import type { Program } from '../src/isa/program.ts';
import { Original } from '../src/search/candidate.ts';
import { rng } from '../src/search/chain.ts';
import { proposalContext, propose } from '../src/search/proposals.ts';

/** The kinds of instruction a chain may change (chain.ts's STRAIGHT). */
const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);

const keyOf = (x: Insn): string => `${x.code},${x.dst},${x.src},${x.off},${x.imm}`;

/** A candidate, and for one of another length each original slot's slot in it (-1: deleted). */
export interface SearchCandidate {
  prog: Program;
  oldToNew?: Int32Array;
}

/**
 * Up to `count` distinct candidates of `p` (each differs from `p` and from the others), drawn
 * with a fixed seed; fewer when the program has no straight-line slot or the draws repeat.
 * `deletions`: a deleted slot is removed as the chain's materialize removes it (jumps
 * re-targeted; the candidate carries its renumbering) instead of becoming `goto +0`.
 */
export function searchCandidates(p: Program, count: number, seed = 1, deletions = false): SearchCandidate[] {
  const original = Original.of(p).ops;
  const mutable = original.map((o, i) => (o && STRAIGHT.has(o.kind) ? i : -1)).filter((i) => i >= 0);
  if (!mutable.length) return [];
  const ctx = proposalContext(original, mutable, rng(seed));
  const nop = fromOp({ kind: 'ja', off: 0, long: false })[0];
  const seen = new Set<string>();
  const out: SearchCandidate[] = [];
  for (let tries = 0; out.length < count && tries < count * 20; tries++) {
    let insns = p.insns.slice();
    const del = new Set<number>();
    for (const [pc, op] of propose(ctx, original, original)) {
      if (!op && deletions && original[pc] && original[pc]!.kind !== 'lddw') {
        del.add(pc);
        continue;
      }
      const enc = op ? fromOp(op) : [nop];
      // a move that would change the length (an lddw in or out) is not taken
      if (enc.length !== 1 || (original[pc] && original[pc]!.kind === 'lddw')) continue;
      insns[pc] = enc[0];
    }
    let oldToNew: Int32Array | undefined;
    if (del.size) ({ insns, oldToNew } = deleteSlots(insns, del));
    const key = insns.map(keyOf).join(';');
    if (seen.has(key) || (!del.size && insns.every((x, i) => keyOf(x) === keyOf(p.insns[i])))) continue;
    seen.add(key);
    out.push(oldToNew ? { prog: { ...p, insns }, oldToNew } : { prog: { ...p, insns } });
  }
  return out;
}

/** searchCandidates' programs, deletions as `goto +0` (every candidate of the original's length). */
export function searchMutants(p: Program, count: number, seed = 1): Program[] {
  return searchCandidates(p, count, seed).map((c) => c.prog);
}
