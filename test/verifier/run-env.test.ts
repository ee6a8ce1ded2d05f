// run() takes its RunEnv (the Env the steps see, and the exploration's operations) from a pool
// and gives it back when it returns or throws: a run inside another run's step hook (the
// incremental checker re-runs its baseline from there: incremental.ts baseAt) takes another one,
// and neither run may see the other's context, log or counters.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { type Cfg, buildCfg } from '../../src/verifier/cfg.ts';
import { type Ctx, freshCtx, run, verify } from '../../src/verifier/analyze.ts';

const t = suite('verifier/run-env');
const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

/** A run of p from the start whose step hook throws before its k-th instruction (caught here). */
function stopped(p: Program, cfg: Cfg, k: number): boolean {
  const c = freshCtx(p.insns.length);
  try {
    run(p, cfg, {}, c, (cc: Ctx) => {
      if (cc.processed === k) throw cc;
    });
    return false;
  } catch (e) {
    if (e !== c) throw e;
    return true;
  }
}

for (const name of ['tc_edit', 'xdp_subprogs', 'xdp_lb_hash']) {
  t(`${name}: runs inside a logged run's step hook, one of them stopped by a throw, change nothing of it or of the runs after`, () => {
    const p = load(name);
    const cfg = buildCfg(p.insns, p.type);
    const alone = verify(p, { states: true });
    const plain = verify(p);
    let inner = 0, stops = 0;
    const outer = run(p, cfg, { states: true }, freshCtx(p.insns.length), (c) => {
      // at a few steps: a whole run (its verdict as a run alone), and a run stopped half-way
      if (c.processed % 7 !== 3) return;
      assert.equal(verify(p), plain);
      inner++;
      if (stopped(p, cfg, c.processed >> 1)) stops++;
    });
    assert.ok(inner > 1 && stops > 1, `${inner} ${stops}`);
    // the outer run's log and counts are those of the run alone
    assert.equal(outer, alone);
    assert.equal(verify(p, { states: true }), alone);
    assert.equal(verify(p), plain);
  });
}

t.run();
