// The privilege a result is made for (`optimize --privilege root|unpriv`): the verifier model
// verifies in it, and for unpriv the kernel must also load the candidate as an unprivileged
// loader (src/kernel/unpriv.ts), a check of its own, reported as not run where it cannot be.
import type { Program } from '../isa/program.ts';
import { parseVerifierLog } from '../kernel/log.ts';
import { loadUnprivileged } from '../kernel/unpriv.ts';

export type Privilege = 'root' | 'unpriv';
export const PRIVILEGES: readonly Privilege[] = ['root', 'unpriv'];

/** The check's name in the validation list. */
export const UNPRIV_CHECK = 'kernel verifier (unprivileged)';

export type UnprivLoad = { ran: false; reason: string } | { ran: true; ok: boolean; detail: string };

/** Does the running kernel load `program` without privileges? (the reason of a refusal: its log's last error line) */
export function unprivilegedLoad(program: Program): UnprivLoad {
  const r = loadUnprivileged(program, { logOnFailure: true, info: false });
  if (!r.ran) return r;
  const l = r.result;
  l.close();
  if (l.ok) return { ran: true, ok: true, detail: '' };
  return { ran: true, ok: false, detail: parseVerifierLog(l.log).error?.split('\n').pop() ?? l.error ?? l.errno ?? 'rejected' };
}
