// The domain against the kernel: recorded kernel answers replay without root; a short live
// run when bpf() works; and the comparison does catch a wrong answer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { replayDomains, fuzzDomains, type Recorded } from '../../fuzz/domains/run.ts';
import { compareObs, observeModel, bigintOps } from '../../fuzz/domains/observe.ts';
import { readRecording } from '../../fuzz/record.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('fuzz/domains');
const REC = 'corpus/traces/domains.jsonl.gz';

t('recorded kernel answers: 0 mismatches', () => {
  const r = replayDomains(REC);
  assert.ok(r.cases >= 20000, `${r.cases} cases`);
  assert.is(r.mismatches, 0, r.examples.join('\n'));
});

// Targeted precision corners (fuzz/domains/corners.ts): u64 ranges around 2^63 and up to
// 2^64 - 1 with 32-bit ranges inside, shifts by a register holding 0, w-1, w, w+1. They kill two
// mutants the random cases miss: dropping uNext in __reg32_deduce_bounds (215 mismatches) and
// '<' -> '<=' in the safe-to-shift test (388).
t('recorded kernel answers on the precision corners: 0 mismatches', () => {
  const r = replayDomains('corpus/traces/domain-corners.jsonl.gz');
  assert.ok(r.cases >= 2000, `${r.cases} cases`);
  assert.is(r.mismatches, 0, r.examples.join('\n'));
});

t('a perturbed kernel answer is reported', () => {
  const recs = readRecording<Recorded>(REC).slice(0, 200);
  const withAlu = recs.find((r) => r.kernel.steps.some((s) => s.dst && s.dst !== 'scalar()'))!;
  const i = withAlu.kernel.steps.findIndex((s) => s.dst && s.dst !== 'scalar()');
  const kernel = structuredClone(withAlu.kernel);
  kernel.steps[i].dst = 'scalar()';
  assert.equal(compareObs(withAlu.case, withAlu.kernel, observeModel(withAlu.case, bigintOps(LINUX_6_18))), []);
  const diff = compareObs(withAlu.case, kernel, observeModel(withAlu.case, bigintOps(LINUX_6_18)));
  assert.ok(diff.length === 1 && diff[0].includes(`step ${i}`), diff.join('\n'));
});

const k = kernelAvailable();
if (!k.ok) console.log(`skip: fuzz/domains live: ${k.reason}`);
else {
  t('live kernel, 400 fresh cases: 0 mismatches', async () => {
    const { runKernel } = await import('../../fuzz/domains/kernel.ts');
    const { runningKernelFlavor } = await import('../../src/kernel/flavor.ts');
    const flavor = runningKernelFlavor(); // builds with one release can differ: model the one that answers
    const seed = Date.now() % 100000; // fresh cases each run; the seed reproduces a failure
    const r = fuzzDomains({ flavor, count: 400, seed, runKernel });
    assert.is(r.cases, 400);
    assert.is(r.mismatches, 0, `bpfsynth fuzz domains --count 400 --seed ${seed}\n${r.examples.join('\n')}`);
  });
}

t.run();
