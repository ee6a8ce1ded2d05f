// The kill command of `npm run mutate` (stryker.config.json): the fastest evidence that a
// mutant of src/domains is wrong, stopping at the first failure. Exit 1 = killed.
//   1. the recorded kernel answers on the precision corners (domain-corners.jsonl.gz), then the
//      random recorded cases (domains.jsonl.gz): the domain must agree bit for bit;
//   2. the domain unit and property test files named in KILL_TESTS (default below), in this
//      process, one after the other.
// The proofs are not run here (minutes each on a loaded machine): a surviving mutant is checked
// afterwards by hand with `bpfsynth prove NAME` on its operator (BENCHMARKS.md lists them).
import { readRecordingFile, recordedFlavor } from '../fuzz/record.ts';
import { compareObs, observeModel, bigintOps } from '../fuzz/domains/observe.ts';
import type { Recorded } from '../fuzz/domains/run.ts';
import { spawnSync } from 'node:child_process';

const TRACES = ['corpus/traces/domain-corners.jsonl.gz', 'corpus/traces/domains.jsonl.gz'];
const TESTS = (process.env.KILL_TESTS ?? 'test/domains/tnum.test.ts test/domains/glue.test.ts test/domains/branch.test.ts test/domains/sync.test.ts').split(/\s+/).filter(Boolean);

function firstMismatch(path: string): string | undefined {
  const { meta, records } = readRecordingFile<Recorded>(path);
  const ops = bigintOps(recordedFlavor(meta));
  {
    for (const [i, rec] of records.entries()) {
      let diff: string[];
      try {
        diff = compareObs(rec.case, rec.kernel, observeModel(rec.case, ops));
      } catch (e) {
        return `${path} case ${i}: ${(e as Error).message}`;
      }
      if (diff.length) return `${path} case ${i}: ${diff[0]}`;
    }
    return undefined;
  }
}

for (const path of TRACES) {
  const bad = firstMismatch(path);
  if (bad) {
    console.log(`killed by ${bad}`);
    process.exit(1);
  }
}
for (const file of TESTS) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/uvu-file.js', file], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`killed by ${file}`);
    process.exit(1);
  }
}
console.log('survived');
