// The rejoin comparison (src/verifier/rejoin.ts): an exploration equals its own copy, and any
// difference the baseline's rest would read (a pending state, a checkpoint's counts or live
// registers, the id counter) makes it differ, while what it never reads (a dead register of a
// finished checkpoint) does not.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { type Ctx, type Checkpoint, copyCtx, freshCtx, run } from '../../src/verifier/analyze.ts';
import { constReg } from '../../src/verifier/regs.ts';
import { type Future, deepSame, sameExploration } from '../../src/verifier/rejoin.ts';

const t = suite('verifier/rejoin');

/** xdp_lb_hash's exploration stopped at its first pop with pending paths and finished checkpoints left. */
function midway(): { c: Ctx; future: Future } {
  const p = readObject(readFileSync(new URL('../../corpus/xdp_lb_hash.o', import.meta.url))).link();
  const cfg = buildCfg(p.insns, p.type);
  const c = freshCtx(p.insns.length);
  let last = c.path;
  try {
    run(p, cfg, {}, c, (cc) => {
      if (cc.path === last) return;
      last = cc.path;
      if (cc.stack.length && finished(cc)) throw cc;
    });
  } catch (e) {
    if (e !== c) throw e;
  }
  const n = p.insns.length;
  // every list and slot counts as read again, so nothing is skipped
  return { c, future: { k: 0, buckets: new Int32Array(n).fill(1), slots: new Int32Array(n).fill(1), live: cfg.live } };
}

function finished(c: Ctx): Checkpoint | undefined {
  for (const l of c.explored) for (const k of l ?? []) if (k.branches === 0) return k;
  return undefined;
}

const none = { ops: new Uint8Array(4096), live: new Uint8Array(4096) };

t('an exploration equals its copy', () => {
  const { c, future } = midway();
  assert.ok(sameExploration(copyCtx(c), c, none, future));
});

t('a pending state, the id counter or a checkpoint count that differs makes it differ', () => {
  const { c, future } = midway();
  const a = copyCtx(c);
  a.stack[0].state.frames[0].regs[0] = constReg(12345n);
  assert.not.ok(sameExploration(a, c, none, future));
  const b = copyCtx(c);
  b.idGen++;
  assert.not.ok(sameExploration(b, c, none, future));
  const d = copyCtx(c);
  finished(d)!.hit++;
  assert.not.ok(sameExploration(d, c, none, future));
});

t('a finished checkpoint differs only where pruning reads it: a live register, not a dead one', () => {
  const { c, future } = midway();
  const k = finished(c)!;
  const live = future.live[k.pc];
  const dead = [...Array(10).keys()].find((r) => !(live & (1 << r)));
  const used = [...Array(10).keys()].find((r) => live & (1 << r));
  for (const [r, same] of [[dead, true], [used, false]] as const) {
    if (r === undefined) continue;
    const a = copyCtx(c);
    const cp = finished(a)!;
    const st = { ...cp.state, frames: cp.state.frames.map((f) => ({ ...f, regs: f.regs.slice() })) };
    st.frames[st.frames.length - 1].regs[r] = constReg(777n);
    cp.state = st;
    assert.is(sameExploration(a, c, none, future), same, `r${r} (${same ? 'dead' : 'live'})`);
  }
});

t('deepSame: structure, not identity; an optional field left out equals one set to undefined', () => {
  assert.ok(deepSame({ a: [1n, { b: 2 }], c: undefined }, { a: [1n, { b: 2 }] }));
  assert.not.ok(deepSame({ a: [1n] }, { a: [2n] }));
  assert.not.ok(deepSame([1, 2], [1, 2, 3]));
  assert.ok(deepSame(new Uint32Array([1, 2]), new Uint32Array([1, 2])));
  assert.not.ok(deepSame(new Uint32Array([1, 2]), new Int32Array([1, 2])));
});

t.run();
