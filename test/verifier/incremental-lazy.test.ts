// A lazy copy of an exploration (lazyCopy, what a re-check resumes from) shares its pending
// paths' states and jump-history pieces with the snapshot until it pops them: running the copy
// must leave the snapshot as it was, and re-checks that pop shared paths, one after another and
// between re-checks of other programs, must keep giving what a full run gives.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { type Ctx, type Path, type Verdict, copyCtx, freshCtx, lazyCopy, snapshotCopy, run, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { type Future, sameExploration } from '../../src/verifier/rejoin.ts';
import { searchCandidates } from '../../bench/search-mutants.ts';
import { image, imageDiff } from './state-image.ts';
import { samePiece } from '../../src/verifier/precision.ts';

const t = suite('verifier/incremental-lazy');
const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

/** xdp1's exploration stopped at the first step with three paths pending. */
function paused(): { p: Program; c: Ctx; future: Future } {
  const p = load('xdp1');
  const cfg = buildCfg(p.insns, p.type);
  const c = freshCtx(p.insns.length);
  try {
    run(p, cfg, {}, c, (cc) => {
      if (cc.stack.length >= 3) throw cc;
    });
  } catch (e) {
    if (e !== c) throw e;
  }
  const n = p.insns.length;
  return { p, c, future: { k: 0, buckets: new Int32Array(n).fill(1), slots: new Int32Array(n).fill(1), live: cfg.live } };
}

const none = { ops: new Uint8Array(4096), live: new Uint8Array(4096) };

const counts = (v: Verdict) => ({ ok: v.ok, error: v.error, processed: v.processed, totalStates: v.totalStates, peakStates: v.peakStates, maxStatesPerInsn: v.maxStatesPerInsn, stackDepths: v.stackDepths });

t('a lazy copy shares the pending states until popped; running it leaves the original as it was', () => {
  const { p, c, future } = paused();
  assert.ok(c.stack.length >= 3, 'paths pending');
  const before = copyCtx(c);
  const lazy = lazyCopy(c);
  assert.is(lazy.lazy, c.stack.length);
  lazy.stack.forEach((q, i) => assert.ok(q.state === c.stack[i].state && q.hist === c.stack[i].hist, `path ${i} shared`));
  const cfg = buildCfg(p.insns, p.type);
  const v = run(p, cfg, {}, lazy);
  assert.is(lazy.lazy, 0, 'every shared path was popped and copied');
  // the original's pending states, pieces and counts are untouched (a pop writing into a shared state would show here)
  assert.ok(sameExploration(before, c, none, future), 'the original is unchanged');
  // and the lazy copy explored what an eager copy explores
  assert.equal(counts(v), counts(run(p, cfg, {}, copyCtx(c))));
  assert.equal(counts(v), counts(verify(p)));
});

t('an eager copy of a lazy copy owns every pending state', () => {
  const { c } = paused();
  const lazy = lazyCopy(c);
  const again = copyCtx(lazy);
  assert.is(again.lazy, 0);
  again.stack.forEach((q, i) => assert.ok(q.state !== c.stack[i].state, `path ${i} copied`));
});

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
    const copy = lazyCopy(c, []);
    assert.equal(counts(run(p, cfg, {}, copy)), want, `copy ${k}`);
    assert.ok(copy.totalStates > 0, 'the copy made checkpoints of its own');
  }
  assert.ok(c.explored.every((l) => l === undefined) && c.totalStates === 0, 'the original still has none');
});

t('snapshots taken while a path waits share one copy of its state and piece (snapshotCopy), apart from the live ones, holding what own copies hold; re-checks popping them leave them so', () => {
  const p = load('xdp_parse_drop');
  const cfg = buildCfg(p.insns, p.type);
  const kept = new Map<Path, Path>();
  const snaps: { shared: Ctx; own: Ctx; live: Path[] }[] = [];
  // a snapshot at every step with paths pending (the incremental checker keeps one every few first visits)
  run(p, cfg, {}, freshCtx(p.insns.length), (cc) => {
    if (cc.stack.length) snaps.push({ shared: snapshotCopy(cc, kept), own: copyCtx(cc), live: cc.stack.slice() });
  });
  /** Every snapshot's pending states hold, by identity, what its own copies hold. */
  const check = (when: string): void => snaps.forEach((s, i) => s.shared.stack.forEach((q, k) => {
    const own = s.own.stack[k];
    const at = imageDiff(image(q.state), image(own.state));
    assert.is(at, -1, `snapshot ${i} path ${k} ${when}: item ${at} differs`);
    assert.ok(samePiece(q.hist, own.hist) && q.hist.prev === own.hist.prev, `snapshot ${i} path ${k} ${when}: the piece differs`);
  }));
  let shared = 0;
  snaps.forEach((s, i) => s.live.forEach((q, k) => {
    const { state: st, hist } = s.shared.stack[k];
    assert.ok(st !== q.state && st !== s.own.stack[k].state, 'a copy of its own, not the live state');
    assert.ok(hist !== q.hist && hist !== s.own.stack[k].hist, 'a copy of its own, not the live piece');
    const j = i ? snaps[i - 1].live.indexOf(q) : -1;
    if (j >= 0) {
      assert.is(st, snaps[i - 1].shared.stack[j].state, `snapshot ${i} path ${k}: the earlier snapshot's state copy`);
      assert.is(hist, snaps[i - 1].shared.stack[j].hist, `snapshot ${i} path ${k}: the earlier snapshot's piece copy`);
      shared++;
    }
  }));
  assert.ok(shared > 100, `copies shared (${shared})`);
  // (the live states were popped and written by the exploration after the snapshots were taken)
  check('after the exploration');
  const want = counts(verify(p));
  snaps.forEach((s, i) => {
    if (i % 3 === 0) assert.equal(counts(run(p, cfg, {}, lazyCopy(s.shared))), want, `re-run from snapshot ${i}`);
  });
  check('after the re-runs');
});

t('re-checks that pop shared paths, interleaved across programs and baselines, equal full runs', () => {
  // xdp1 and tc_edit resume with 4-6 paths pending on average; the same candidates twice over, so
  // a snapshot written by an earlier re-check would answer the later ones wrongly
  const progs = ['xdp1', 'tc_edit', 'xdp_parse_drop'].map((name) => {
    const p = load(name);
    return { name, inc: new Incremental(p), other: new Incremental(p), ms: searchCandidates(p, 48, 3).map((m) => m.prog) };
  });
  let resumed = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 48; i++) {
      for (const { name, inc, other, ms } of progs) {
        if (i >= ms.length) continue;
        const want = counts(verify(ms[i]));
        assert.equal(counts(inc.check(ms[i])), want, `${name} candidate ${i}, round ${round}`);
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
