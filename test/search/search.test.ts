// The optimizer's parts: the definedness pre-filter, materialization with real deletion, the
// chain's determinism, and refusal of improvements that fail validation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { firstUndefinedRead } from '../../src/search/prefilter.ts';
import { pointerKinds, NOT_INIT, PKT, PKT_END, STACK, U } from '../../src/search/ptrkinds.ts';
import { materialize } from '../../src/search/materialize.ts';
import { runChain } from '../../src/search/chain.ts';
import { toOps } from '../../src/isa/op.ts';
import { readObject } from '../../src/isa/object.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';

const t = suite('search');
const asm = (s: string) => assemble(s).insns;

t('pre-filter: reads of undefined registers, through branches and calls', () => {
  assert.is(firstUndefinedRead(asm('r0 = r1\nexit')), -1);
  assert.is(firstUndefinedRead(asm('r0 = r2\nexit')), 0);
  assert.is(firstUndefinedRead(asm('r0 = 0\nif r1 == 0 goto l\nr2 = 1\nl:\nr0 = r2\nexit')), 3, 'r2 is defined on one path only');
  assert.is(firstUndefinedRead(asm('r2 = 1\ncall bpf_ktime_get_ns\nr0 = r2\nexit')), 2, 'a call leaves r1-r5 undefined');
  assert.is(firstUndefinedRead(asm('r6 = 1\ncall bpf_ktime_get_ns\nr0 = r6\nexit')), -1, 'r6-r9 survive calls');
  assert.is(firstUndefinedRead(asm('exit')), 0, 'r0 must be defined at exit');
});

t('pre-filter: a bpf-to-bpf callee starts with the arguments its callers define', () => {
  const callee = 'f:\nr0 = r2\nexit';
  assert.is(firstUndefinedRead(asm(`r2 = 1\ncall f\nexit\n${callee}`)), -1);
  assert.is(firstUndefinedRead(asm(`call f\nexit\n${callee}`)), 2, 'r2 is not passed');
  assert.is(firstUndefinedRead(asm(`r2 = 1\ncall f\ncall f\nexit\n${callee}`)), 4, 'the second call passes an undefined r2');
  assert.is(firstUndefinedRead(asm('r6 = 1\ncall f\nexit\nf:\nr0 = r6\nexit')), 3, 'a callee has r6-r9 of its own');
});

t('pointer kinds flow into callees: their r1-r5 as the callers pass them, r10 their own stack', () => {
  const ops = toOps(asm('r2 = *(u32 *)(r1 + 4)\nr1 = *(u32 *)(r1 + 0)\nr3 = r10\ncall f\nexit\nf:\nr0 = 0\nexit'));
  const { rows } = pointerKinds(ops, ops.length, 'xdp', () => false);
  const at = 5 * 11;
  assert.equal([...rows.subarray(at, at + 6)], [NOT_INIT, PKT, PKT_END, STACK, NOT_INIT, NOT_INIT], 'r0 and the arguments not passed are not_init');
  assert.is(rows[at + 10], STACK);
  // two call sites passing different kinds: unknown
  const two = toOps(asm('r1 = 0\ncall f\nr1 = r10\ncall f\nexit\nf:\nr0 = 0\nexit'));
  assert.is(pointerKinds(two, two.length, 'xdp', () => false).rows[5 * 11 + 1], U);
  // misuse inside a callee is caught: 32-bit arithmetic on the packet pointer it was passed
  const bad = toOps(asm('r1 = *(u32 *)(r1 + 0)\ncall f\nexit\nf:\nw1 += 1\nr0 = 0\nexit'));
  assert.is(pointerKinds(bad, bad.length, 'xdp', () => false).misuse, 3);
});

t('materialize removes deleted slots and re-targets jumps', () => {
  const insns = asm('r0 = 1\nr2 = 2\nif r1 == 0 goto end\nr0 = 2\nend:\nexit');
  const m = materialize(Candidate.initial(Original.of(bareProgram(insns, 'xdp'))).with([[1, null]]));
  assert.is(m.insns.length, 4);
  assert.equal([...m.oldToNew], [0, -1, 1, 2, 3]);
  assert.equal(toOps(m.insns)[1], { kind: 'jcond', op: 'jeq', width: 64, dst: 1, src: { imm: 0 }, off: 1 });
});

const redundant = bareProgram(asm(`
  r0 = 0
  r2 = 5
  r2 = 5
  r0 += r2
  r0 += 0
  exit`), 'xdp');

t('a chain finds deletions, and the same seed and iteration count give the same result', async () => {
  const run = (seed: number) => runChain(redundant, { budgetMs: 60_000, maxIterations: 3000, seed, objective: 'size' });
  const a = await run(7);
  assert.ok(a.stats.bestPerf <= 4, `best ${a.stats.bestPerf}`);
  assert.ok(a.candidate.deletedSet().size >= 2);
  const b = await run(7);
  assert.equal(b.best, a.best);
  assert.equal(b.stats.accepted, a.stats.accepted);
});

t('an improvement that fails validation is never the result', async () => {
  const r = await runChain(redundant, { budgetMs: 300, seed: 3, objective: 'size', validate: async () => ({ ok: false, stage: 'z3', reason: 'refused for the test' }) });
  assert.is(r.stats.bestPerf, r.stats.originalPerf);
  assert.is(r.candidate.deletedSet().size, 0);
  assert.ok((r.stats.rejectedValidation.z3 ?? 0) > 0);
});

t('corpus program: validated search keeps the program loadable-shaped (no unvalidated result)', async () => {
  const p = readObject(new Uint8Array(readFileSync('corpus/xdp_pktcntr.o'))).link();
  const r = await runChain(p, { budgetMs: 300, seed: 1, objective: 'size', validate: async () => ({ ok: false, stage: 'unavailable', reason: 'no validator in this test' }) });
  assert.equal(r.best, [...p.insns]);
});

t.run();
