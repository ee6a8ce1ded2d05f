// src/verifier/recent.ts: the last few answers by key object, owner object and number, oldest
// replaced first. The cases are scripts of asks (get, then set on a miss) against a Recent of
// a given size, with the asks expected to hit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Recent } from '../../src/verifier/recent.ts';

const t = suite('verifier/recent');

// objects named by letter (keys a-e, owners x-y), an ask as `key owner num`
interface Case { name: string; ways: number; asks: string[]; hits: boolean[] }
const cases: Case[] = [
  { name: 'the same ask hits', ways: 4, asks: ['a x 0', 'a x 0'], hits: [false, true] },
  { name: 'another key, owner or number misses', ways: 4, asks: ['a x 0', 'b x 0', 'a y 0', 'a x 5', 'a x 0'], hits: [false, false, false, false, true] },
  { name: 'a negative number is a number like any other', ways: 4, asks: ['a x -3', 'a x 3', 'a x -3'], hits: [false, false, true] },
  { name: 'a fifth answer replaces the oldest', ways: 4, asks: ['a x 0', 'b x 0', 'c x 0', 'd x 0', 'e x 0', 'b x 0', 'a x 0'], hits: [false, false, false, false, false, true, false] },
  { name: 'a hit does not refresh its answer (round robin, not LRU)', ways: 2, asks: ['a x 0', 'b x 0', 'a x 0', 'c x 0', 'a x 0'], hits: [false, false, true, false, false] },
  { name: 'one way keeps the last answer only', ways: 1, asks: ['a x 0', 'a x 0', 'b x 0', 'a x 0'], hits: [false, true, false, false] },
];

for (const c of cases) {
  t(c.name, () => {
    const objs = new Map<string, object>();
    const obj = (s: string): object => {
      let o = objs.get(s);
      if (!o) objs.set(s, (o = { s }));
      return o;
    };
    const r = new Recent<object, object, string>(c.ways);
    c.asks.forEach((ask, i) => {
      const [k, o, n] = ask.split(' ');
      const kept = r.get(obj(k), obj(o), Number(n));
      assert.is(kept !== undefined, c.hits[i], `ask ${i} (${ask})`);
      if (kept !== undefined) assert.is(kept, `answer ${ask}`, 'the answer kept for that very ask');
      else assert.is(r.set(obj(k), obj(o), Number(n), `answer ${ask}`), `answer ${ask}`, 'set returns the answer');
    });
  });
}

t('an equal key in another object misses', () => {
  const r = new Recent<object, object, number>(4);
  const owner = {};
  r.set({ v: 1 }, owner, 0, 1);
  assert.is(r.get({ v: 1 }, owner, 0), undefined);
});

t('ways must be a power of two', () => {
  for (const w of [0, 3, 6, -4]) assert.throws(() => new Recent(w), /power of two/, `${w}`);
});

t.run();
