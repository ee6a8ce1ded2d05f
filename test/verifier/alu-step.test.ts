// run()'s short way through an ALU instruction (analyze.ts explore: taken when no log or trace is
// kept) against its general body (taken for every instruction when the run logs): the same
// verdicts, counts and stack depths, so the same pruning (which reads the stack liveness the short
// way records) and the same rejections, for corpus programs and random one-slot changes of them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { insnWith } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { type Verdict, verify } from '../../src/verifier/analyze.ts';
import { oneSlotChange } from './mutants.ts';

const t = suite('verifier/alu-step');
const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

/** What a verdict says but its log. */
const counts = (v: Verdict) => ({ ok: v.ok, error: v.error, processed: v.processed, totalStates: v.totalStates, peakStates: v.peakStates, maxStatesPerInsn: v.maxStatesPerInsn, stackDepths: v.stackDepths, idGen: v.idGen });

/** Programs with straight ALU code, loops, stack spills, calls (a log of xdp_balancer is slow: left out). */
const PROGRAMS = ['xdp_scale_mix500', 'xdp_loop', 'xdp_csum_loop', 'xdp_parse_drop', 'xdp_subprogs', 'xdp_lb_hash', 'core_task', 'tc_edit'];

for (const name of PROGRAMS) {
  t(`${name}: the short way and the general body give the same verdict and counts (the program, then random one-slot changes)`, () => {
    const p = load(name);
    const plain = verify(p);
    assert.ok(plain.processed > 0);
    assert.equal(counts(plain), counts(verify(p, { states: true })));
    let rejected = 0;
    fc.assert(fc.property(oneSlotChange(p), ({ prog }) => {
      const a = verify(prog), b = verify(prog, { states: true });
      if (!a.ok) rejected++;
      assert.equal(counts(a), counts(b));
    }), { numRuns: 40, seed: 27 });
    // (the rejections include ALU instructions' own: the short way's return)
    assert.ok(rejected > 0, `${rejected} rejected`);
  });
}

t('an ALU instruction rejected on the short way: the same message and instruction as the general body', () => {
  const p = load('xdp_scale_mix500');
  // its first `rX += K` (slot 4) made `rX += r9`: r9 is set nowhere before it, so the read is rejected
  const insns = p.insns.slice();
  const at = insns.findIndex((x) => x.code === 0x07);
  assert.is(at, 4);
  insns[at] = insnWith(insns[at], { code: 0x0f, src: 9, imm: 0 });
  const q = { ...p, insns };
  const a = verify(q), b = verify(q, { states: true });
  assert.is(a.ok, false);
  assert.equal(a.error, { index: at, message: 'R9 !read_ok' });
  assert.equal(counts(a), counts(b));
});

t.run();
