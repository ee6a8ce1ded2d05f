// The model's answer to one selftest: the verifier model's verdict and log-level-2-like log
// (the __msg patterns are looked for in it), and the interpreter's r0 on test_loader's input
// (64 zero bytes) for __retval.
import type { Program } from '../isa/program.ts';
import { verify } from '../verifier/analyze.ts';
import { prepare } from '../interp/index.ts';
import { firstUnmatched } from './pattern.ts';
import type { Mode } from './objects.ts';
import type { TestSpec } from './spec.ts';
import { TEST_DATA_LEN } from './kernel.ts';

export interface ModelAnswer {
  readonly accepted: boolean;
  /** The model's rejection: instruction and first line of the message. */
  readonly insn?: number;
  readonly error?: string;
  /** Index of the first __msg missing from the model's log, -1 when all are there. */
  readonly msgMiss: number;
  /** Interpreter's r0 (signed 32 bits) or why it could not run. */
  readonly retval?: number;
  readonly runError?: string;
  /** The model threw (an unsupported construct): the harness's reason, not a verdict. */
  readonly crashed?: string;
}

export function modelAnswer(program: Program, spec: TestSpec, mode: Mode): ModelAnswer {
  const exp = spec[mode]!;
  let v;
  try {
    v = verify(program, { states: exp.msgs.length > 0, privileged: mode === 'priv' });
  } catch (e) {
    return { accepted: false, msgMiss: exp.msgs.length ? 0 : -1, crashed: (e as Error).message.split('\n')[0] };
  }
  const log = v.log ? v.log.join('\n') : v.error?.message ?? '';
  const base: ModelAnswer = {
    accepted: v.ok,
    ...(v.error ? { insn: v.error.index, error: v.error.message.split('\n')[0] } : {}),
    msgMiss: firstUnmatched(log, exp.msgs),
  };
  if (!v.ok || exp.retval === undefined || exp.failure) return base;
  try {
    const vm = prepare(program);
    const r = vm.run(program.type === 'syscall' ? {} : { packet: new Uint8Array(TEST_DATA_LEN) });
    return r.kind === 'exit' ? { ...base, retval: r.r0lo | 0 } : { ...base, runError: r.message };
  } catch (e) {
    return { ...base, runError: (e as Error).message.split('\n')[0] };
  }
}
