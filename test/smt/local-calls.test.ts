// bpf-to-bpf calls in the SMT executor: a callee runs in a frame of its own (r10 one frame
// down, r6-r9 the caller's again after the call, r1-r5 clobbered), so Z3 proves a program
// equivalent to its inlining, and a wrong inlining (the callee's stack not moved below the
// caller's, a live r6 overwritten) gets a counterexample that the interpreter confirms.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { readObject } from '../../src/isa/object.ts';
import { programEquiv } from '../../src/smt/equiv.ts';
import { prepare } from '../../src/interp/index.ts';
import { inlineCalls } from '../../src/search/inline-calls.ts';
import { program } from '../search/asm-funcs.ts';

const t = suite('smt/local-calls');

// the first two packet bytes b0, b1; the caller keeps b0 at fp-8 (and in r6) across the call
const HEAD = `
  r2 = *(u32 *)(r1 + 0)
  r3 = *(u32 *)(r1 + 4)
  r4 = r2
  r4 += 14
  r0 = 0
  if r4 > r3 goto out
  r6 = *(u8 *)(r2 + 0)
  *(u64 *)(r10 - 8) = r6
  r1 = *(u8 *)(r2 + 1)`;

// f keeps b1 in a stack slot of its own at fp-8: the caller's fp-8 is another slot
const STACK = `${HEAD}
  call f
  r7 = *(u64 *)(r10 - 8)
  r0 += r7
out:
  exit
f:
  *(u64 *)(r10 - 8) = r1
  r0 = *(u64 *)(r10 - 8)
  r0 += 1
  exit`;

// inlined with the callee's slot left at fp-8: it overwrites the caller's b0
const STACK_NOT_MOVED = `${HEAD}
  *(u64 *)(r10 - 8) = r1
  r0 = *(u64 *)(r10 - 8)
  r0 += 1
  r7 = *(u64 *)(r10 - 8)
  r0 += r7
out:
  exit`;

// f uses r6 for its own value: the caller's r6 (b0) is back after the call
const R6 = `${HEAD}
  call f
  r0 += r6
out:
  exit
f:
  r6 = r1
  r0 = r6
  exit`;

const R6_CLOBBERED = `${HEAD}
  r6 = r1
  r0 = r6
  r0 += r6
out:
  exit`;

const r0Of = (src: string, packet: Uint8Array): bigint => {
  const r = prepare(program(src)).run({ packet });
  assert.is(r.kind, 'exit');
  return r.kind === 'exit' ? r.r0 : -1n;
};

t('a program with a call equals its inlining (callee stack moved below the caller frame)', async () => {
  const p = program(STACK);
  const r = inlineCalls(p);
  assert.equal(r.inlined, ['f']);
  const e = await programEquiv(p, r.program, { cache: null });
  assert.is(e.equal, true, JSON.stringify(e));
});

for (const [name, good, bad] of [['stack offsets not moved', STACK, STACK_NOT_MOVED], ['a live r6 clobbered', R6, R6_CLOBBERED]] as const) {
  t(`wrong inlining (${name}): counterexample, confirmed by the interpreter`, async () => {
    const e = await programEquiv(program(good), assemble(bad).insns, { cache: null });
    assert.is(e.equal, false, JSON.stringify(e));
    if (e.equal !== false) return;
    const pkt = e.counterexample.packet;
    assert.ok(pkt.length >= 14);
    assert.is.not(r0Of(bad, pkt), r0Of(good, pkt));
  });
}

t('the inliner refuses the r6 case rather than produce the wrong program', () => {
  const r = inlineCalls(program(R6));
  assert.equal(r.inlined, []);
  assert.match(r.refused[0].reason, /writes r6/);
});

t('r1-r5 are clobbered by a call: a program reading r2 after it is undecided, not proved', async () => {
  const src = 'r2 = 1\ncall f\nr0 = r2\nexit\nf:\nr0 = 0\nexit';
  const e = await programEquiv(program(src), assemble('r0 = 1\nexit').insns, { cache: null });
  assert.is.not(e.equal, true);
});

t('recursion: undecided (frames nested too deep), never proved', async () => {
  const src = 'r1 = 1\ncall f\nexit\nf:\nr1 += 1\nif r1 > 100 goto done\ncall f\ndone:\nr0 = r1\nexit';
  const e = await programEquiv(program(src), assemble('r0 = 1\nexit').insns, { cache: null });
  assert.is(e.equal, null);
  if (e.equal === null) assert.match(e.unknown, /frames/);
});

for (const name of ['xdp_subprogs', 'xdp_subprog', 'xdp_global_func']) {
  t(`corpus ${name}: equivalent to its inlining`, async () => {
    const p = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link(name);
    const r = inlineCalls(p);
    assert.ok(r.inlined.length >= 1);
    assert.equal(r.refused, []);
    const e = await programEquiv(p, r.program, { cache: null });
    assert.is(e.equal, true, JSON.stringify(e));
  });
}

t.run();
