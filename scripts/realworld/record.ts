// Record the kernel's and the model's verdicts on the real-world corpus (root, bpf()):
// corpus/realworld/verdicts.json, one row per program, replayed by test/realworld/*.test.ts.
// usage: node --import tsx scripts/realworld/record.ts
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { release } from 'node:os';
import { readBpfObject } from '../../src/cli/source.ts';
import { checkObject, summarize, type CheckRow } from '../../src/cli/kernel-check-rows.ts';
import { runningKernelFlavor } from '../../src/kernel/flavor.ts';
import { writeAtomic } from '../../src/cli/io.ts';

const root = join(import.meta.dirname, '../..');
const dir = join(root, 'corpus/realworld/objects');
const flavor = runningKernelFlavor();
const rows: CheckRow[] = [];
for (const coll of readdirSync(dir).sort()) {
  for (const f of readdirSync(join(dir, coll)).filter((n) => n.endsWith('.o')).sort()) {
    const path = join(dir, coll, f);
    rows.push(...checkObject(relative(root, path), readBpfObject(readFileSync(path)), { flavor }));
    process.stderr.write(`\r${rows.length} programs`);
  }
}
const summary = summarize(rows);
const body = `{"kernel":${JSON.stringify(release())},"summary":${JSON.stringify(summary)},"rows":[\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
writeAtomic(join(root, 'corpus/realworld/verdicts.json'), new TextEncoder().encode(body));
console.error(`\n${JSON.stringify(summary)}`);
