// Loads as an unprivileged user would make them: the kernel's verdict and log for a program
// loaded without CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN and CAP_NET_ADMIN.
//
// Like the kernel's selftests (test_loader.c), the calling thread lowers those capabilities in
// its effective set around the load and raises them again afterwards (they stay permitted), so
// a BPF_PROG_TEST_RUN of the loaded program runs as before, again as test_loader does. This
// needs no child process, no other uid and no serialisation of the program, and the maps are
// created unprivileged too. Unprivileged bpf() also needs kernel.unprivileged_bpf_disabled = 0:
// a session sets it (root only; 1 is sticky until reboot, 2 is not) and always puts the old
// value back. Sessions of several processes are serialised by a lock directory, because the
// value to put back is only known to the first: the lock holds it, so a crashed holder's
// successor restores it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Program } from '../isa/program.ts';
import { capBit, capGet, capSet, CAP, type CapSets } from './caps.ts';
import { loadProgram, type LoadOptions, type LoadResult } from './load.ts';
import { kernelAvailable } from './syscall.ts';

export const UNPRIV_SYSCTL = '/proc/sys/kernel/unprivileged_bpf_disabled';

/** What an unprivileged loader lacks (test_loader's drop_capabilities set). */
export const PRIVILEGE_CAPS = capBit(CAP.SYS_ADMIN) | capBit(CAP.NET_ADMIN) | capBit(CAP.PERFMON) | capBit(CAP.BPF);

/** A check that could not run, and why. */
export interface NotRun {
  readonly ran: false;
  readonly reason: string;
}

const LOCK_DIR = join(tmpdir(), 'bpfsynth-unpriv.lock');
/** How long to wait for another process's session before giving up (it is reported as not run). */
const LOCK_PATIENCE_MS = 120_000;

const sleepMs = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function readSysctl(): number | undefined {
  if (!existsSync(UNPRIV_SYSCTL)) return undefined;
  return Number(readFileSync(UNPRIV_SYSCTL, 'utf8').trim());
}

function writeSysctl(v: number): string {
  try {
    writeFileSync(UNPRIV_SYSCTL, `${v}\n`);
    return '';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

/** Take the cross-process lock; a dead holder's saved sysctl value is restored first. '' or why not. */
function acquireLock(): string {
  const deadline = Date.now() + LOCK_PATIENCE_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), `${process.pid}\n`);
      return '';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return `lock ${LOCK_DIR}: ${(e as Error).message}`;
    }
    const holder = Number(readFileOr(join(LOCK_DIR, 'pid')));
    if (holder && !pidAlive(holder)) {
      const saved = readFileOr(join(LOCK_DIR, 'sysctl')).trim();
      if (saved !== '') writeSysctl(Number(saved));
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) return `another process (pid ${holder || '?'}) holds ${LOCK_DIR}`;
    sleepMs(20);
  }
}

function readFileOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

let active: UnprivilegedSession | undefined;

/**
 * kernel.unprivileged_bpf_disabled held at 0 until close(); load() makes unprivileged loads.
 * One per process at a time (open() while one is open returns that one, counted).
 */
export class UnprivilegedSession {
  private users = 1;
  private readonly onExit = (): void => this.restore();
  private restored = false;

  private constructor(private readonly saved: number, private readonly caps: CapSets) {
    process.on('exit', this.onExit);
  }

  /** Start a session, or say why unprivileged loads cannot be made here. */
  static open(): UnprivilegedSession | NotRun {
    if (active) {
      active.users++;
      return active;
    }
    const k = kernelAvailable();
    if (!k.ok) return { ran: false, reason: `no bpf(): ${k.reason}` };
    const caps = capGet();
    if ('error' in caps) return { ran: false, reason: caps.error };
    if ((caps.permitted & PRIVILEGE_CAPS) !== PRIVILEGE_CAPS || (caps.effective & capBit(CAP.SYS_ADMIN)) === 0n)
      return { ran: false, reason: 'not root: setting kernel.unprivileged_bpf_disabled and comparing privileges needs CAP_SYS_ADMIN and CAP_BPF' };
    const now = readSysctl();
    if (now === undefined) return { ran: false, reason: `${UNPRIV_SYSCTL} missing (kernel without unprivileged BPF control)` };
    const lock = acquireLock();
    if (lock) return { ran: false, reason: lock };
    const saved = readSysctl() ?? now;
    writeFileSync(join(LOCK_DIR, 'sysctl'), `${saved}\n`);
    if (saved !== 0) {
      const err = writeSysctl(0);
      if (err) {
        rmSync(LOCK_DIR, { recursive: true, force: true });
        const why = saved === 1 ? ' (1 is sticky until reboot)' : '';
        return { ran: false, reason: `kernel.unprivileged_bpf_disabled is ${saved} and could not be set to 0: ${err}${why}` };
      }
    }
    return (active = new UnprivilegedSession(saved, caps));
  }

  /** Run `fn` with the privilege capabilities lowered; they are raised again even if it throws. */
  unprivileged<T>(fn: () => T): T {
    const err = capSet({ ...this.caps, effective: this.caps.effective & ~PRIVILEGE_CAPS });
    if (err) throw new Error(`lowering capabilities: ${err}`);
    try {
      return fn();
    } finally {
      const back = capSet(this.caps);
      if (back) throw new Error(`raising capabilities again: ${back}`);
    }
  }

  /** loadProgram as an unprivileged process; the result (fd, maps) is the caller's to close. */
  load(program: Program, opts: LoadOptions = {}): LoadResult {
    return this.unprivileged(() => loadProgram(program, opts));
  }

  close(): void {
    if (--this.users > 0) return;
    this.restore();
    process.off('exit', this.onExit);
    if (active === this) active = undefined;
  }

  private restore(): void {
    if (this.restored) return;
    this.restored = true;
    if (this.saved !== 0) writeSysctl(this.saved);
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Run `fn` in an unprivileged session (closed afterwards), or say why it could not run. */
export function withUnprivileged<T>(fn: (s: UnprivilegedSession) => T): { ran: true; value: T } | NotRun {
  const s = UnprivilegedSession.open();
  if (!(s instanceof UnprivilegedSession)) return s;
  try {
    return { ran: true, value: fn(s) };
  } finally {
    s.close();
  }
}

/** One unprivileged load: verdict and log (the caller closes the result), or why it could not be made. */
export function loadUnprivileged(program: Program, opts: LoadOptions = {}): { ran: true; result: LoadResult } | NotRun {
  const r = withUnprivileged((s) => s.load(program, opts));
  return r.ran ? { ran: true, result: r.value } : r;
}
