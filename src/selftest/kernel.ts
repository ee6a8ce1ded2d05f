// The running kernel's answer to one selftest: load it as test_loader does (log level from
// __log_level, level 1 again on a rejection at level 0, as libbpf retries; prog_flags from
// __flag), check its __msg patterns against the kernel's own log, and BPF_PROG_TEST_RUN it on
// 64 zero bytes for __retval. Only what replaying needs is recorded (no full logs).
import type { Program } from '../isa/program.ts';
import { loadProgram, type LoadOptions, type LoadResult, type LogLevel } from '../kernel/load.ts';
import { testRun } from '../kernel/testrun.ts';
import { firstUnmatched } from './pattern.ts';
import type { Mode } from './objects.ts';
import { POINTER_VALUE, type TestSpec } from './spec.ts';

/** test_loader.c's TEST_DATA_LEN: the packet every run gets. */
export const TEST_DATA_LEN = 64;

export interface KernelAnswer {
  readonly file: string;
  readonly name: string;
  readonly mode: Mode;
  readonly accepted: boolean;
  readonly errno?: string;
  /** Last non-empty log line before the `processed …` statistics (the rejection's reason). */
  readonly error?: string;
  /** Index of the first __msg the kernel's log does not have, -1 when all are found. */
  readonly msgMiss: number;
  /** test_run's retval (signed 32 bits), when the test was run. */
  readonly retval?: number;
  /** Why test_run failed, when it did. */
  readonly runErrno?: string;
}

/** The log's reason for a rejection: its last line that is not statistics. */
export function lastErrorLine(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => l.trim() !== '' && !/^(processed \d+ insns|verification time|stack depth|max_states_per_insn)/.test(l));
  return lines.at(-1);
}

/** How a run's program is loaded: as root, or by an unprivileged loader (src/kernel/unpriv.ts). */
export type Loader = (program: Program, opts: LoadOptions) => LoadResult;

export function kernelAnswer(program: Program, spec: TestSpec, mode: Mode, load: Loader = loadProgram): KernelAnswer {
  const exp = spec[mode]!;
  const r = load(program, { logLevel: (spec.logLevel & 7) as LogLevel, progFlags: spec.progFlags, logOnFailure: true, info: false });
  try {
    const base = { file: spec.file, name: spec.name, mode, accepted: r.ok, msgMiss: firstUnmatched(r.log, exp.msgs) };
    if (!r.ok) return { ...base, errno: r.errno, error: r.error ?? lastErrorLine(r.log) };
    if (exp.retval === undefined || exp.failure) return base;
    const t = testRun(r.fd!, program.type === 'syscall' ? { type: 'syscall' } : { type: program.type, data: new Uint8Array(TEST_DATA_LEN), dataOutSize: TEST_DATA_LEN * 4 });
    return t.ok ? { ...base, retval: t.retval | 0 } : { ...base, runErrno: t.errno };
  } finally {
    r.close();
  }
}

/** Did the kernel do what the test expects? ('' when it did, else what differs.) */
export function kernelDeviation(k: KernelAnswer, spec: TestSpec): string {
  const exp = spec[k.mode]!;
  if (k.accepted === exp.failure) return k.accepted ? 'kernel accepts a __failure test' : `kernel rejects a __success test: ${k.error ?? k.errno}`;
  if (k.msgMiss >= 0) return `kernel log lacks __msg("${exp.msgs[k.msgMiss]}")`;
  if (exp.retval !== undefined && k.retval !== undefined && exp.retval !== POINTER_VALUE && k.retval !== exp.retval) return `kernel retval ${k.retval}, expected ${exp.retval}`;
  return '';
}
