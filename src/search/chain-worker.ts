// One search chain on a worker thread (see parallel.ts): runs runChain and asks the parent to
// validate each new best, since the kernel oracle and Z3 live in the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { runChain, type ChainOptions } from './chain.ts';
import type { Program } from '../isa/program.ts';
import type { TestGroup } from './tests.ts';
import { toWireResult, type ToWorker, type FromWorker } from './parallel.ts';
import { Original } from './candidate.ts';
import type { Slot } from './proposals.ts';

const port = parentPort!;
const { program, ops, opts, chain } = workerData as { program: Program; ops: Slot[]; opts: Omit<ChainOptions, 'validate' | 'onProgress' | 'onTests'>; chain: number };
// decoded by the parent: the chain's Original.of(program) finds it
Original.decoded(program, ops);
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
  validate: (cand, insns, tests) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      send({ type: 'validate', chain, id, insns, tests, cand: cand.toWire() });
    }),
});
send({ type: 'done', chain, result: toWireResult(r) });
port.close();
