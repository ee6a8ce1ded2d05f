// One search chain on a worker thread (see parallel.ts): runs runChain and asks the parent to
// validate each new best, since the kernel oracle and Z3 live in the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { runChain, type ChainOptions } from './chain.ts';
import type { Program } from '../isa/program.ts';
import type { TestGroup } from './tests.ts';
import type { ToWorker, FromWorker } from './parallel.ts';

const port = parentPort!;
const { program, opts, chain } = workerData as { program: Program; opts: Omit<ChainOptions, 'validate' | 'onProgress' | 'onTests'>; chain: number };
const send = (m: FromWorker): void => port.postMessage(m);
const pending = new Map<number, (v: Extract<ToWorker, { type: 'verdict' }>['verdict']) => void>();
let nextId = 0;
port.on('message', (m: ToWorker) => {
  if (m.type === 'verdict') {
    pending.get(m.id)?.(m.verdict);
    pending.delete(m.id);
  }
});

const r = await runChain(program, {
  ...opts,
  onTests: (tests: readonly TestGroup[]) => send({ type: 'tests', chain, tests }),
  onProgress: (stats) => send({ type: 'progress', chain, stats }),
  validate: (insns, deleted, tests, slots) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      send({ type: 'validate', chain, id, insns, deleted: [...deleted], tests, slots });
    }),
});
send({ type: 'done', chain, result: r });
port.close();
