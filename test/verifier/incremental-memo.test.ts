// A resumed re-check shares the baseline's memo of results by instruction and input objects
// (analyze.ts Ctx.memo, pc-memo.ts): what it holds at a candidate's changed slots must never
// answer there, neither the baseline's results nor an earlier candidate's.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import type { Program } from '../../src/isa/program.ts';
import { type Verdict, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';

const t = suite('verifier/incremental-memo');

const xdp = (src: string): Program => ({ name: 'prog', section: 'xdp', type: 'xdp', insns: assemble(src).insns, maps: [], license: 'GPL', funcs: [{ name: 'prog', start: 0 }] });

// A packet pointer moved by a loaded byte at `move` (the memo keeps the pointer's new variable
// part by the two input objects, which a resumed run meets again: the snapshot's), then read
// after a bounds check: accepted when it moves forward, rejected (negative minimum) backward.
const prog = (first: string, move: string): Program => xdp(`r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
${first}
r4 = r2
r4 += 1
if r4 > r3 goto out
r5 = *(u8 *)(r2 + 0)
${move}
r4 = r2
r4 += 1
if r4 > r3 goto out
r0 = *(u8 *)(r2 + 0)
out:
r0 = 2
exit`);

const counts = (v: Verdict) => [v.ok, v.error, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths];

const base = prog('r9 = 0', 'r2 += r5');
// (the baseline's maps, as a search's candidates have them: other maps are checked in full)
const back: Program = { ...base, insns: prog('r9 = 0', 'r2 -= r5').insns };
const early: Program = { ...base, insns: prog('r9 = 1', 'r2 += r5').insns };

t('the programs: forward accepted, backward rejected at the read', () => {
  assert.is(verify(base).ok, true);
  const v = verify(back);
  assert.is(v.ok, false);
  assert.match(v.error!.message, /min value is negative/);
  assert.is(verify(early).ok, true);
});

t("a candidate that changes an instruction is not answered there by the baseline's result on the same inputs", () => {
  const inc = new Incremental(base);
  assert.equal(counts(inc.check(back)), counts(verify(back)));
  // resumed (at the changed slot's first visit), not checked in full
  assert.is(inc.stats.resumed, 1);
});

t("nor is a later candidate answered at that slot by the earlier candidate's result", () => {
  const inc = new Incremental(base);
  // `early` resumes before the slot and reaches it with the snapshot's input objects
  for (const q of [back, early, back, early, base, back]) assert.equal(counts(inc.check(q)), counts(verify(q)));
  assert.is(inc.stats.resumed, 5);
});

t('with rejoins tried at every pop, the same', () => {
  const inc = new Incremental(base, {}, { minRejoinGain: 0, maxFailedJoins: Infinity });
  for (const q of [back, early, back, early, back]) assert.equal(counts(inc.check(q)), counts(verify(q)));
});

t.run();
