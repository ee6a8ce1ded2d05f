// The kernel's recorded answers (corpus/selftests/kernel.json), so the model's side of the suite
// replays without root, the kernel sources or a build: one entry per run, the running kernel's
// release, and the figures of the last recording that tests hold the model to.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import type { KernelAnswer } from './kernel.ts';
import { caseKey } from './objects.ts';

export const DEFAULT_RECORD = 'corpus/selftests/kernel.json';
/** The unprivileged runs' answers, apart so that either recording can be redone alone. */
export const UNPRIV_RECORD = 'corpus/selftests/kernel-unpriv.json';

export interface Recording {
  /** uname -r of the kernel that answered. */
  readonly kernel: string;
  /** Its verifier flavor (src/kernel/flavor.ts), which the model replays. */
  readonly flavor?: string;
  readonly answers: readonly KernelAnswer[];
}

export function readRecording(path = DEFAULT_RECORD): Recording | undefined {
  if (!existsSync(path)) return undefined;
  const r = JSON.parse(readFileSync(path, 'utf8')) as Recording;
  if (!Array.isArray(r.answers)) throw new Error(`${path}: no 'answers' array`);
  return r;
}

/**
 * `answers` merged into the recording at `path` (runs not asked again keep their old answer), and
 * its text for the caller to write.
 */
export function mergeRecording(answers: readonly KernelAnswer[], flavor: string, path = DEFAULT_RECORD): { rec: Recording; text: string } {
  const old = readRecording(path);
  const byKey = new Map<string, KernelAnswer>();
  for (const a of old?.answers ?? []) byKey.set(caseKey(a), a);
  for (const a of answers) byKey.set(caseKey(a), a);
  const merged = [...byKey.values()].sort((a, b) => (caseKey(a) < caseKey(b) ? -1 : 1));
  const rec: Recording = { kernel: release(), flavor, answers: merged };
  // one answer a line: diffs between recordings stay readable
  const text = `{"kernel": ${JSON.stringify(rec.kernel)}, "flavor": ${JSON.stringify(flavor)}, "answers": [\n${merged.map((a) => JSON.stringify(a)).join(',\n')}\n]}\n`;
  return { rec, text };
}

export const answersByKey = (r: Recording | undefined): Map<string, KernelAnswer> => new Map((r?.answers ?? []).map((a) => [caseKey(a), a]));
