// The Z3 child process of src/smt/isolated.ts: answers equivalence queries, one message each,
// and leaves when its parent does.
import { programEquiv, windowEquiv } from './equiv.ts';
import type { EquivReply, EquivRequest } from './isolated.ts';

process.on('disconnect', () => process.exit(0));
process.on('message', async (q: EquivRequest) => {
  let reply: EquivReply;
  try {
    const result = q.kind === 'program' ? await programEquiv(q.a, q.b, q.o) : await windowEquiv(q.a, q.b, q.o);
    reply = { id: q.id, result };
  } catch (e) {
    reply = { id: q.id, error: (e as Error).message };
  }
  process.send!(reply);
});
