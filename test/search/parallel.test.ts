// Chains on worker threads: deterministic for a seed and an iteration count, counters summed,
// the best chain's result kept, and every new best validated by this thread.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { runChains, mergeStats } from '../../src/search/parallel.ts';
import type { ChainStats } from '../../src/search/chain.ts';
import { Original } from '../../src/search/candidate.ts';
import { materialize } from '../../src/search/materialize.ts';

const t = suite('search/parallel');
const program = readObject(new Uint8Array(readFileSync('corpus/xdp_pktcntr.o'))).link();

t('two chains: same result twice, counters summed, each new best validated here', async () => {
  const asked: number[] = [];
  const run = () => runChains(program, {
    chains: 2, budgetMs: 120_000, maxIterations: 4000, seed: 5, objective: 'size', exclusiveMaps: true,
    validate: async (chain, cand, insns) => {
      asked.push(chain);
      // a worker's candidate arrives as a Candidate over this thread's original
      assert.is(cand.original, Original.of(program));
      assert.equal(materialize(cand).insns, insns);
      return { ok: true, how: 'test' };
    },
  });
  const a = await run();
  const nAsked = asked.length;
  const b = await run();
  assert.equal(b.best, a.best);
  assert.is(a.stats.iterations, 8000, 'both chains ran their 4,000 candidates');
  assert.ok(a.stats.bestPerf < a.stats.originalPerf);
  assert.ok(nAsked > 0 && asked.includes(0) && asked.includes(1), 'both chains asked for validation');
  assert.ok(a.tests.length > 0, 'the best chain\'s tests come back');
  assert.equal(materialize(a.candidate).insns, a.best, 'the best candidate comes back from its worker');
  for (const v of a.validated) assert.equal(materialize(v.candidate).insns, v.insns);
});

t('a chain whose bests are all refused leaves the original', async () => {
  const r = await runChains(program, {
    chains: 2, budgetMs: 120_000, maxIterations: 2000, seed: 1, objective: 'size',
    validate: async () => ({ ok: false, stage: 'z3', reason: 'refused for the test' }),
  });
  assert.is(r.stats.bestPerf, r.stats.originalPerf);
  assert.is(r.best.length, program.insns.length);
});

t('mergeStats: sums counters, takes the best chain\'s best', () => {
  const s = (bestPerf: number, bestAtMs: number, it: number): ChainStats => ({
    iterations: it, accepted: 1, rejectedTests: 2, rejectedValidation: { z3: 1 }, bestPerf, originalPerf: 22,
    elapsedMs: 100, bestAtMs, bestAtIteration: bestAtMs * 10, validatedBy: [`at ${bestAtMs}`],
  });
  const m = mergeStats([s(20, 50, 10), s(19, 90, 20), s(19, 30, 5)]);
  assert.is(m.iterations, 35);
  assert.equal(m.rejectedValidation, { z3: 3 });
  assert.is(m.bestPerf, 19);
  assert.is(m.bestAtMs, 30, 'ties go to the chain that found it first');
});

t.run();
