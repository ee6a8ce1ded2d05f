// Jump threading (src/search/latency-jump-thread.ts): a conditional jump sent past a test its own
// condition decides, or any jump past a `goto`. Proposed only where the decision holds for every
// value (a property over the compares and widths); proved by the whole-program query (a changed
// jump has no window); a wrong variant (sent to the other side of the test) refused by Z3 with
// the input that tells them apart; the executed-cost estimate credits the skipped test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type JcondName, type Op, type Width } from '../../src/isa/op.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { holds, threadJumps, threadSavings } from '../../src/search/latency-jump-thread.ts';
import { materialize } from '../../src/search/materialize.ts';
import { changesControl } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/latency-jump-thread');
const equiv = new EquivService();
t.after(() => equiv.close());

/** The packet's length in r3, tested twice: `if r3 != 60` lands on `if r3 == 60`, which it decides (not taken). */
function twice(): Program {
  return bareProgram(assemble(`r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
r0 = 1
if r3 != 60 goto +2
r0 = 2
exit
if r3 == 60 goto +2
r0 = 3
exit
r0 = 4
exit`).insns, 'xdp');
}
const RIGHT = { kind: 'jcond', op: 'jne', width: 64, dst: 3, src: { imm: 60 }, off: 3 } as const;
const WRONG = { ...RIGHT, off: 5 } as const;

t('proposed: the jump sent past the test it decides, the test deleted (the jump was its only way in)', () => {
  assert.equal(threadJumps(toOps(twice().insns)), [[[4, RIGHT], [7, null]]]);
});

t('a jump landing on a goto goes where the goto goes; the goto stays when it has another way in', () => {
  const ops = toOps(assemble(`r0 = 1
if r0 > 100 goto +1
r0 = 2
goto +1
r0 = 3
exit`).insns);
  assert.equal(threadJumps(ops), [[[1, { kind: 'jcond', op: 'jgt', width: 64, dst: 0, src: { imm: 100 }, off: 3 }]]]);
});

t('not proposed when the test is on another register, another width, or not decided', () => {
  for (const second of ['if r4 == 60 goto +2', 'if w3 == 60 goto +2', 'if r3 > 60 goto +2']) {
    const ops = toOps(assemble(`r3 = 1
r4 = 2
if r3 != 60 goto +2
r0 = 2
exit
${second}
r0 = 3
exit
r0 = 4
exit`).insns);
    assert.equal(threadJumps(ops), [], second);
  }
});

const CONDS: JcondName[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
const IMMS = [0, 1, 5, -1, -5, 60, 0x7fffffff, -0x80000000];
/** Values around every immediate, as both widths see them. */
const values = (w: Width): bigint[] => IMMS.flatMap((k) => [-1n, 0n, 1n].map((d) => BigInt.asUintN(w, BigInt(k) + d))).concat([BigInt.asUintN(w, 1n << BigInt(w - 1)), BigInt.asUintN(w, (1n << BigInt(w - 1)) - 1n)]);

t('property: a threaded jump goes where the test would have sent every value its condition lets through', () => {
  fc.assert(fc.property(fc.constantFrom(...CONDS), fc.constantFrom(...IMMS), fc.constantFrom(...CONDS), fc.constantFrom(...IMMS), fc.constantFrom<Width>(32, 64), (op1, k1, op2, k2, w) => {
    const j: Op = { kind: 'jcond', op: op1, width: w, dst: 1, src: { imm: k1 }, off: 1 };
    const test: Op = { kind: 'jcond', op: op2, width: w, dst: 1, src: { imm: k2 }, off: 1 };
    const slots: Slot[] = [j, { kind: 'exit' }, test, { kind: 'exit' }, { kind: 'exit' }];
    const found = threadJumps(slots).find((c) => c[0][0] === 0);
    if (!found) return;
    const to = 1 + (found[0][1] as Extract<Op, { kind: 'jcond' }>).off;
    const u = (k: number): bigint => BigInt.asUintN(w, BigInt(k));
    for (const v of values(w)) {
      if (!holds(op1, v, u(k1), w)) continue;
      assert.is(to, holds(op2, v, u(k2), w) ? 4 : 3, `${op1} ${k1} then ${op2} ${k2} at ${w} bits, value ${v}`);
    }
  }), { numRuns: 2000 });
});

t('the threaded program is proved by the whole-program query (no window covers a changed jump)', async () => {
  const p = twice();
  const cand = Candidate.initial(Original.of(p)).with([[4, RIGHT], [7, null]]);
  assert.ok(changesControl(cand));
  // (the query prove.ts sends for such a candidate, here bounded by Z3's rlimit alone, not a clock)
  const proof = await equiv.programEquiv(p, materialize(cand).insns);
  assert.is(proof.equal, true, JSON.stringify(proof));
});

t('a wrong variant (sent to the taken side of the test) is refused by Z3 with a counterexample', async () => {
  const p = twice();
  const cand = Candidate.initial(Original.of(p)).with([[4, WRONG], [7, null]]);
  const proof = await equiv.programEquiv(p, materialize(cand).insns);
  assert.is(proof.equal, false, 'r0 is 4 instead of 3 when the packet is not 60 bytes');
  const len = proof.equal === false ? proof.counterexample.packet.length : -1;
  assert.ok(len >= 0 && len !== 60, `the input that tells them apart: a packet of ${len} bytes`);
});

t('the executed cost credits the skipped test, times how often the taken edge ran', () => {
  const orig = toOps(twice().insns);
  const slots = orig.slice();
  slots[4] = RIGHT;
  slots[7] = null;
  // 4 runs once per input, falls through to 5 on a tenth of them: the edge to 7 runs 0.9 times
  const weights = Float64Array.from([1, 1, 1, 1, 1, 0.1, 0.1, 0.9, 0.9, 0.9, 0, 0]);
  assert.ok(Math.abs(threadSavings(slots, orig, weights, () => 2) - 1.8) < 1e-9);
  assert.is(threadSavings(orig, orig, weights, () => 2), 0, 'nothing retargeted, nothing saved');
});

t.run();
