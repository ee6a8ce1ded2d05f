// Records test/verifier/call-rejects.json: the random programs of test/verifier/call-programs.ts
// with the verdicts the tree it runs in gives them. Recorded at 3f4d175, where the rejections of
// calls, exits, atomics, LD_ABS, BPF_END and unprivileged jumps were thrown (fail);
// test/verifier/reject-return.test.ts checks that the returned ones are the same, instruction and message.
// Usage: node --import tsx scripts/record-call-rejects.ts [count] > test/verifier/call-rejects.json
import { verify } from '../src/verifier/analyze.ts';
import { type CallCase, callCase, callProgram } from '../test/verifier/call-programs.ts';

const count = Number(process.argv[2] ?? 400);
const out: CallCase[] = [];
for (let i = 1; i <= count; i++) {
  const c = callCase(i);
  const v = verify(callProgram(c), { privileged: c.privileged });
  out.push({ ...c, reject: v.error ? [v.error.index, v.error.message] : null });
}
console.log(`[\n${out.map((c) => JSON.stringify(c)).join(',\n')}\n]`);
