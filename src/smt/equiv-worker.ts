// The Z3 worker of src/smt/isolated.ts: answers equivalence queries, one message each.
import { parentPort, workerData } from 'node:worker_threads';
import { programEquiv, windowEquiv } from './equiv.ts';
import type { EquivReply, EquivRequest } from './isolated.ts';

// Z3's own report when it dies (WebAssembly stacks, from its threads) shows only under --debug;
// the parent says what happened in one line.
if (!(workerData as { debug?: boolean } | undefined)?.debug) process.stderr.write = (() => true) as typeof process.stderr.write;

parentPort!.on('message', async (q: EquivRequest) => {
  let reply: EquivReply;
  try {
    const result = q.kind === 'program' ? await programEquiv(q.a, q.b, q.o) : await windowEquiv(q.a, q.b, q.o);
    reply = { id: q.id, result };
  } catch (e) {
    reply = { id: q.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
