// The verifier's domain entry points switch from the bigint memo to the compiled operators once
// an operator kind is hot, and give the same answers on both sides of the switch. Each
// DomainSession owns its caches: two sessions share no entries.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { concrete64x32 } from '../../src/bv/concrete.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { LINUX_6_18, scalarConst } from '../../src/domains/scalar.ts';
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

t('cold keys name values: an equal copy hits, other values never share an entry, even after the number tables are dropped', () => {
  const dom = new DomainSession(LINUX_6_18, 'bigint');
  const r0 = dom.sync(pool[0]);
  assert.ok(dom.sync({ ...pool[0], varOff: { ...pool[0].varOff } }) === r0, 'an equal value in another object: the same entry');
  assert.equal(dom.stats, { hits: 1, misses: 1 });
  for (let i = 1; i < 300; i++) assert.equal(dom.sync(pool[i]), want(pool[i]));
  // fill the value-number table to its limit: the next new value drops it (the count goes on)
  const ids = (dom as unknown as { ids: Map<string, number> }).ids;
  for (let i = ids.size; i < 1 << 16; i++) ids.set(`filler ${i}`, -1 - i);
  const fresh = (k: number) => ({ ...pool[k], varOff: { ...pool[k].varOff } });
  assert.equal(dom.sync(fresh(1)), want(pool[1]), 'a value met before, in a new object');
  const k = scalarConst(concrete64x32, 0x123456789n);
  assert.equal(dom.sync(k), want(k), 'a new value');
  assert.ok((dom as unknown as { ids: Map<string, number> }).ids.size < 10, 'the table was dropped');
  for (let i = 0; i < 300; i++) assert.equal(dom.sync(fresh(i)), want(pool[i]), `value ${i} after the drop`);
});

t.run();
