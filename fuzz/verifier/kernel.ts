// The kernel's verdict on a program: accepted or the last line of its complaint, and the
// processed-instruction count.
import { loadProgram } from '../../src/kernel/load.ts';
import { parseVerifierLog } from '../../src/kernel/log.ts';
import type { Program } from '../../src/isa/program.ts';
import type { VerifierRecord } from './run.ts';

export function kernelVerdict(p: Program): VerifierRecord['kernel'] {
  const k = loadProgram(p, { logLevel: 1, logSize: 1 << 22 });
  try {
    if (k.ok) return { ok: true, processed: k.verifiedInsns };
    const err = k.error ?? parseVerifierLog(k.log).error ?? String(k.errno);
    return { ok: false, message: err.split('\n').filter((l) => l.trim()).pop() };
  } finally {
    k.close();
  }
}
