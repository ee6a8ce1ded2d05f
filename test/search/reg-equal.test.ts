// Register equalities before each slot (src/search/reg-equal.ts) and their use as a window
// proof's precondition: a copy repeated on every path to it is deleted with a proof; one that is
// new on some path is refused (issue 20, xdp_router_ipv4's `r6 = r0`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { equalRegs } from '../../src/search/reg-equal.ts';
import { materialize } from '../../src/search/materialize.ts';
import { proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/reg-equal');
const equiv = new EquivService();
t.after(() => equiv.close());

// slot 3 copies r0 into r6 on one path only (the paths meet at 4); slot 6 repeats slot 5's copy
const SRC = `r0 = *(u32 *)(r1 + 0)
r6 = *(u32 *)(r1 + 4)
if r0 == 0 goto +1
r6 = r0
r7 = r0
r0 = r6
r6 = r0
r0 += r6
exit`;
const prog = (src: string): Program => bareProgram(assemble(src).insns, 'xdp');
const eqBefore = (e: Uint8Array, pc: number, a: number, b: number): boolean => e[pc * 11 + a] === e[pc * 11 + b];

t('copies make registers equal; a join keeps only what holds on both paths; a write ends it', () => {
  const p = prog(SRC);
  const ops = toOps(p.insns);
  const e = equalRegs({ ops, end: ops.length });
  assert.not.ok(eqBefore(e, 4, 0, 6), 'at the join (slot 4): only one path copied');
  assert.ok(eqBefore(e, 5, 0, 7), 'after r7 = r0');
  assert.ok(eqBefore(e, 6, 0, 6), 'after r0 = r6');
  assert.not.ok(eqBefore(e, 6, 0, 7), 'r0 = r6 wrote r0: r7 keeps the old value');
  assert.ok(eqBefore(e, 7, 0, 6), 'after the repeated copy');
  assert.not.ok(eqBefore(e, 8, 0, 6), 'r0 += r6 wrote r0');
  assert.ok(eqBefore(e, 0, 1, 1));
  assert.not.ok(eqBefore(e, 0, 0, 1), 'nothing equal at the entry');
});

t('a copy already made on every path is deleted with a proof; one new on a path is refused', async () => {
  const p = prog(SRC);
  const orig = Original.of(p);
  const redundant = Candidate.initial(orig).with([[6, null]]);
  const proof = await proveEquivalent(equiv, redundant, materialize(redundant).insns);
  assert.ok(proof.ok, JSON.stringify(proof));
  const needed = Candidate.initial(orig).with([[3, null]]);
  const refused = await proveEquivalent(equiv, needed, materialize(needed).insns);
  assert.not.ok(refused.ok, 'r6 = r0 at slot 3 changes r6 on its path');
});

t.run();
