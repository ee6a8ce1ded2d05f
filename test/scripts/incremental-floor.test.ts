import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { floorOf, sharedSteps, steps } from '../../scripts/incremental-floor.ts';

const prog = (name: string) => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();

test('steps: the same program explores alike twice; a changed constant differs from its first use on', () => {
  const p = prog('xdp_swap_tx');
  const a = steps(p), b = steps(p);
  assert.ok(a.length > 0);
  assert.is(sharedSteps(a, b), a.length);
  // r0 = XDP_TX at the end made another action: the last steps' states differ, the first ones do not
  const at = p.insns.findIndex((x) => x.code === 0xb7 && x.dst === 0);
  assert.ok(at >= 0);
  const q = { ...p, insns: p.insns.map((x, i) => (i === at ? { ...x, imm: x.imm + 1 } : x)) };
  const c = steps(q), d = sharedSteps(c, a);
  assert.ok(d > at, `the steps before slot ${at} are shared (${d})`);
  assert.ok(d < a.length);
});

test('floorOf: per-candidate means within the processed counts, identical candidates counted', () => {
  const r = floorOf(prog('xdp_pktcntr'))!;
  assert.ok(r.candidates > 0);
  assert.ok(r.run >= 0 && r.run <= r.processed);
  assert.ok(r.least >= 0 && r.least <= r.processed);
  assert.ok(r.identical >= 0 && r.identical <= r.candidates);
});

test.run();
