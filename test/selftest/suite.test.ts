// The kernel's verifier selftests replayed against the model from the recorded kernel answers
// (no root, no kernel sources): no false accept beyond the known ones, agreement and the __msg
// match rate not below the recorded baseline. With root, a sample is asked of the kernel again.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DEFAULT_OBJ_DIR, ObjectDir, casesOf } from '../../src/selftest/objects.ts';
import { answersByKey, readRecording } from '../../src/selftest/record.ts';
import { runSuite } from '../../src/selftest/run.ts';
import { summarize } from '../../src/selftest/classify.ts';
import { kernelAnswer } from '../../src/selftest/kernel.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { caseKey } from '../../src/selftest/objects.ts';
import { flavorNamed } from '../../src/domains/scalar.ts';

const t = suite('selftest/suite');
const baseline = JSON.parse(readFileSync('corpus/selftests/baseline.json', 'utf8')) as {
  verdictAgreement: number; msgMatchRate: number; knownFalseAccepts: string[];
};
const rec = readRecording();

t('the model on every recorded selftest: no new false accept, agreement not below the baseline', () => {
  assert.ok(rec, 'corpus/selftests/kernel.json is missing');
  const r = runSuite({ dir: DEFAULT_OBJ_DIR, kernel: answersByKey(rec), flavor: flavorNamed(rec.flavor ?? '6.18') });
  const s = summarize(r.judged);
  const fresh = r.judged.filter((j) => j.outcome === 'false-accept' && !baseline.knownFalseAccepts.includes(j.key));
  assert.equal(fresh.map((j) => `${j.key}: ${j.reason}`), [], 'new false accepts');
  assert.ok(s.compared > 900, `only ${s.compared} runs compared: objects or recording lost?`);
  console.log(`  selftests replayed: verdict agreement ${(100 * s.verdictAgreement).toFixed(1)}% (baseline ${(100 * baseline.verdictAgreement).toFixed(1)}%), __msg ${(100 * s.msgMatchRate).toFixed(1)}% (baseline ${(100 * baseline.msgMatchRate).toFixed(1)}%)`);
  assert.ok(s.verdictAgreement >= baseline.verdictAgreement - 1e-9, `verdict agreement ${s.verdictAgreement} fell below ${baseline.verdictAgreement}`);
  assert.ok(s.msgMatchRate >= baseline.msgMatchRate - 1e-9, `__msg match rate ${s.msgMatchRate} fell below ${baseline.msgMatchRate}`);
});

t('the recorded answers are still the kernel\'s (a sample, with root)', () => {
  const k = kernelAvailable();
  if (!k.ok) {
    console.log(`  skipped: ${k.reason}`);
    return;
  }
  const dir = new ObjectDir(DEFAULT_OBJ_DIR);
  const byKey = answersByKey(rec);
  const cases = casesOf(dir.specs(), { filter: /^verifier_(and|array_access|div0|ctx)\.c:/ });
  assert.ok(cases.length > 20);
  for (const c of cases) {
    const p = dir.program(c.spec);
    if ('skip' in p) continue;
    assert.equal(kernelAnswer(p, c.spec, c.mode), byKey.get(caseKey(c)), caseKey(c));
  }
});

t.run();
