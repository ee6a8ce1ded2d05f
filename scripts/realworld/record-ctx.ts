// Record the kernel's verdict on every context probe (root): corpus/ctx/<type>.json.
import { join } from 'node:path';
import { ctxCases, ctxProgram } from './ctx-cases.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { writeAtomic } from '../../src/cli/io.ts';

import type { ProgType } from '../../src/isa/program.ts';

// struct bpf_sock (80 bytes) per attach type: sock_create, sock_release, post_bind4, post_bind6;
// struct bpf_sock_ops (224 bytes), attach type BPF_CGROUP_SOCK_OPS.
const TARGETS: { type: ProgType; ctxSize: number; attaches: number[] }[] = [
  { type: 'cgroup_sock', ctxSize: 80, attaches: [2, 34, 12, 13] },
  { type: 'sock_ops', ctxSize: 224, attaches: [3] },
];
for (const { type, ctxSize, attaches } of TARGETS) {
  const verdicts = ctxCases(ctxSize, attaches).map((c) => {
    const r = loadProgram(ctxProgram(c, type), { info: false });
    r.close();
    return r.ok ? 1 : 0;
  });
  writeAtomic(join(import.meta.dirname, `../../corpus/ctx/${type}.json`), JSON.stringify({ ctxSize, attaches, verdicts: verdicts.join('') }) + '\n');
  console.log(`${type}: ${verdicts.length} probes, ${verdicts.filter((v) => v).length} accepted`);
}
