// The suite: every run of every test, answered by the kernel (live, or as recorded) and by the
// model, and judged. The kernel is asked only for what it can be: privileged runs as root,
// unprivileged runs through an unprivileged session (src/kernel/unpriv.ts) when one can be had.
import type { KernelAnswer } from './kernel.ts';
import { kernelAnswer, kernelDeviation } from './kernel.ts';
import { modelAnswer } from './model.ts';
import { unprivilegedView } from './unpriv-maps.ts';
import { UnprivilegedSession, type NotRun } from '../kernel/unpriv.ts';
import { caseKey, casesOf, ObjectDir, type Case } from './objects.ts';
import { judge, type Judged } from './classify.ts';
import { programFacts } from './features.ts';
import type { TestSpec } from './spec.ts';
import type { KernelFlavor } from '../domains/scalar.ts';

export interface SuiteOptions {
  readonly dir: string;
  readonly filter?: RegExp;
  readonly unpriv?: boolean;
  /** Ask the running kernel (root), or use these recorded answers. */
  readonly kernel: 'live' | Map<string, KernelAnswer>;
  /** The kernel the model verifies as: the one that answers or answered (default: verify()'s, LINUX_6_18). */
  readonly flavor?: KernelFlavor;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SuiteResult {
  readonly judged: Judged[];
  /** What the kernel said in this run (live mode), for recording. */
  readonly asked: KernelAnswer[];
  readonly specs: TestSpec[];
}

/** Why a run is not attempted at all, before anything loads. */
function precheck(c: Case): string | undefined {
  if (c.spec.arch.length && !c.spec.arch.includes('X86_64')) return `__arch(${c.spec.arch.join(', ')}) only`;
  if (c.spec.btfPath) return `__btf_path(${c.spec.btfPath}): needs a custom kernel BTF`;
  return undefined;
}

export function runSuite(opts: SuiteOptions): SuiteResult {
  const dir = new ObjectDir(opts.dir);
  const specs = dir.specs();
  const cases = casesOf(specs, { filter: opts.filter, unpriv: opts.unpriv });
  const judged: Judged[] = [];
  const asked: KernelAnswer[] = [];
  const live = opts.kernel === 'live';
  const session: UnprivilegedSession | NotRun | undefined = live && cases.some((c) => c.mode === 'unpriv') ? UnprivilegedSession.open() : undefined;
  const unprivLoad = session instanceof UnprivilegedSession ? session.load.bind(session) : undefined;
  try {
    cases.forEach((c, i) => {
      opts.onProgress?.(i, cases.length);
      const obj = dir.object(c.spec.file);
      const linked = dir.program(c.spec);
      const facts = obj instanceof Error ? undefined : programFacts(obj, c.spec.name, 'skip' in linked ? undefined : linked);
      const skip = precheck(c) ?? (live && c.mode === 'unpriv' && !unprivLoad ? `unprivileged load not run: ${(session as NotRun).reason}` : undefined);
      if (skip) return judged.push(judge(c, undefined, undefined, skip, facts));
      if ('skip' in linked) return judged.push(judge(c, undefined, undefined, linked.skip, facts));
      const program = c.mode === 'unpriv' ? unprivilegedView(linked) : linked;
      let k: KernelAnswer | undefined;
      if (opts.kernel === 'live') {
        k = kernelAnswer(program, c.spec, c.mode, c.mode === 'unpriv' ? unprivLoad : undefined);
        asked.push(k);
      } else k = opts.kernel.get(caseKey(c));
      // the model is asked only about runs the kernel satisfies (the others are set apart)
      const ask = k !== undefined && kernelDeviation(k, c.spec) === '';
      judged.push(judge(c, k, ask ? modelAnswer(program, c.spec, c.mode, opts.flavor) : undefined, undefined, facts));
    });
  } finally {
    if (session instanceof UnprivilegedSession) session.close();
  }
  opts.onProgress?.(cases.length, cases.length);
  return { judged, asked, specs };
}
