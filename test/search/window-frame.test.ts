// A window run writes the stack frame of its machine directly (the entry state's frame); a
// later run of ordinary code on the same machine must still start from a zeroed frame.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare, type RunResult } from '../../src/interp/index.ts';
import { WindowRunner, type MachineState } from '../../src/search/window-states.ts';

const t = suite('search/window-frame');

function r0(res: RunResult): bigint {
  assert.is(res.kind, 'exit');
  return res.kind === 'exit' ? res.r0 : -1n;
}

t('a run after a window run sees a zeroed frame', () => {
  // reads the frame, writes no memory: the machine may keep its frame between runs
  const prog = bareProgram(assemble('r0 = *(u64 *)(r10 - 8)\nexit').insns, 'xdp');
  const vm = prepare(prog);
  assert.is(r0(vm.run({ packet: new Uint8Array(64) })), 0n);
  assert.is(r0(vm.run({ packet: new Uint8Array(64) })), 0n);
  const runner = new WindowRunner(vm, prog, 0, 1);
  const stack = new Int32Array(128).fill(0x11111111);
  const s0: MachineState = runner.state();
  runner.run({ ...s0, stack });
  assert.is(vm.machine.RL[0], 0x11111111, 'the window read the entry frame');
  vm.reload(prog.insns);
  assert.is(r0(vm.run({ packet: new Uint8Array(64) })), 0n);
});

t.run();
