// Equivalence queries in a child process with a Z3 of its own.
//
// z3-solver's WebAssembly build can die inside its solver thread on a hard query (a 2 GB memory
// abort, a stack overflow, heap damage afterwards: seen on xdp_lb_hash); in our own process that
// kills the whole run. A worker thread was not enough: after one crashed, a long-lived process
// (the search bench, 16 programs) got no further proofs — the crashed Z3's threads and memory
// stay in the process. A child process takes all of it with it when it dies: the queries in
// flight come back undecided (a candidate without a proof is refused) and the next query starts
// a fresh child. The child keeps us alive only while a query is in flight; Z3's own crash report
// (its stderr) shows under --debug, otherwise its last line becomes the reason.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Insn } from '../isa/insn.ts';
import type { Op } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import type { EquivResult, ProgramCounterexample, ProgramOptions, WindowCounterexample, WindowOptions } from './equiv.ts';

/** Options that cross to the child (no functions, no cache object: the child keeps its own). */
export type IsolatedProgramOptions = Omit<ProgramOptions, 'argCount' | 'cache'>;
export type IsolatedWindowOptions = Omit<WindowOptions, 'argCount' | 'cache'>;

export type EquivRequest =
  | { id: number; kind: 'program'; a: Program; b: readonly Insn[]; o: IsolatedProgramOptions }
  | { id: number; kind: 'window'; a: readonly Insn[] | readonly Op[]; b: readonly Insn[] | readonly Op[]; o: IsolatedWindowOptions };
/** `leaving`: the child exits after this reply (see equiv-worker.ts); the next query goes to a new one. */
export type EquivReply = ({ id: number; result: EquivResult<unknown> } | { id: number; error: string }) & { leaving?: boolean };

type Pending = { c: Solver; resolve: (r: EquivResult<unknown>) => void; reject: (e: Error) => void; t0: number; watchdog: NodeJS.Timeout };
/** A child process, the tail of what it printed to stderr, and its idle guard while busy. */
type Solver = { proc: ChildProcess; inFlight: number; stderrTail: string; idle?: NodeJS.Timeout };

/** How long past its own time limit a query may run before its child is presumed stuck and killed. */
const GRACE_MS = 15_000;
const LAST_RESORT_MS = 30 * 60_000;
/**
 * A child with a query in flight that uses no CPU at all for this long has hung (a Z3 thread died
 * and the check waits on it forever): it is killed then, not after LAST_RESORT_MS. Read from
 * /proc (Linux; elsewhere only the timers apply). Load slows a working Z3 but cannot stop it from
 * using CPU, so this does not fire on a busy machine.
 */
const IDLE_MS = 120_000;
const IDLE_SAMPLE_MS = 10_000;

/** A process's CPU ticks (all its threads, user and system), or undefined without /proc. */
function cpuTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}
const WORKER = fileURLToPath(new URL('./equiv-worker.mjs', import.meta.url));

/** Hold the process open only while s has a query in flight (and guard it against hanging then). */
function hold(s: Solver, on: boolean, hung?: () => void, idleMs = IDLE_MS): void {
  clearInterval(s.idle);
  s.idle = undefined;
  if (on) {
    s.proc.ref();
    s.proc.channel?.ref();
    if (hung) {
      let last = cpuTicks(s.proc.pid), since = performance.now();
      if (last === undefined) return;
      s.idle = setInterval(() => {
        const now = cpuTicks(s.proc.pid);
        if (now !== last) {
          last = now;
          since = performance.now();
        } else if (performance.now() - since >= idleMs) hung();
      }, Math.min(IDLE_SAMPLE_MS, idleMs / 4));
      s.idle.unref();
    }
  } else {
    s.proc.unref();
    s.proc.channel?.unref();
  }
}

/** What s printed last that says why it stopped (an error or abort line, else its last line), if anything. */
function lastLine(s: Solver): string | undefined {
  const lines = s.stderrTail.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v/.test(l));
  return ([...lines].reverse().find((l) => /Error|Abort/.test(l)) ?? lines.pop())?.slice(0, 160);
}

/**
 * A Z3 child process and its queue of queries: owned by whoever makes it (the search makes one
 * per optimize() run, the final check one of its own) and closed by them. Two services share
 * nothing: closing one leaves the other's child and queries alone.
 */
