// What the model says about a program, in the forms users and tools need: a one-line verdict
// (`FILE: insn N: <message>`), a JSON object, the log-level-2-like listing, and single
// register states for tests.
import type { Program } from '../isa/program.ts';
import { verify, type Verdict } from './analyze.ts';
import type { Options } from './env.ts';
import { printReg } from './print.ts';
import { cur } from './state.ts';

export interface Report {
  readonly safe: boolean;
  readonly insn?: number;
  readonly message?: string;
  readonly processed: number;
  readonly totalStates: number;
  readonly peakStates: number;
  readonly maxStatesPerInsn: number;
}

export function toReport(v: Verdict): Report {
  return {
    safe: v.ok, insn: v.error?.index, message: v.error?.message, processed: v.processed,
    totalStates: v.totalStates, peakStates: v.peakStates, maxStatesPerInsn: v.maxStatesPerInsn,
  };
}

/** `where: insn N: message` (first line of the message), or `where: safe (processed N insns)`. */
export function verdictLine(where: string, v: Verdict): string {
  if (v.ok) return `${where}: safe (processed ${v.processed} insns, ${v.totalStates} states)`;
  return `${where}: insn ${v.error!.index}: ${v.error!.message.split('\n').join('; ')}`;
}

const mapInfo = (p: Program) => (i: number) => ({ name: p.maps[i]?.name ?? `map${i}`, ks: p.maps[i]?.keySize ?? 0, vs: p.maps[i]?.valueSize ?? 0 });

/** Register `r` at the first visit of instruction `at`, printed as the kernel prints it ('' when not initialised or never reached). */
export function stateAt(prog: Program, at: number, r: number, opts: Options = {}): string {
  const v = verify(prog, { ...opts, entries: true });
  const s = v.entry?.[at];
  if (!s) return '';
  const reg = cur(s).regs[r];
  return reg.type === 'not_init' ? '' : printReg(reg, mapInfo(prog));
}
