// Histories for the precision-walk tests: pieces recorded as the exploration records them, and
// the notes an exploration would give an instruction.
import type { Op } from '../../src/isa/op.ts';
import { newHist, noteStep, recordStep, LINKED, OPAQUE, type Hist } from '../../src/verifier/precision.ts';

/** A piece of history that executed instructions `pcs` with notes `aux` (-1: none), recorded as the exploration records it. */
export function hist(pcs: number[], aux: number[], prev?: Hist): Hist {
  const h = newHist(prev);
  pcs.forEach((pc, i) => {
    recordStep(h, pc);
    if (aux[i] !== -1) noteStep(h, aux[i]);
  });
  return h;
}

/** An entry's note as the exploration writes it, from a random number x: a slot or an opaque access for memory, linked registers for a jump. */
export const auxFor = (op: Op, x: number): number => {
  if (op.kind === 'ldx' || op.kind === 'stx') return x % 7 === 6 ? OPAQUE : x % 7 === 5 ? -1 : x % 5;
  if (op.kind === 'jcond') return x % 3 === 0 ? LINKED | (x & 0x3ff) : -1;
  return -1;
};