export class EquivService {
  /**
   * `idleMs` and `worker` are for tests: a shorter idle limit than IDLE_MS, and another child
   * script (one that hangs, say) in place of equiv-worker.
   */
  constructor(private readonly opts: { idleMs?: number; worker?: string } = {}) {}

  private current: Solver | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  /** programEquiv (src/smt/equiv.ts) in this service's Z3 process. */
  programEquiv(a: Program, b: readonly Insn[], o: IsolatedProgramOptions = {}): Promise<EquivResult<ProgramCounterexample>> {
    return this.ask({ kind: 'program', a, b, o });
  }

  /** windowEquiv (src/smt/equiv.ts) in this service's Z3 process. */
  windowEquiv(a: readonly Insn[] | readonly Op[], b: readonly Insn[] | readonly Op[], o: IsolatedWindowOptions): Promise<EquivResult<WindowCounterexample>> {
    return this.ask({ kind: 'window', a, b, o });
  }

  /** Queries sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** The child's process id (undefined when none runs). */
  get pid(): number | undefined {
    return this.current?.proc.pid;
  }

  /** Stop the Z3 process (queries in flight come back undecided); the next query starts a new one. */
  async stop(): Promise<void> {
    const s = this.current;
    if (!s) return;
    const gone = new Promise<void>((resolve) => s.proc.once('exit', () => resolve()));
    hold(s, true); // an idle child is unreferenced: without this nothing would wait for its exit
    s.proc.kill('SIGKILL');
    await gone;
  }

  /** Stop the process for good: later queries are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  /** Child s is gone: every query in flight on it is undecided, with the reason. */
  private died(s: Solver, why: string): void {
    if (this.current === s) this.current = undefined;
    hold(s, false);
    const said = lastLine(s);
    const reason = `the Z3 process stopped (${why}${said ? `: ${said}` : ''}); the next query starts a new one`;
    for (const [id, p] of this.pending) {
      if (p.c !== s) continue;
      clearTimeout(p.watchdog);
      p.resolve({ equal: null, unknown: reason, ms: performance.now() - p.t0 });
      this.pending.delete(id);
    }
    s.inFlight = 0;
  }

  private start(): Solver {
    const debug = process.argv.includes('--debug');
    const proc = fork(this.opts.worker ?? WORKER, [], {
      serialization: 'advanced', // bigints and typed arrays cross intact
      stdio: ['ignore', 'ignore', debug ? 'inherit' : 'pipe', 'ipc'],
      execArgv: [],
    });
    const s: Solver = { proc, inFlight: 0, stderrTail: '' };
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (d: string) => { s.stderrTail = (s.stderrTail + d).slice(-4096); });
    (proc.stderr as { unref?: () => void } | null)?.unref?.();
    proc.on('message', (m: EquivReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.watchdog);
      if (--s.inFlight === 0) hold(s, false);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.result);
      if (m.leaving && this.current === s) this.current = undefined;
    });
    proc.on('error', (e) => this.died(s, e.message.split('\n')[0]));
    proc.on('exit', (code, signal) => this.died(s, signal ? `signal ${signal}` : `exit ${code}`));
    return s;
  }

  private ask<C>(req: Omit<EquivRequest, 'id'>): Promise<EquivResult<C>> {
    if (this.closed) return Promise.reject(new Error('the Z3 service is closed'));
    const s = (this.current ??= this.start());
    const id = this.nextId++;
    if (s.inFlight++ === 0) {
      const idleMs = this.opts.idleMs ?? IDLE_MS;
      hold(s, true, () => {
        this.died(s, `no CPU used for ${idleMs / 1000} s with a query in flight: hung`);
        s.proc.kill('SIGKILL');
      }, idleMs);
    }
    // Z3 can also hang when it dies: past the query's time limit and a grace, kill the child.
    // A query bounded by its resource limit alone (no timeoutMs: tests) gets a last-resort
    // watchdog only, far beyond any busy machine's time for it.
    const limit = req.o.timeoutMs === undefined ? LAST_RESORT_MS : req.o.timeoutMs + GRACE_MS;
    return new Promise((resolve, reject) => {
      const watchdog = setTimeout(() => {
        this.died(s, `no answer ${Math.round(limit / 1000)} s after the query was sent`);
        s.proc.kill('SIGKILL');
      }, limit);
      this.pending.set(id, { c: s, resolve: resolve as Pending['resolve'], reject, t0: performance.now(), watchdog });
      s.proc.send({ ...req, id });
    });
  }
}
