// Candidate: an explicit deleted bitset over a once-decoded original (null is only ever an
// lddw's second half), its wire form across threads, and the walk from an ELF object through
// the search to the writer decoding the program once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { toOpsCalls } from '../../src/isa/op.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { readObject } from '../../src/isa/object.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { materialize } from '../../src/search/materialize.ts';
import { perf } from '../../src/search/cost.ts';
import { optimize } from '../../src/search/optimize.ts';
import { writeOptimized } from '../../src/search/output.ts';

// the kernel oracle is not what this test is about (and decodes nothing of ours): leave it out
process.env.BPFSYNTH_NO_KERNEL = '1';

const t = suite('search/candidate');
const WITH_LDDW = bareProgram(assemble('r0 = 0\nr2 = 0x100000001 ll\nr3 = 1\nr0 += r3\nexit').insns, 'xdp');

t('deleted is a bitset: an lddw\'s second half is null but not deleted', () => {
  const o = Original.of(WITH_LDDW);
  assert.is(o.ops[2], null, 'slot 2 is the lddw\'s second half');
  const c = Candidate.initial(o).with([[3, null]]);
  assert.equal([...c.deleted], [0, 0, 0, 1, 0, 0]);
  assert.not.ok(c.isDeleted(2));
  assert.ok(c.isDeleted(3));
  assert.equal([...c.deletedSet()], [3]);
  assert.ok(c.changed(3) && !c.changed(2) && !c.changed(0));
  // size: 6 slots, one deleted; the lddw's second half still counts
  assert.is(Math.floor(perf(c, 'size')), 5);
  const m = materialize(c);
  assert.is(m.insns.length, 5);
  assert.equal(m.insns.slice(0, 3), WITH_LDDW.insns.slice(0, 3), 'the lddw kept, both halves');
  // putting an op back undeletes the slot
  assert.not.ok(c.with([[3, o.ops[3]]]).isDeleted(3));
});

t('the wire form carries changed and deleted slots only, and comes back the same', () => {
  const o = Original.of(WITH_LDDW);
  const c = Candidate.initial(o).with([[0, { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 7 } }], [3, null]]);
  const w = c.toWire();
  assert.equal(w.deleted, [3]);
  assert.equal(w.set.map(([pc]) => pc), [0]);
  const back = Candidate.fromWire(o, structuredClone(w));
  assert.equal(back.ops, c.ops);
  assert.equal([...back.deleted], [...c.deleted]);
});

t('the original\'s analyses are computed once and kept', () => {
  const o = Original.of(WITH_LDDW);
  assert.is(Original.of(WITH_LDDW), o, 'one Original per program');
  assert.is(o.liveness, o.liveness);
  assert.is(o.kinds, o.kinds);
  assert.ok(o.jumpTargets.size === 0);
});

t('ELF -> optimize -> writer decodes the program once (in this process)', async () => {
  const before = toOpsCalls();
  const obj = readObject(new Uint8Array(readFileSync('corpus/xdp_swap_tx.o')));
  const program = obj.link();
  const r = await optimize(program, { budgetMs: 1e9, maxIterations: 1500, seed: 1, objective: 'size', chains: 1 });
  writeOptimized(obj, r.candidate);
  assert.ok(r.stats.iterations === 1500, 'the search ran');
  assert.is(toOpsCalls() - before, 1, 'decodes of a program');
});

t.run();
