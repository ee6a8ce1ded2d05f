// The verifier's domain entry points switch from the bigint memo to the compiled operators once
// an operator kind is hot, and give the same answers on both sides of the switch. Each
// DomainSession owns its caches: two sessions share no entries.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';
import { DomainSession } from '../../src/verifier/memo.ts';
import { arbTracked } from '../domains/arb-scalar.ts';

const t = suite('verifier/memo-tier');
const pool = fc.sample(arbTracked(), { numRuns: 300, seed: 11 }).map((x) => x.s);
const want = (s: (typeof pool)[number]) => regBoundsSync(concrete64x32, s, LINUX_6_18);

t('bigint tier never compiles', () => {
  const dom = new DomainSession(LINUX_6_18, 'bigint');
  for (let i = 0; i < 3000; i++) assert.equal(dom.sync(pool[i % 300]), want(pool[i % 300]));
  assert.is(dom.compiled.count, 0);
});

t('tiered: sync compiles after 2,000 calls and answers as before', () => {
  const dom = new DomainSession(LINUX_6_18, 'tiered');
  for (let i = 0; i < 1990; i++) dom.sync(pool[i % 300]);
  assert.is(dom.compiled.count, 0, 'still on bigints');
  for (let i = 0; i < 600; i++) assert.equal(dom.sync(pool[i % 300]), want(pool[i % 300]));
  assert.ok(dom.compiled.count > 0, 'compiled once hot');
});

t('two sessions share no entries; clearing one leaves the other', () => {
  const x = new DomainSession(LINUX_6_18, 'bigint'), y = new DomainSession(LINUX_6_18, 'bigint');
  const rx = x.sync(pool[0]);
  assert.equal(x.stats, { hits: 0, misses: 1 });
  const ry = y.sync(pool[0]);
  assert.equal(y.stats, { hits: 0, misses: 1 }, 'y did not see x\'s entry');
  assert.ok(rx !== ry);
  x.clear();
  assert.ok(y.sync(pool[0]) === ry, 'y keeps its entry after x is cleared');
  assert.equal(y.stats, { hits: 1, misses: 1 });
  assert.ok(x.sync(pool[0]) !== rx, 'x recomputes');
});

t.run();
