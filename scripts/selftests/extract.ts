// Read every built selftest object and write the tests' expectations as data:
//   node --import tsx scripts/selftests/extract.ts [OBJDIR] [OUT.json]
// (defaults corpus/selftests/obj, corpus/selftests/specs.json).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { extractSpecs, type TestSpec } from '../../src/selftest/spec.ts';
import { writeAtomic } from '../../src/cli/io.ts';

const dir = process.argv[2] ?? 'corpus/selftests/obj';
const out = process.argv[3] ?? 'corpus/selftests/specs.json';
const specs: TestSpec[] = [];
const problems: string[] = [];
for (const f of readdirSync(dir).filter((n) => n.endsWith('.bpf.o')).sort()) {
  const source = f.replace(/\.bpf\.o$/, '.c');
  try {
    specs.push(...extractSpecs(readObject(readFileSync(join(dir, f))), source));
  } catch (e) {
    problems.push(`${source}: ${(e as Error).message}`);
  }
}
writeAtomic(out, `${JSON.stringify(specs, null, 1)}\n`);
console.error(`${specs.length} programs (${specs.filter((s) => !s.auxiliary).length} tests) from ${dir} into ${out}`);
for (const p of problems) console.error(`  not read: ${p}`);
