// Measured selection: without a kernel (or without test_run) nothing is timed and the note says
// so; with root, a smaller but far slower variant is passed over for a faster one, and the
// latency winner is confirmed in fresh rounds before it is chosen.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { toOps } from '../../src/isa/op.ts';
import { selectMeasured } from '../../src/search/measured.ts';
import { perf, BUILTIN_COSTS, sizeOfPerf } from '../../src/search/cost.ts';
import { Candidate, Original, undeleted } from '../../src/search/candidate.ts';
import type { Variant } from '../../src/search/chain.ts';
import type { TestGroup } from '../../src/search/tests.ts';

const t = suite('search/measured');
const avail = kernelAvailable();

const prog = (body: string[], type: Program['type'] = 'xdp'): Program => bareProgram(assemble(['r6 = 1', 'r7 = 3', ...body, 'r0 = 2', 'exit'].join('\n')).insns, type);
const variant = (p: Program): Variant => {
  const c = Candidate.initial(Original.of(p));
  return { insns: [...p.insns], candidate: c, oldToNew: new Int32Array(0), perf: perf(c, 'size') };
};
const tests: TestGroup[] = [{ presets: [], packets: [new Uint8Array(64)], expected: [], ids: [0] }];

// (short ALU runs hide in the out-of-order window next to test_run's own loop: the differences
// here are divisions and atomics, a few ns each, so they stand far out of the noise)
const original = prog([...Array(12).fill('r6 /= r7')]); // 16 insns, ~35 ns
const smallSlow = variant(prog(['*(u64 *)(r10 -8) = 0', ...Array(10).fill('lock *(u64 *)(r10 -8) += r7')])); // 15 insns, ~60 ns
const fast = variant(prog([...Array(2).fill('r6 /= r7'), ...Array(20).fill('r8 = r7')])); // 26 insns, ~6 ns

t('size perf: the count, with latency only as a tie-break below one slot', () => {
  const a = undeleted(toOps(prog(['r6 += r7']).insns)), b = undeleted(toOps(prog(['r6 *= r7']).insns));
  assert.is(sizeOfPerf(perf(a, 'size')), 5);
  assert.ok(perf(a, 'size') < perf(b, 'size'));
  assert.is(perf(a, 'latency', { ...BUILTIN_COSTS, alu: 2 }), 2 * 5 - 1); // r0/r6/r7 moves, add: alu; exit: jmp (1)
});

t('nothing to choose from, or a type without test_run: not measured, and the note says why', () => {
  assert.is(selectMeasured(original, [], tests, 'size').measured, false);
  const kp = prog(['r6 += r7'], 'kprobe');
  const s = selectMeasured(kp, [variant(kp)], tests, 'latency');
  assert.is(s.measured, false);
  assert.ok(s.variant);
  assert.match(s.note, avail.ok ? /not measured \(kernel test_run: not available for kprobe\)/ : /not measured \(no kernel/);
});

t('with root: size passes over the smaller, slower variant; latency takes the significant gain', () => {
  if (!avail.ok) {
    console.log(`  skipped: ${avail.reason}`);
    return;
  }
  const s = selectMeasured(original, [smallSlow, fast], tests, 'size', { rounds: 12 });
  assert.ok(s.measured);
  assert.is(s.variant, fast, s.note);
  assert.equal(s.timed.map((x) => x.ratio.verdict), ['slower', 'faster'], s.note);
  assert.match(s.note, /a smaller one was slower beyond the noise/);
  const l = selectMeasured(original, [smallSlow, fast], tests, 'latency', { rounds: 12 });
  assert.is(l.variant, fast, l.note);
  assert.match(l.note, /fastest significant gain, confirmed in fresh rounds/);
  // the confirmation: the winner alone against the original again, with an A/A control
  assert.equal([l.confirmation?.ran, l.confirmation?.confirmed, l.confirmation?.rounds, l.confirmation?.insns], [true, true, 12, 26], l.note);
  assert.is(l.ratio, l.confirmation!.ratio);
  const none = selectMeasured(original, [smallSlow], tests, 'size', { rounds: 12 });
  assert.is(none.variant, undefined, none.note);
  assert.match(none.note, /original is kept/);
});

t.run();
