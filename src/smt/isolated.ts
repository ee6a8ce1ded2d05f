// Equivalence queries in a worker thread with a Z3 of its own.
//
// z3-solver's WebAssembly build can die inside its solver thread on a hard query (a 2 GB memory
// abort, a stack overflow, heap damage afterwards: seen on xdp_lb_hash); in the main thread
// that kills the whole run. In a worker it kills only the worker: the queries in flight come back
// undecided (a candidate without a proof is refused) and the next query starts a fresh worker.
// The worker keeps the process alive only while a query is in flight; what Z3 prints when it
// dies shows under --debug.
import { Worker } from 'node:worker_threads';
import type { Insn } from '../isa/insn.ts';
import type { Op } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import type { EquivResult, ProgramCounterexample, ProgramOptions, WindowCounterexample, WindowOptions } from './equiv.ts';

/** Options that cross to the worker (no functions, no cache object: the worker keeps its own). */
export type IsolatedProgramOptions = Omit<ProgramOptions, 'argCount' | 'cache'>;
export type IsolatedWindowOptions = Omit<WindowOptions, 'argCount' | 'cache'>;

export type EquivRequest =
  | { id: number; kind: 'program'; a: Program; b: readonly Insn[]; o: IsolatedProgramOptions }
  | { id: number; kind: 'window'; a: readonly Insn[] | readonly Op[]; b: readonly Insn[] | readonly Op[]; o: IsolatedWindowOptions };
export type EquivReply = { id: number; result: EquivResult<unknown> } | { id: number; error: string };

type Pending = { w: Worker; resolve: (r: EquivResult<unknown>) => void; reject: (e: Error) => void; t0: number; watchdog: NodeJS.Timeout };

/** How long past its own time limit a query may run before its worker is presumed stuck and stopped. */
const GRACE_MS = 15_000;

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

/** Worker w died: every query in flight on it is undecided, with the reason. */
function died(w: Worker, why: string): void {
  if (worker === w) worker = undefined;
  w.unref(); // a worker that does not stop must not hold the process
  for (const [id, p] of pending) {
    if (p.w !== w) continue;
    clearTimeout(p.watchdog);
    p.resolve({ equal: null, unknown: `the Z3 worker stopped (${why}); the next query starts a new one`, ms: performance.now() - p.t0 });
    pending.delete(id);
  }
}

/** The first line of whatever the worker threw (WebAssembly aborts are not always Errors). */
const firstLine = (e: unknown): string => String((e as Error | undefined)?.message ?? e).split('\n')[0].slice(0, 160);

function start(): Worker {
  const w = new Worker(new URL('./equiv-worker.mjs', import.meta.url), { workerData: { debug: process.argv.includes('--debug') } });
  w.on('message', (m: EquivReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.watchdog);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.result);
    if (![...pending.values()].some((q) => q.w === w)) w.unref();
  });
  w.on('error', (e: unknown) => died(w, firstLine(e)));
  w.on('exit', (code) => died(w, `exit ${code}`));
  return w;
}

function ask<C>(req: Omit<EquivRequest, 'id'>): Promise<EquivResult<C>> {
  const w = (worker ??= start());
  const id = nextId++;
  w.ref();
  // Z3 can also hang when it dies: past the query's time limit and a grace, give up on the worker
  const limit = (req.o.timeoutMs ?? (req.kind === 'program' ? 30_000 : 10_000)) + GRACE_MS;
  return new Promise((resolve, reject) => {
    const watchdog = setTimeout(() => {
      died(w, `no answer ${Math.round(limit / 1000)} s after the query was sent`);
      void w.terminate();
    }, limit);
    pending.set(id, { w, resolve: resolve as Pending['resolve'], reject, t0: performance.now(), watchdog });
    w.postMessage({ ...req, id });
  });
}

/** programEquiv (src/smt/equiv.ts) in the Z3 worker. */
export const programEquivIsolated = (a: Program, b: readonly Insn[], o: IsolatedProgramOptions = {}): Promise<EquivResult<ProgramCounterexample>> =>
  ask({ kind: 'program', a, b, o });

/** windowEquiv (src/smt/equiv.ts) in the Z3 worker. */
export const windowEquivIsolated = (a: readonly Insn[] | readonly Op[], b: readonly Insn[] | readonly Op[], o: IsolatedWindowOptions): Promise<EquivResult<WindowCounterexample>> =>
  ask({ kind: 'window', a, b, o });

/** Stop the worker (queries in flight come back undecided); the next query starts a new one. */
export async function stopEquivWorker(): Promise<void> {
  await worker?.terminate();
}
