// Record the kernel's verdict on every cgroup_sock context probe (root): corpus/ctx/cgroup_sock.json.
import { join } from 'node:path';
import { ctxCases, ctxProgram } from './ctx-cases.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { writeAtomic } from '../../src/cli/io.ts';

const ATTACHES = [2, 34, 12, 13]; // sock_create, sock_release, post_bind4, post_bind6
const verdicts = ctxCases(80, ATTACHES).map((c) => {
  const r = loadProgram(ctxProgram(c, 'cgroup_sock'), { info: false });
  r.close();
  return r.ok ? 1 : 0;
});
writeAtomic(join(import.meta.dirname, '../../corpus/ctx/cgroup_sock.json'), JSON.stringify({ ctxSize: 80, attaches: ATTACHES, verdicts: verdicts.join('') }) + '\n');
console.log(`${verdicts.length} probes, ${verdicts.filter((v) => v).length} accepted`);
