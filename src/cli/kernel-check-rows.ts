// One row of `kernel check` per program: the running kernel's verdict (BPF_PROG_LOAD with what
// libbpf would pass) beside the verifier model's, with processed instructions and states.
import { relocateForTarget } from '../isa/core.ts';
import { performance } from 'node:perf_hooks';
import type { BpfObject } from '../isa/object.ts';
import { MODELLED_TYPES, type Program, type ProgType } from '../isa/program.ts';
import { loadProgram, type LogLevel } from '../kernel/load.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { verify } from '../verifier/analyze.ts';
import type { KernelFlavor } from '../domains/scalar.ts';

/** accept / reject, or not run (with the reason in `why`). */
export type Outcome = 'accept' | 'reject' | 'not run';

export interface Side {
  readonly verdict: Outcome;
  readonly processed?: number;
  readonly states?: number;
  readonly peakStates?: number;
  /** Kernel: verification time the log reports (µs); model: wall time (µs). */
  readonly us?: number;
  /** Rejection message (first line) or why it did not run. */
  readonly why?: string;
  readonly errno?: string;
}

export interface CheckRow {
  readonly file: string;
  readonly program: string;
  readonly section: string;
  readonly type: string;
  readonly insns: number;
  readonly kernel: Side;
  readonly model: Side;
  /** Both ran and reached the same verdict (undefined when one did not run). */
  readonly agree?: boolean;
  readonly notes?: readonly string[];
  /** The kernel's log (at the requested level), when asked for. */
  readonly log?: string;
}

export interface CheckOptions {
  /** Log level for the kernel's load (1 by default: the stats line needs it). */
  readonly logLevel?: LogLevel;
  readonly keepLog?: boolean;
  readonly type?: ProgType;
  readonly section?: string;
  /** Target BTF for CO-RE relocations (default: the running kernel's). */
  readonly btf?: string;
  /** Skip the kernel (e.g. replaying recorded answers). */
  readonly noKernel?: boolean;
  /** The kernel the verifier model models (default: verify()'s, LINUX_6_18). */
  readonly flavor?: KernelFlavor;
}

const STATS = /processed (\d+) insns \(limit \d+\) max_states_per_insn \d+ total_states (\d+) peak_states (\d+)/;

function kernelSide(p: Program, opts: CheckOptions): { side: Side; log?: string } {
  if (opts.noKernel) return { side: { verdict: 'not run', why: 'kernel not asked' } };
  const avail = kernelAvailable();
  if (!avail.ok) return { side: { verdict: 'not run', why: `no bpf(): ${avail.reason}` } };
  if (p.load?.unloadable) return { side: { verdict: 'not run', why: p.load.unloadable } };
  // | BPF_LOG_STATS: the 'verification time' line
  const r = loadProgram(p, { logLevel: ((opts.logLevel ?? 1) | 4) as LogLevel, info: false });
  try {
    if (r.error) return { side: { verdict: 'not run', why: r.error, errno: r.errno }, log: r.log };
    const m = STATS.exec(r.log);
    const t = /verification time (\d+) usec/.exec(r.log);
    const lines = r.log.trimEnd().split('\n');
    const why = r.ok ? undefined : lines.filter((l) => !/^(processed|verification time|stack depth)/.test(l)).pop();
    return {
      side: {
        // a refusal without a log is about the load attributes, not the program: not a verdict
        verdict: r.ok ? 'accept' : r.log.trim() ? 'reject' : 'not run',
        processed: m ? Number(m[1]) : r.verifiedInsns, states: m ? Number(m[2]) : undefined, peakStates: m ? Number(m[3]) : undefined,
        us: t ? Number(t[1]) : undefined, errno: r.ok ? undefined : r.errno,
        why: r.ok ? undefined : why || `${r.errno} without a verifier log: the kernel refused the load attributes${r.errno === 'EPERM' && p.type === 'tracing' ? ' (this kernel refuses fentry/fexit; libbpf fails the same way)' : ''}`,
      },
      log: r.log,
    };
  } finally {
    r.close();
  }
}

function modelSide(p: Program, flavor: KernelFlavor | undefined): Side {
  if (!MODELLED_TYPES.has(p.type)) return { verdict: 'not run', why: `program type ${p.type} is not modelled` };
  const t0 = performance.now();
  try {
    const v = verify(p, { flavor, privileged: true });
    const us = Math.round((performance.now() - t0) * 1000);
    return { verdict: v.ok ? 'accept' : 'reject', processed: v.processed, states: v.totalStates, peakStates: v.peakStates, us, why: v.ok ? undefined : `insn ${v.error!.index}: ${v.error!.message.split('\n')[0]}` };
  } catch (e) {
    return { verdict: 'not run', why: `model error: ${(e as Error).message}` };
  }
}

/** Rows for the programs of one object (all of them, or the one named by opts.section). */
export function checkObject(file: string, obj: BpfObject, opts: CheckOptions): CheckRow[] {
  const entries = opts.section === undefined ? obj.programs : obj.programs.filter((p) => p.name === opts.section || p.section === opts.section);
  return entries.map((e) => {
    const base = { file, program: e.name, section: e.section, insns: e.length };
    let p: Program;
    try {
      p = relocateForTarget(obj, obj.link(e.name, { type: opts.type }), opts.btf);
    } catch (err) {
      const why = `not linked: ${(err as Error).message}`;
      return { ...base, type: opts.type ?? obj.kindOf(e).type ?? 'unknown', kernel: { verdict: 'not run', why }, model: { verdict: 'not run', why } };
    }
    const k = kernelSide(p, opts);
    const model = modelSide(p, opts.flavor);
    const both = k.side.verdict !== 'not run' && model.verdict !== 'not run';
    return {
      ...base, type: p.type, insns: p.insns.length, kernel: k.side, model,
      ...(both ? { agree: k.side.verdict === model.verdict } : {}),
      ...(p.notes?.length ? { notes: p.notes } : {}),
      ...(opts.keepLog && k.log !== undefined ? { log: k.log } : {}),
    };
  });
}

export interface Summary {
  programs: number;
  kernelRan: number;
  kernelAccepted: number;
  modelRan: number;
  compared: number;
  agree: number;
  falseAccepts: number;
  falseRejects: number;
  /** Both accepted, processed counts equal / compared. */
  processedExact: number;
  processedCompared: number;
}

export function summarize(rows: readonly CheckRow[]): Summary {
  const s: Summary = { programs: rows.length, kernelRan: 0, kernelAccepted: 0, modelRan: 0, compared: 0, agree: 0, falseAccepts: 0, falseRejects: 0, processedExact: 0, processedCompared: 0 };
  for (const r of rows) {
    if (r.kernel.verdict !== 'not run') s.kernelRan++;
    if (r.kernel.verdict === 'accept') s.kernelAccepted++;
    if (r.model.verdict !== 'not run') s.modelRan++;
    if (r.agree === undefined) continue;
    s.compared++;
    if (r.agree) s.agree++;
    else if (r.model.verdict === 'accept') s.falseAccepts++;
    else s.falseRejects++;
    if (r.kernel.verdict === 'accept' && r.model.verdict === 'accept') {
      s.processedCompared++;
      if (r.kernel.processed === r.model.processed) s.processedExact++;
    }
  }
  return s;
}
