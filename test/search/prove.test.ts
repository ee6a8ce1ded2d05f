// Proofs the optimizer requires: the whole program, or else every changed window with the
// registers live after it (in either program), typed by the pointer-kind analysis.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { materialize } from '../../src/search/materialize.ts';
import { liveness, changedWindows, proveEquivalent } from '../../src/search/prove.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/prove');
/** This file's Z3 process, closed when the suite ends. */
const equiv = new EquivService();
t.after(() => equiv.close());
const bits = (m: number): number[] => [...Array(11).keys()].filter((r) => m & (1 << r));

t('liveness: reads before writes, through branches, a helper reads its prototype\'s arguments and clobbers r0-r5', () => {
  const ops = toOps(assemble('r2 = 1\nr3 = r2\nif r1 == 0 goto +1\nr0 = r3\ncall 1\nr0 = r6\nexit').insns);
  const live = liveness(ops, ops.length, () => false, 'xdp');
  assert.equal(bits(live[0]), [1, 6, 10], 'map_lookup_elem reads r1 and r2 only');
  assert.equal(bits(live[1]), [1, 2, 6, 10]);
  assert.equal(bits(live[4]), [1, 2, 6, 10], 'a call reads its arguments');
  assert.equal(bits(live[5]), [6, 10]);
  const unknown = toOps(assemble('call 9999\nr0 = 0\nexit').insns);
  assert.equal(bits(liveness(unknown, unknown.length, () => false, 'xdp')[0]), [1, 2, 3, 4, 5, 10], 'no prototype: r1-r5');
});

t('changed windows: straight-line runs, split at jump targets, only those with a change', () => {
  const orig = Original.of(bareProgram(assemble('r0 = 1\nr2 = 2\nif r1 == 0 goto +2\nr3 = 3\nr4 = 4\nr5 = 5\nexit').insns, 'xdp'));
  const cand = Candidate.initial(orig).with([[1, null], [5, null]]);
  assert.equal(changedWindows(cand), [[0, 2], [5, 6]], 'slot 5 is a jump target: its own window');
});

/** A candidate with some slots replaced (null = deleted). */
function candidate(src: string, changes: Record<number, Op | null>) {
  const program = bareProgram(assemble(src).insns, 'xdp');
  const slots: Slot[] = toOps(program.insns);
  for (const [pc, op] of Object.entries(changes)) slots[Number(pc)] = op;
  const cand = Candidate.of(Original.of(program), slots, Object.keys(changes).map(Number).filter((pc) => changes[pc] === null));
  return { cand, insns: materialize(cand).insns };
}

// a bounded loop: the whole-program encoder gives up (backward jump), the windows decide
const LOOP = `
  r0 = 0
  r2 = 5
  r3 = r2
loop:
  r0 += 3
  r2 += -1
  if r2 != 0 goto loop
  exit`;

t('a loop program: a dead copy deleted is proved by its window', async () => {
  const c = candidate(LOOP, { 2: null });
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.ok(p.ok, JSON.stringify(p));
  assert.match(p.ok ? p.how : '', /changed window/);
});

t('a loop program: a change to a live value is refused', async () => {
  const c = candidate(LOOP, { 1: { kind: 'alu', op: 'mov', width: 64, dst: 2, src: { imm: 4 } } });
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.is(p.ok, false);
  assert.is(!p.ok && p.stage, 'z3');
});

t('memory through a register of unknown kind is undecided, not guessed', async () => {
  // r4 comes from the stack (a spilled pointer, for all we know): a store through it might alias
  const src = `
  r2 = r10
  *(u64 *)(r10 - 8) = r2
  r4 = *(u64 *)(r10 - 8)
  r0 = 0
loop:
  *(u32 *)(r4 + 0) = 1
  *(u32 *)(r4 + 0) = 1
  r0 += 1
  if r0 != 2 goto loop
  exit`;
  const c = candidate(src, { 5: null });
  const p = await proveEquivalent(equiv, c.cand, c.insns);
  assert.is(p.ok, false);
  assert.is(!p.ok && p.stage, 'z3-unknown');
});

t.run();
