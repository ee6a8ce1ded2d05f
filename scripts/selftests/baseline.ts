// Write corpus/selftests/baseline.json: the model's figures on the recorded kernel answers, which
// test/selftest/suite.test.ts holds every later model to (agreement may not fall, no false
// accept may appear that is not listed here).
//   node --import tsx scripts/selftests/baseline.ts
import { writeAtomic } from '../../src/cli/io.ts';
import { DEFAULT_OBJ_DIR } from '../../src/selftest/objects.ts';
import { answersByKey, readRecording } from '../../src/selftest/record.ts';
import { runSuite } from '../../src/selftest/run.ts';
import { summarize } from '../../src/selftest/classify.ts';
import { flavorNamed } from '../../src/domains/scalar.ts';

/** Rounded down, so the test's 'not below' holds for the run that wrote it. */
const floor4 = (x: number): number => Math.floor(x * 1e4) / 1e4;
export const BASELINE = 'corpus/selftests/baseline.json';
const rec = readRecording();
if (!rec) throw new Error('no recorded kernel answers (run bpfsynth selftest --record as root)');
const r = runSuite({ dir: DEFAULT_OBJ_DIR, kernel: answersByKey(rec), flavor: flavorNamed(rec.flavor ?? '6.18') });
const s = summarize(r.judged);
const baseline = {
  verdictAgreement: floor4(s.verdictAgreement),
  msgMatchRate: floor4(s.msgMatchRate),
  agree: s.agree,
  knownFalseAccepts: r.judged.filter((j) => j.outcome === 'false-accept').map((j) => j.key),
};
writeAtomic(BASELINE, `${JSON.stringify(baseline, null, 1)}\n`);
console.error(`${BASELINE}: ${JSON.stringify(baseline)}`);
