// The Z3 child process of src/smt/isolated.ts: answers equivalence queries, one message each,
// and leaves when its parent does.
//
// z3-solver's heap can be damaged without the process dying: after "memory access out of
// bounds" inside Z3, later queries fail at once ("Sort mismatch … supplied sort is null") and a
// long run would get no more proofs. So the child leaves after any query that threw, or whose
// answer names such damage, and when its memory passes 1.5 GB (Z3's WebAssembly heap stops at
// 2 GB): the parent starts a fresh one for the next query.
import { programEquiv, windowEquiv } from './equiv.ts';
import type { EquivReply, EquivRequest } from './isolated.ts';

const DAMAGE = /mismatch|sort is null|out of bounds|Aborted|file an issue/i;
const MAX_RSS = 1.5 * 2 ** 30;

process.on('disconnect', () => process.exit(0));
process.on('message', async (q: EquivRequest) => {
  let reply: EquivReply;
  let leave = false;
  try {
    const result = q.kind === 'program' ? await programEquiv(q.a, q.b, q.o) : await windowEquiv(q.a, q.b, q.o);
    reply = { id: q.id, result };
    leave = result.equal === null && DAMAGE.test(result.unknown);
  } catch (e) {
    reply = { id: q.id, error: (e as Error).message };
    leave = true;
  }
  leave ||= process.memoryUsage().rss > MAX_RSS;
  process.send!({ ...reply, leaving: leave }, () => {
    if (leave) process.exit(0);
  });
});
