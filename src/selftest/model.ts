// The model's answer to one selftest: the verifier model's verdict and log-level-2-like log
// (the __msg patterns are looked for in it), and the interpreter's r0 on test_loader's input
// (64 zero bytes) for __retval.
import { MODELLED_TYPES, type Program } from '../isa/program.ts';
import { verify } from '../verifier/analyze.ts';
import { prepare } from '../interp/index.ts';
import { firstUnmatched } from './pattern.ts';
import type { Mode } from './objects.ts';
import { PROG_FLAG_BITS, type TestSpec } from './spec.ts';
import { TEST_DATA_LEN } from './kernel.ts';
import type { KernelFlavor } from '../domains/scalar.ts';

const MAY_GOTO_STEP_LIMIT = 400_000_000;

/** Past this many processed instructions the model's per-instruction log is not produced. */
const STATES_LOG_LIMIT = 100_000;

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

export function modelAnswer(program: Program, spec: TestSpec, mode: Mode, flavor?: KernelFlavor): ModelAnswer | { skip: string } {
  // a type whose context, helpers and return rules the model lacks gets no verdict (not "accept")
  if (!MODELLED_TYPES.has(program.type)) return { skip: `program type ${program.type} is not modelled` };
  const exp = spec[mode]!;
  const opts = { flavor, privileged: mode === 'priv', strictAlignment: (spec.progFlags & PROG_FLAG_BITS.BPF_F_STRICT_ALIGNMENT) !== 0 };
  let v, msgMiss;
  try {
    // The error and the statistics line first; the per-instruction log only when a pattern needs
    // it and the run is short (a log of a million instructions costs minutes).
    v = verify(program, opts);
    // BPF_LOG_STATS (log level 4) adds the stack depth of every function before the totals
    const depths = spec.logLevel & 4 ? `stack depth ${(v.stackDepths ?? [0]).join('+')}\n` : '';
    const stats = `${depths}processed ${v.processed} insns (limit 1000000) max_states_per_insn ${v.maxStatesPerInsn} total_states ${v.totalStates} peak_states ${v.peakStates} mark_read 0`;
    msgMiss = firstUnmatched(`${v.error?.message ?? ''}\n${stats}`, exp.msgs);
    if (msgMiss >= 0 && v.processed <= STATES_LOG_LIMIT) {
      v = verify(program, { ...opts, states: true });
      msgMiss = firstUnmatched(`${v.log!.slice(0, -1).join('\n')}\n${depths}${v.log!.at(-1)}`, exp.msgs);
    }
  } catch (e) {
    return { accepted: false, msgMiss: exp.msgs.length ? 0 : -1, crashed: (e as Error).message.split('\n')[0] };
  }
  const base: ModelAnswer = {
    accepted: v.ok,
    ...(v.error ? { insn: v.error.index, error: v.error.message.split('\n')[0] } : {}),
    msgMiss,
  };
  if (!v.ok || exp.retval === undefined || exp.failure) return base;
  try {
    // a may_goto loop may spend its whole 8M budget per frame, as the kernel's interpreter does
    const hasMayGoto = program.insns.some((x) => x.code === 0xe5);
    const vm = prepare(program, hasMayGoto ? { stepLimit: MAY_GOTO_STEP_LIMIT } : {});
    const r = vm.run(program.type === 'syscall' ? {} : { packet: new Uint8Array(TEST_DATA_LEN) });
    return r.kind === 'exit' ? { ...base, retval: r.r0lo | 0 } : { ...base, runError: r.message };
  } catch (e) {
    return { ...base, runError: (e as Error).message.split('\n')[0] };
  }
}
