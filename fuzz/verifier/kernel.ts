// The kernel's answer on a program: accepted or the last line of its complaint, the
// processed-instruction count, and for accepted programs the register states its log_level 2
// log prints, path by path (states.ts encodePaths).
import { loadProgram } from '../../src/kernel/load.ts';
import { logPaths, parseVerifierLog } from '../../src/kernel/log.ts';
import type { Program } from '../../src/isa/program.ts';
import type { VerifierRecord } from './run.ts';
import { encodePaths } from './states.ts';

/** Accepted programs that processed more instructions than this are not logged at level 2 (the log grows ~200 bytes per instruction). */
export const STATES_MAX_PROCESSED = 100_000;

export function kernelVerdict(p: Program, opts: { states?: boolean } = {}): VerifierRecord['kernel'] {
  // level 1 first: a rejected program may have walked a million instructions, too many to log at level 2
  const k = loadProgram(p, { logLevel: 1, logSize: 1 << 22 });
  let out: VerifierRecord['kernel'];
  try {
    if (k.ok) out = { ok: true, processed: k.verifiedInsns };
    else {
      const err = k.error ?? parseVerifierLog(k.log).error ?? String(k.errno);
      return { ok: false, message: err.split('\n').filter((l) => l.trim()).pop() };
    }
  } finally {
    k.close();
  }
  if (opts.states === false || (out.processed ?? Infinity) > STATES_MAX_PROCESSED) return out;
  const k2 = loadProgram(p, { logLevel: 2, logSize: 1 << 24 });
  try {
    if (!k2.ok) throw new Error(`accepted at log_level 1 but not at 2 (${k2.errno})`);
    return { ...out, states: encodePaths(logPaths(k2.log)) };
  } finally {
    k2.close();
  }
}
