// The checks of the program as written, each reported as run or not run (never a check that
// could not run reported as passed), and the check of the input before any search.
import type { Insn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import { verify } from '../verifier/analyze.ts';
import { DEFAULT_CONFIG, type VerifierConfig } from '../verifier/config.ts';
import { EquivService } from '../smt/isolated.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { loadProgram } from '../kernel/load.ts';
import { parseVerifierLog } from '../kernel/log.ts';
import { KernelOracle } from './validate.ts';
import { proveEquivalent } from './prove.ts';
import { proveCoreIndependent } from './core-check.ts';
import type { TestGroup } from './tests.ts';
import type { Candidate } from './candidate.ts';
import { toOps } from '../isa/op.ts';
import { describeTarget, firstMissing, formatKernelVersion, kernelAtLeast, runningKernel, type Target } from '../isa/target.ts';
import { unprivilegedLoad, UNPRIV_CHECK, type Privilege } from './privilege.ts';

/** One line of the validation list. ok is absent when the check did not run. */
export interface Check {
  readonly check: 'verifier model' | 'kernel verifier' | typeof UNPRIV_CHECK | 'kernel test_run' | 'Z3 equivalence' | 'kernel latency' | 'target';
  readonly ran: boolean;
  readonly ok?: boolean;
  readonly detail: string;
}

export const formatCheck = (c: Check): string => `${c.check}: ${!c.ran ? 'not run' : c.ok ? 'passed' : 'FAILED'}${c.detail ? ` (${c.detail})` : ''}`;

export interface FinalCheck {
  readonly ok: boolean;
  /** The first failure: which check and why. */
  readonly failure?: string;
  readonly checks: readonly Check[];
}

/** Check the program as written against the original: model, kernel verifier and test_run, Z3. */
// `config`: the kernel the model verifies as, the loader and the target the program must run on.
// `equiv`: the Z3 process to ask (default: one of its own, closed before returning).
export async function checkWritten(cand: Candidate, written: readonly Insn[], tests: readonly TestGroup[], config: VerifierConfig = DEFAULT_CONFIG, equiv?: EquivService): Promise<FinalCheck> {
  const { target } = config;
  const privilege: Privilege = config.privileged ? 'root' : 'unpriv';
  const original = cand.original.program;
  const checks: Check[] = [];
  if (target) checks.push(targetCheck(written, target));
  const program: Program = { ...original, insns: [...written] };
  checks.push(modelCheck(program, config));
  if (privilege === 'unpriv') {
    const u = unprivilegedLoad(program);
    checks.push(u.ran ? { check: UNPRIV_CHECK, ran: true, ok: u.ok, detail: u.detail } : { check: UNPRIV_CHECK, ran: false, detail: u.reason });
  }
  checks.push(...kernelChecks(original, written, tests));
  const failedSoFar = checks.find((c) => c.ran && !c.ok);
  if (failedSoFar) {
    checks.push({ check: 'Z3 equivalence', ran: false, detail: `not attempted after the ${failedSoFar.check} failure` });
  } else {
    const z3 = equiv ?? new EquivService();
    let proof;
    try {
      proof = await proveEquivalent(z3, cand, [...written], 60_000);
      // CO-RE: also with every relocated value moved, so no result bakes in this kernel's layout
      if (proof.ok) proof = (await proveCoreIndependent(z3, cand, 60_000)) ?? proof;
    } finally {
      if (!equiv) await z3.close();
    }
    checks.push({ check: 'Z3 equivalence', ran: true, ok: proof.ok, detail: proof.ok ? proof.how : proof.reason });
  }
  const bad = checks.find((c) => c.ran && !c.ok);
  return { ok: !bad, failure: bad && `${bad.check}: ${bad.detail}`, checks };
}

/** The verifier model on `program` under `config` (one line; an unprivileged check says so). */
export function modelCheck(program: Program, config: VerifierConfig = DEFAULT_CONFIG): Check {
  const mv = verify(program, { flavor: config.flavor, privileged: config.privileged });
  const why = mv.ok ? [] : [mv.error?.message.replace(/\n/g, ': ') ?? 'rejected'];
  return { check: 'verifier model', ran: true, ok: mv.ok, detail: (config.privileged ? why : ['unprivileged', ...why]).join(': ') };
}

/**
 * The kernel verifier and test_run on `insns` against `original` on `tests` (two lines, each not
 * run when the kernel cannot be asked; test_run not run when the verifier rejected the program).
 */
export function kernelChecks(original: Program, insns: readonly Insn[], tests: readonly TestGroup[]): Check[] {
  const oracle = KernelOracle.open(original, tests);
  if (typeof oracle === 'string') return [{ check: 'kernel verifier', ran: false, detail: oracle }, { check: 'kernel test_run', ran: false, detail: oracle }];
  try {
    const v = oracle.check([...insns]);
    const loaded = v.ok || v.stage !== 'verifier';
    const t = oracle.testRun;
    return [
      { check: 'kernel verifier', ran: true, ok: loaded, detail: loaded ? '' : v.reason },
      !loaded ? { check: 'kernel test_run', ran: false, detail: 'the kernel verifier rejected the program' }
        : t.ran ? { check: 'kernel test_run', ran: true, ok: v.ok, detail: v.ok ? t.detail : v.reason } : { check: 'kernel test_run', ran: false, detail: t.detail },
    ];
  } finally {
    oracle.close();
  }
}

/**
 * Every instruction of the written program exists on the target (ISA level, kernel release).
 * The loads below run on this machine's kernel only: an older target's verifier is not asked.
 */
export function targetCheck(written: readonly Insn[], target: Target): Check {
  const bad = firstMissing(target, toOps(written));
  if (bad) return { check: 'target', ran: true, ok: false, detail: `instruction ${bad.pc}: ${bad.reason}` };
  const here = runningKernel();
  const same = kernelAtLeast(here, target.kernel) && kernelAtLeast(target.kernel, here);
  const where = same ? '' : `; the loads below ran on this machine's kernel ${formatKernelVersion(here)}, not on ${formatKernelVersion(target.kernel)}`;
  return { check: 'target', ran: true, ok: true, detail: `every instruction and helper exists on ${describeTarget(target)}${where}` };
}

/**
 * Why the input itself is unsafe, if it is: the kernel rejects it, or (without the kernel) the
 * verifier model does. Optimizing such a program would "validate" candidates against nothing.
 */
export function unsafeInput(program: Program, config: VerifierConfig = DEFAULT_CONFIG): string | undefined {
  if (!config.privileged) {
    const u = unprivilegedLoad(program);
    if (u.ran && !u.ok) return `an unprivileged loader is refused the input program: ${u.detail}`;
    const mu = verify(program, { flavor: config.flavor, privileged: false });
    if (!u.ran && !mu.ok) return `the verifier model rejects the input program unprivileged (the kernel's unprivileged load not run: ${u.reason}): ${mu.error?.message.replace(/\n/g, ': ') ?? 'rejected'}`;
  }
  const k = kernelAvailable();
  if (k.ok) {
    const l = loadProgram(program, { logOnFailure: true, info: false });
    l.close();
    if (l.ok) return undefined;
    return `the kernel rejects the input program: ${parseVerifierLog(l.log).error?.split('\n').pop() ?? l.error ?? l.errno}`;
  }
  const mv = verify(program, { flavor: config.flavor });
  return mv.ok ? undefined : `the verifier model rejects the input program (no kernel to ask: ${k.reason}): ${mv.error?.message.replace(/\n/g, ': ') ?? 'rejected'}`;
}
