// A re-check runs on a copy of a snapshot of the baseline's exploration (copyCtx): running copies
// must leave the snapshots as they were, so that re-checks one after another, between re-checks
// of other programs and of other checkers of the same baseline, keep giving what a full run gives.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { type Verdict, copyCtx, freshCtx, run, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { searchCandidates } from '../../bench/search-mutants.ts';

const t = suite('verifier/incremental-copies');
const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

const counts = (v: Verdict) => ({ ok: v.ok, error: v.error, processed: v.processed, totalStates: v.totalStates, peakStates: v.peakStates, maxStatesPerInsn: v.maxStatesPerInsn, stackDepths: v.stackDepths });

t('copies of an exploration without checkpoints yet (no explored list) run as the original would, one after another', () => {
  const p = load('xdp1');
  const cfg = buildCfg(p.insns, p.type);
  const c = freshCtx(p.insns.length);
  try {
    run(p, cfg, {}, c, (cc) => {
      if (cc.processed === 3) throw cc;
    });
  } catch (e) {
    if (e !== c) throw e;
  }
  assert.ok(c.explored.every((l) => l === undefined) && c.path.parent === null, 'no checkpoint yet');
  const want = counts(verify(p));
  for (let k = 0; k < 3; k++) {
    const copy = copyCtx(c, []);
    assert.equal(counts(run(p, cfg, {}, copy)), want, `copy ${k}`);
    assert.ok(copy.totalStates > 0, 'the copy made checkpoints of its own');
  }
  assert.ok(c.explored.every((l) => l === undefined) && c.totalStates === 0, 'the original still has none');
});

t('re-checks interleaved across programs and across checkers of one baseline equal full runs', () => {
  // xdp1, tc_edit and xdp_parse_drop resume with 4-6 paths pending on average; the same
  // candidates twice over, so a snapshot written by an earlier re-check would answer later ones wrongly
  const progs = ['xdp1', 'tc_edit', 'xdp_parse_drop'].map((name) => {
    const p = load(name);
    return { name, inc: new Incremental(p), other: new Incremental(p), ms: searchCandidates(p, 48, 3).map((m) => m.prog) };
  });
  let resumed = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 48; i++) {
      for (const { name, inc, other, ms } of progs) {
        if (i >= ms.length) continue;
        assert.equal(counts(inc.check(ms[i])), counts(verify(ms[i])), `${name} candidate ${i}, round ${round}`);
        // another Incremental of the same baseline, re-checking the candidates in the other order
        const j = ms.length - 1 - i;
        assert.equal(counts(other.check(ms[j])), counts(verify(ms[j])), `${name} candidate ${j} (second checker), round ${round}`);
      }
    }
  }
  for (const { inc } of progs) resumed += inc.stats.resumed;
  assert.ok(resumed > 100, `most re-checks resumed (${resumed})`);
});

t.run();
