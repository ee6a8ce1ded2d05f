// Validations out at once, and the best candidate found while every slot is busy (issue 20:
// xdp_router_ipv4 stood on a 99 that was never validated while two older bests were out).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { runChain } from '../../src/search/chain.ts';
import { ValidationSlots, type Offer } from '../../src/search/validation-slots.ts';

const t = suite('search/validation-slots');

/** A fake slow validator: each validation answers only when the test says so. */
function slowValidator() {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  const validated: Offer<string>[] = [];
  const start = (o: Offer<string>) => {
    started.push(o.key);
    return new Promise<void>((resolve) => pending.set(o.key, () => { validated.push(o); resolve(); }));
  };
  const answer = (key: string) => { pending.get(key)!(); pending.delete(key); };
  return { started, validated, start, answer };
}

t('two slots, three improving candidates: the best waits for a slot and ends validated', async () => {
  const v = slowValidator();
  const slots = new ValidationSlots<string>(2, v.start);
  let best = 100;
  const takeIn = () => {
    for (const o of v.validated.splice(0)) best = Math.min(best, o.perf);
    slots.refill((p) => p < best);
  };
  assert.is(slots.offer({ key: 'a', item: 'a', perf: 12 }), 'started');
  assert.is(slots.offer({ key: 'b', item: 'b', perf: 11 }), 'started');
  assert.is(slots.offer({ key: 'c', item: 'c', perf: 10 }), 'waiting');
  // a costlier one found later does not push the best out of the waiting place
  assert.is(slots.offer({ key: 'd', item: 'd', perf: 10.5 }), 'waiting');
  assert.is(slots.offer({ key: 'a', item: 'a', perf: 12 }), 'already out');
  assert.equal(v.started, ['a', 'b']);
  v.answer('a');
  await slots.settled();
  takeIn();
  assert.equal(v.started, ['a', 'b', 'c'], 'the waiting best starts when a slot frees');
  v.answer('b');
  v.answer('c');
  while (slots.busy) {
    await slots.settled();
    takeIn();
  }
  assert.is(best, 10);
  assert.equal(v.started, ['a', 'b', 'c'], 'd (costlier than c) was never validated');
});

t('a waiting candidate no longer better than the best validated is dropped, not validated', async () => {
  const v = slowValidator();
  const slots = new ValidationSlots<string>(1, v.start);
  slots.offer({ key: 'a', item: 'a', perf: 5 });
  slots.offer({ key: 'b', item: 'b', perf: 6 });
  v.answer('a');
  await slots.settled();
  slots.refill((p) => p < 5);
  assert.not.ok(slots.busy);
  assert.equal(v.started, ['a']);
});

t('a candidate refused at once (the model) frees its place for the next', () => {
  const slots = new ValidationSlots<string>(1, () => undefined);
  assert.is(slots.offer({ key: 'a', item: 'a', perf: 5 }), 'refused');
  assert.not.ok(slots.busy);
});

// The chain: a fixed count of candidates, each validation answering 1 s after it is asked, so on
// a machine that is not very busy every deletion is found while the first two are out. Before
// the waiting place the chain ended on the second best it had submitted (4 or 5 slots); now the
// best it stood on ends validated. On a busy machine answers come earlier and the chain finds
// the same best either way, so the test cannot fail for load, only miss the old bug.
const dead = bareProgram(assemble('r0 = 0\nr2 = 5\nr3 = 6\nr4 = 7\nr5 = 8\nr0 += 0\nexit').insns, 'xdp');

t('the chain: a best found while both validations are out ends validated', async () => {
  const asked: number[] = [];
  const r = await runChain(dead, {
    budgetMs: 600_000, maxIterations: 20_000, seed: 7, objective: 'size', nonBlocking: true,
    validate: async (_cand, insns) => {
      asked.push(insns.length);
      await new Promise((res) => setTimeout(res, 1_000));
      return { ok: true, how: `test validator (${insns.length} insns)` };
    },
  });
  assert.is(r.best.length, 2, `best ${r.best.length} insns; validations asked for ${asked.join(', ')}`);
  assert.is(r.stats.validatedBy.at(-1), 'test validator (2 insns)');
});

t.run();
