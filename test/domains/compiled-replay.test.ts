// The run-time forms of the scalar domain agree with the bigint oracle on every recorded kernel
// case (corpus/traces/domains.jsonl.gz): the compiled operators (src/domains/compiled.ts) and the
// arena backend (generic code on src/bv/fixed.ts) give the same observation as bigints.
// (Split from compiled.test.ts so that the property tests there run alone in a mutation kill.)
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { observeModel, bigintOps } from '../../fuzz/domains/observe.ts';
import { arenaOps, compiledOps } from '../../fuzz/domains/backends.ts';
import { readRecordingFile, recordedFlavor } from '../../fuzz/record.ts';
import type { Recorded } from '../../fuzz/domains/run.ts';

const t = suite('domains/compiled-replay');
const show = (x: unknown): string => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));

const REC = 'corpus/traces/domains.jsonl.gz';
const rec = readRecordingFile<Recorded>(REC);

t('every recorded domain case: compiled operators observe what bigints do', () => {
  let n = 0;
  const fl = recordedFlavor(rec.meta), compiled = compiledOps(fl), bigint = bigintOps(fl);
  for (const r of rec.records) {
    const want = observeModel(r.case, bigint);
    assert.equal(observeModel(r.case, compiled), want, show(r.case));
    n++;
  }
  assert.ok(n >= 20000, `${n} cases`);
});

// The arena is the slow generic path (it backs constant folding): every 8th case here;
// `node --import tsx fuzz/domains/backends.ts` replays all of them on both backends.
t('recorded domain cases (every 8th): the arena backend observes what bigints do', () => {
  const fl = recordedFlavor(rec.meta), arena = arenaOps(fl), bigint = bigintOps(fl);
  for (const r of rec.records.filter((_, i) => i % 8 === 0)) assert.equal(observeModel(r.case, arena), observeModel(r.case, bigint), show(r.case));
});

t.run();
