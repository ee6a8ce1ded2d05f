// Running an interpreter fuzz case in the kernel: load once (full 64-bit r0 wrapper), test_run
// each packet with the maps reset in between.
import { Full64Runner } from '../../src/kernel/testrun.ts';
import { parseVerifierLog } from '../../src/kernel/log.ts';
import type { InterpCase } from './gen.ts';
import { fromKernel } from './observe.ts';
import { encodeProgram, type InterpRecord } from './run.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function kernelRecord(c: InterpCase): InterpRecord {
  const code = encodeProgram(c.program);
  const packets = c.packets.map(hex);
  const open = Full64Runner.open(c.program, { logOnFailure: true });
  if (!open.ok) {
    const why = open.load.error ?? parseVerifierLog(open.load.log).error ?? String(open.load.errno);
    return { type: c.program.type as 'xdp' | 'sched_cls', code, packets, loaded: false, runs: [{ kind: 'error', message: why }] };
  }
  const runner = open.runner;
  try {
    const runs = c.packets.map((p) => {
      runner.resetMaps();
      return fromKernel(runner.run({ data: p }));
    });
    return { type: c.program.type as 'xdp' | 'sched_cls', code, packets, loaded: true, runs };
  } finally {
    runner.close();
  }
}
