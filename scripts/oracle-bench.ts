// Times the kernel oracle as the optimizer uses it: KernelOracle.open (the original twice per
// test input, maps reset and read back each time) and one check of a candidate (here the
// original itself), and writes every observation string so two builds can be compared byte for byte.
//   node --import tsx scripts/oracle-bench.ts OUT.json OBJ...
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createHash } from 'node:crypto';
import { readObject } from '../src/isa/object.ts';
import { prepare } from '../src/interp/index.ts';
import { makeTests } from '../src/search/tests.ts';
import { rng } from '../src/search/chain.ts';
import { KernelOracle } from '../src/search/validate.ts';

const [out, ...files] = process.argv.slice(2);
const report: Record<string, unknown> = { load: loadavg().map((x) => +x.toFixed(1)) };
for (const file of files) {
  const program = readObject(new Uint8Array(readFileSync(file))).link();
  const tests = makeTests(prepare(program), program, rng(1));
  const inputs = tests.reduce((n, g) => n + g.packets.length, 0);
  let t = performance.now();
  const oracle = KernelOracle.open(program, tests);
  if (typeof oracle === 'string') throw new Error(`${file}: ${oracle}`);
  const openMs = performance.now() - t;
  t = performance.now();
  const v = oracle.check([...program.insns]);
  const checkMs = performance.now() - t;
  const expected = [...((oracle as unknown as { expected: Map<string, string> }).expected)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // the inputs whose two runs of the original differ (time, randomness) are compared without their observation
  const flaky = (oracle as unknown as { flaky: Set<string> }).flaky;
  const sha = createHash('sha256').update(JSON.stringify(expected.filter(([k]) => !flaky.has(k)))).digest('hex').slice(0, 16);
  const row = { file, insns: program.insns.length, inputs, openMs: Math.round(openMs), checkMs: Math.round(checkMs), verdict: v.ok ? v.how : v.reason, testRun: oracle.testRun.detail, sha, flaky: [...flaky].map((k) => k.slice(0, 30)) };
  console.log(JSON.stringify(row));
  report[file] = { ...row, expected };
  oracle.close();
}
writeFileSync(out, JSON.stringify(report));
