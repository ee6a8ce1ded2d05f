// What the verifier model is asked to be: which kernel (the flavor of its domains), for which
// loader (root or unprivileged), and what the program must run on (the search's target). A
// plain value passed in options, never a process-wide setting, so two configurations can run
// side by side in one process. Defaults live here and are applied only at the API edge
// (verify(), new Incremental(), the CLI).
import { FLAVORS, LINUX_6_18, type KernelFlavor } from '../domains/scalar.ts';
import type { Target } from '../isa/target.ts';
import { DomainSession, defaultSession } from './memo.ts';

export interface VerifierConfig {
  /** The kernel whose verifier is modelled (tnum_mul, bounds deductions; src/domains/scalar.ts). */
  readonly flavor: KernelFlavor;
  /** Root (CAP_BPF + CAP_PERFMON + CAP_NET_ADMIN) or an unprivileged loader. */
  readonly privileged: boolean;
  /** What an optimized program must run on (ISA level, kernel release); absent: no constraint. */
  readonly target?: Target;
}

/** The running kernel's flavor, as root, no target. */
export const DEFAULT_CONFIG: VerifierConfig = { flavor: LINUX_6_18, privileged: true };

/** A configuration from what the caller said, the rest defaulted. */
export const verifierConfig = (c: Partial<VerifierConfig> = {}): VerifierConfig => ({ ...DEFAULT_CONFIG, ...c });

/**
 * The domain session a model run uses: the caller's, else the shared one of its flavor (a known
 * flavor by name, since a configuration may have been copied to a worker thread; a flavor of
 * one's own, e.g. a proof's variant, gets a session of its name).
 */
export function sessionFor(opts: { readonly flavor?: KernelFlavor; readonly session?: DomainSession }): DomainSession {
  if (opts.session) {
    if (opts.flavor && opts.flavor.name !== opts.session.flavor.name) throw new Error(`domain session is for kernel flavor ${opts.session.flavor.name}, options say ${opts.flavor.name}`);
    return opts.session;
  }
  const fl = opts.flavor ?? DEFAULT_CONFIG.flavor;
  // the last flavor's session again (every check asks, almost always for the same flavor; the
  // session of a name never changes once made)
  if (fl === lastFlavor && fl.name === lastName) return lastSession!;
  const s = defaultSession(FLAVORS.find((f) => f.name === fl.name) ?? fl);
  lastFlavor = fl;
  lastName = fl.name;
  lastSession = s;
  return s;
}

let lastFlavor: KernelFlavor | undefined, lastName = '', lastSession: DomainSession | undefined;

export { DomainSession };
