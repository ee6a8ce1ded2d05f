// may_goto in the interpreter: the kernel's non-timed rewrite (do_misc_fixups), a budget of
// BPF_MAX_LOOPS per frame, set on entry to each function and spent one per fall-through; the
// jump is taken once it is 0. (The x86-64 JIT's timed variant bounds by time instead, so these
// counts are not compared with BPF_PROG_TEST_RUN.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { BPF_MAX_LOOPS } from '../../src/interp/vm.ts';

const t = suite('interp/maygoto');
const run = (asm: string) => prepare(bareProgram(assemble(asm).insns, 'xdp'), { stepLimit: 200_000_000 }).run({ packet: new Uint8Array(64) });
const r0Of = (asm: string): number => {
  const r = run(asm);
  if (r.kind !== 'exit') throw new Error(`expected exit, got ${r.kind}: ${r.message}`);
  return r.r0lo;
};

t('a loop ended only by may_goto runs BPF_MAX_LOOPS times', () => {
  assert.is(BPF_MAX_LOOPS, 8 * 1024 * 1024);
  assert.is(r0Of('r0 = 0\nl: may_goto +2\nr0 += 1\ngoto l\nexit'), BPF_MAX_LOOPS);
});

t('the budget is spent across loops of one frame', () => {
  // the first loop stops after 3 rounds; the second gets what is left
  const asm = 'r1 = 0\na: may_goto +3\nr1 += 1\nif r1 < 3 goto a\nr2 = 0\nb: may_goto +2\nr2 += 1\ngoto b\nr0 = r2\nexit';
  assert.is(r0Of(asm), BPF_MAX_LOOPS - 3);
});

t('each call gets a fresh budget; the caller keeps its own', () => {
  const asm = [
    'r6 = 0', 'a: may_goto +2', 'r6 += 1', 'if r6 < 5 goto a', 'call sub', 'r0 += r6', 'exit',
    'sub: r0 = 0', 'b: may_goto +2', 'r0 += 1', 'goto b', 'exit',
  ].join('\n');
  assert.is(r0Of(asm), BPF_MAX_LOOPS + 5);
});

t('may_goto +0 falls through either way', () => {
  assert.is(r0Of('may_goto +0\nr0 = 7\nexit'), 7);
});

t('the step limit still stops a run that has it too low', () => {
  const r = prepare(bareProgram(assemble('r0 = 0\nl: may_goto +2\nr0 += 1\ngoto l\nexit').insns, 'xdp'), { stepLimit: 1000 }).run({ packet: new Uint8Array(64) });
  assert.is(r.kind, 'fault');
});

t.run();
