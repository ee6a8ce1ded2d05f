// One selftest run judged: the kernel's answer is the ground truth (a test the kernel does not
// satisfy is set apart), the model is compared with it, and every gap is put under a feature
// (src/selftest/features.ts) so the model's next steps can be chosen by counts.
import type { KernelAnswer } from './kernel.ts';
import { kernelDeviation } from './kernel.ts';
import type { ModelAnswer } from './model.ts';
import { caseKey, type Case } from './objects.ts';
import { POINTER_VALUE } from './spec.ts';
import { featureOf, type ProgramFacts } from './features.ts';

export type Outcome = 'agree' | 'false-accept' | 'false-reject' | 'msg-mismatch' | 'retval-mismatch' | 'kernel-deviates' | 'skipped';

export interface Judged {
  readonly key: string;
  readonly file: string;
  readonly name: string;
  readonly mode: Case['mode'];
  /** How many __msg patterns the run expects. */
  readonly msgs: number;
  readonly outcome: Outcome;
  /** Why, for everything but 'agree'. */
  readonly reason?: string;
  /** The feature a disagreement or skip belongs to. */
  readonly feature?: string;
  readonly kernel?: KernelAnswer;
  readonly model?: ModelAnswer;
}

export function judge(c: Case, kernel: KernelAnswer | undefined, model: ModelAnswer | { skip: string } | undefined, skip?: string,
  facts?: ProgramFacts): Judged {
  const exp = c.spec[c.mode]!;
  const base = { key: caseKey(c), file: c.spec.file, name: c.spec.name, mode: c.mode, msgs: exp.msgs.length };
  const out = (outcome: Outcome, reason?: string, m?: ModelAnswer): Judged => ({
    ...base, outcome, ...(reason ? { reason, feature: featureOf(reason, facts) } : {}), ...(kernel ? { kernel } : {}), ...(m ? { model: m } : {}),
  });
  if (skip) return out('skipped', skip);
  if (!kernel) return out('skipped', 'no recorded kernel answer');
  const dev = kernelDeviation(kernel, c.spec);
  if (dev) return out('kernel-deviates', dev);
  if (!model) return out('skipped', 'model not run');
  if ('skip' in model) return out('skipped', model.skip);
  const why = model.crashed ? `model: ${model.crashed}` : model.error ? `model: insn ${model.insn}: ${model.error}` : '';
  if (model.accepted && !kernel.accepted) return out('false-accept', `kernel: ${kernel.error ?? kernel.errno}`, model);
  if (!model.accepted && kernel.accepted) return out('false-reject', why, model);
  if (model.msgMiss >= 0) return out('msg-mismatch', `model log lacks __msg("${exp.msgs[model.msgMiss]}")${why ? `; ${why}` : ''}`, model);
  if (exp.retval !== undefined && kernel.retval !== undefined && exp.retval !== POINTER_VALUE && model.retval !== kernel.retval) {
    return out('retval-mismatch', model.retval === undefined ? `interpreter: ${model.runError}` : `interpreter r0 ${model.retval}, kernel ${kernel.retval}`, model);
  }
  return out('agree', undefined, model);
}

export interface Summary {
  readonly agree: number;
  readonly falseAccepts: number;
  readonly falseRejects: number;
  readonly msgMismatches: number;
  readonly retvalMismatches: number;
  readonly kernelDeviates: number;
  readonly skipped: number;
  /** Of the runs the kernel satisfied and the model ran: verdicts equal. */
  readonly verdictAgreement: number;
  /** __msg expectations the model's log matched, of the runs with messages it could be asked about. */
  readonly msgMatchRate: number;
  readonly compared: number;
}

export function summarize(js: readonly Judged[]): Summary {
  const n = (o: Outcome) => js.filter((j) => j.outcome === o).length;
  const compared = js.filter((j) => j.model && j.outcome !== 'kernel-deviates' && j.outcome !== 'skipped');
  const verdictSame = compared.filter((j) => j.outcome !== 'false-accept' && j.outcome !== 'false-reject').length;
  const withMsgs = compared.filter((j) => j.outcome !== 'false-accept' && j.outcome !== 'false-reject' && j.msgs > 0);
  const msgOk = withMsgs.filter((j) => j.model!.msgMiss < 0).length;
  return {
    agree: n('agree'), falseAccepts: n('false-accept'), falseRejects: n('false-reject'), msgMismatches: n('msg-mismatch'),
    retvalMismatches: n('retval-mismatch'), kernelDeviates: n('kernel-deviates'), skipped: n('skipped'),
    verdictAgreement: compared.length ? verdictSame / compared.length : 0,
    msgMatchRate: withMsgs.length ? msgOk / withMsgs.length : 1,
    compared: compared.length,
  };
}

/** The last line the issue asks for. */
export function lastLine(s: Summary): string {
  return `selftests: ${s.agree} agree, ${s.falseAccepts} false accepts, ${s.falseRejects} false rejects, ${s.msgMismatches} message mismatches, ${s.skipped} skipped`;
}
