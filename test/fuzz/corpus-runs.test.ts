// Every runnable corpus object, run in the kernel on a set of realistic packets (recorded),
// gives the same r0 and packet in our interpreter.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkCorpusRuns, corpusPrograms, type CorpusRunRecord } from '../../fuzz/corpus-runs.ts';
import { readRecording } from '../../fuzz/record.ts';

const t = suite('fuzz/corpus-runs');

t('recorded kernel runs of the corpus agree with the interpreter', () => {
  const recs = readRecording<CorpusRunRecord>('corpus/traces/corpus-runs.jsonl.gz');
  const objects = new Set(recs.map((r) => r.object));
  assert.is(objects.size, corpusPrograms().length);
  assert.ok(recs.filter((r) => r.kernel.kind === 'exit').length >= 250);
  assert.equal(checkCorpusRuns(recs), []);
});

t.run();
