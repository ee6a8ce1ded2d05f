// The chain does not wait for validations (issue 20): it goes on while a new best is checked,
// takes the candidate when the answer comes, and never returns one that was refused.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { runChain, type ChainOptions } from '../../src/search/chain.ts';

const t = suite('search/chain-nonblocking');

const redundant = bareProgram(assemble('r0 = 0\nr2 = 5\nr2 = 5\nr0 += r2\nr0 += 0\nexit').insns, 'xdp');

/** A validator answering after `ms` with `ok`; it records the chain's iteration count when asked and when it answers. */
function slowValidator(ms: number, ok: boolean, seen: { askedAt: number[]; answeredAt: number[] }, iterations: () => number): ChainOptions['validate'] {
  return (_cand, insns) => {
    seen.askedAt.push(iterations());
    return new Promise((resolve) => setTimeout(() => {
      seen.answeredAt.push(iterations());
      resolve(ok ? { ok: true, how: `test validator (${insns.length} insns)` } : { ok: false, stage: 'z3', reason: 'refused by the test' });
    }, ms));
  };
}

t('the chain goes on while a validation is out, and takes the proved candidate when it answers', async () => {
  // The validator answers only once a progress report shows the chain has run more candidates
  // than when it asked (or, failing that, after 5 s): an answer that came that way could not
  // have come if the chain waited for it. No claim on how many candidates a second: that is the
  // machine's speed, not the chain's behaviour.
  let its = 0;
  const waiting: { at: number; answer: (byAdvance: boolean) => void }[] = [];
  let byAdvance = 0;
  const r = await runChain(redundant, {
    budgetMs: 3_000, seed: 3, objective: 'size', nonBlocking: true,
    onProgress: (s) => {
      its = s.iterations;
      for (const w of waiting.splice(0)) if (its > w.at) w.answer(true); else waiting.push(w);
    },
    validate: (_cand, insns) => new Promise((resolve) => {
      let done = false;
      const answer = (advanced: boolean) => {
        if (done) return;
        done = true;
        if (advanced) byAdvance++;
        resolve({ ok: true, how: `test validator (${insns.length} insns)` });
      };
      waiting.push({ at: its, answer });
      setTimeout(() => answer(false), 5_000);
    }),
  });
  assert.ok(byAdvance > 0, 'a validation was answered because the chain had moved on while it was out');
  assert.ok(r.best.length < redundant.insns.length, `${r.best.length} < ${redundant.insns.length}`);
  assert.ok(r.stats.validatedBy.length > 0 && r.stats.validatedBy.every((h) => h.startsWith('test validator')));
});

t('a candidate whose validation is refused is never the result, even answered late', async () => {
  const seen = { askedAt: [] as number[], answeredAt: [] as number[] };
  const r = await runChain(redundant, { budgetMs: 800, seed: 3, objective: 'size', nonBlocking: true, validate: slowValidator(60, false, seen, () => 0) });
  assert.ok(seen.askedAt.length > 0);
  assert.is(seen.answeredAt.length, seen.askedAt.length, 'every validation answered before the chain returned');
  assert.equal(r.best, redundant.insns);
  assert.is(r.validated.length, 0);
  assert.ok((r.stats.rejectedValidation['z3'] ?? 0) > 0);
});

t('with maxIterations the chain waits for each validation: the same seed and count give the same result', async () => {
  const run = () => runChain(redundant, { budgetMs: 60_000, maxIterations: 2_000, seed: 5, objective: 'size', validate: async () => ({ ok: true, how: 'test' }) });
  const a = await run(), b = await run();
  assert.equal(a.best, b.best);
  assert.is(a.stats.bestAtIteration, b.stats.bestAtIteration);
});

t.run();
