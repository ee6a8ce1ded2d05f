// The verifier's domain entry points switch from the bigint memo to the compiled operators once
// an operator kind is hot, and give the same answers on both sides of the switch.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { compiledCount } from '../../src/domains/compiled.ts';
import { syncMemo, setDomainTier, clearMemo } from '../../src/verifier/memo.ts';
import { arbTracked } from '../domains/arb-scalar.ts';

const t = suite('verifier/memo-tier');
const pool = fc.sample(arbTracked(), { numRuns: 300, seed: 11 }).map((x) => x.s);

t('bigint tier never compiles', () => {
  setDomainTier('bigint');
  const before = compiledCount();
  for (let i = 0; i < 3000; i++) assert.equal(syncMemo(pool[i % 300]), regBoundsSync(concrete64x32, pool[i % 300]));
  assert.is(compiledCount(), before);
});

t('tiered: sync compiles after 2,000 calls and answers as before', () => {
  setDomainTier('tiered');
  clearMemo();
  const before = compiledCount();
  for (let i = 0; i < 1990; i++) syncMemo(pool[i % 300]);
  assert.is(compiledCount(), before, 'still on bigints');
  for (let i = 0; i < 600; i++) assert.equal(syncMemo(pool[i % 300]), regBoundsSync(concrete64x32, pool[i % 300]));
  assert.ok(compiledCount() > before, 'compiled once hot');
});

t.run();
