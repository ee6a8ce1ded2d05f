// Candidates of another length (slots deleted and jumps re-targeted, as the optimizer
// materializes them): re-checking them incrementally gives exactly what a full check gives
// (verdict, message, processed, state counts, stack depths), on random deletions of every corpus
// program (some on top of a one-slot change) and on cases as data.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { assemble } from '../../src/isa/asm.ts';
import type { Program } from '../../src/isa/program.ts';
import { type Verdict, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { renumbering, sameRenumbered } from '../../src/verifier/renumber.ts';
import { oneSlotChange, without } from './mutants.ts';
import { relocateForTarget } from '../../src/isa/core.ts';
import { runningKernelExterns } from '../../src/kernel/externs.ts';
import { runningKernelFlavor } from '../../src/kernel/flavor.ts';

const t = suite('verifier/incremental-shift');
const DIR = new URL('../../corpus/', import.meta.url);

const answer = (v: Verdict) => [v.ok, v.error, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths];

for (const f of readdirSync(DIR).filter((x) => x.endsWith('.o')).sort()) {
  t(`${f}: incremental = full on random deletions`, () => {
    const p = readObject(readFileSync(new URL(f, DIR))).link();
    const inc = new Incremental(p, {}, { minShiftSkip: 0 });
    const n = p.insns.length;
    const runs = inc.verdict.processed > 2000 ? 2 : 12;
    const del = fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(del, fc.option(oneSlotChange(p), { freq: 3 }), (slots, changed) => {
      const d = without(changed ? changed.prog : p, slots);
      if (!d) return;
      assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog)), `deleted ${slots}${changed ? `, slot ${changed.slot} changed` : ''}`);
    }), { numRuns: runs, seed: 13 });
    assert.ok(inc.stats.shifted > 0, `some deletions resumed (${JSON.stringify(inc.stats.full)})`);
  });
}

t('unprivileged: incremental = full on random deletions', () => {
  for (const f of ['socket_filter.o', 'xdp_router.o']) {
    const p = readObject(readFileSync(new URL(f, DIR))).link();
    const opts = { privileged: false };
    const inc = new Incremental(p, opts, { minShiftSkip: 0 });
    const del = fc.array(fc.integer({ min: 0, max: p.insns.length - 1 }), { minLength: 1, maxLength: 2 });
    fc.assert(fc.property(del, (slots) => {
      const d = without(p, slots);
      if (!d) return;
      assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog, opts)), `deleted ${slots}`);
    }), { numRuns: 12, seed: 13 });
    assert.ok(inc.stats.shifted > 0);
  }
});

/** A program of xdp type from assembly. */
const xdp = (src: string): Program => ({ name: 'prog', section: 'xdp', type: 'xdp', insns: assemble(src).insns, maps: [], license: 'GPL', funcs: [{ name: 'prog', start: 0 }] });

/** Delete each slot of `p` in turn: incremental = full, and return how many resumed. */
function everyDeletion(p: Program): number {
  const inc = new Incremental(p, {}, { minShiftSkip: 0 });
  for (let s = 0; s < p.insns.length - 1; s++) {
    const d = without(p, [s]);
    if (!d) continue;
    assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog)), `slot ${s} deleted`);
  }
  return inc.stats.shifted;
}

// a bounded loop after a packet bounds check (the pending path is the drop past the loop)
const LOOP = `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 8
if r4 > r3 goto drop
r5 = 0
r6 = 0
loop:
r6 += 3
r5 += 1
if r5 < 4 goto loop
r0 = *(u8 *)(r2 + 0)
r0 &= 1
r0 += 1
exit
drop:
r0 = 1
exit
`;

t('cases: deletion before, inside and after a loop; of a jump target', () => {
  assert.ok(everyDeletion(xdp(LOOP)) > 0);
});

// a subprogram called twice; deletions in the main function and inside the subprogram
const SUB = `
r6 = r1
r1 = 3
call sub
r7 = r0
r1 = 5
call sub
r0 += r7
r0 &= 3
exit
sub:
r0 = r1
r0 += 1
if r0 > 4 goto big
r0 = 2
exit
big:
r0 = 1
exit
`;

t('cases: deletion in the main function and inside a subprogram', () => {
  const p = xdp(SUB);
  everyDeletion(p);
  // deleting `r0 &= 3` (after both calls returned): resumed past the subprogram's runs, whose
  // function start, call chain and stack depth are renumbered
  const inc = new Incremental(p, {}, { minShiftSkip: 0 });
  const d = without(p, [7])!;
  assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog)));
  assert.is(inc.stats.shifted, 1);
  assert.ok(inc.stats.shiftedInsns > 6, `skipped ${inc.stats.shiftedInsns}`);
});

// the exploration runs the slots after `one` before it: a resume at `r0 += 1` names them
const AROUND = `
r2 = 1
goto two
one:
r0 = r2
r0 += 1
r0 &= 7
exit
two:
r2 += 3
if r2 > 9 goto out
r2 += 4
goto one
out:
r0 = 2
exit
`;

t('cases: slots after the deletion explored before it (their numbers in the snapshot move)', () => {
  const p = xdp(AROUND);
  const inc = new Incremental(p, {}, { minShiftSkip: 0 });
  const d = without(p, [3])!;
  assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog)));
  assert.is(inc.stats.shifted, 1);
  // slots 0, 1, 6-9 and 2 ran before slot 3 is first reached
  assert.ok(inc.stats.shiftedInsns >= 6, `skipped ${inc.stats.shiftedInsns}`);
  everyDeletion(p);
});

t('a deleted jump target: the pending path goes to the next surviving slot', () => {
  const p = xdp(LOOP);
  const inc = new Incremental(p, {}, { minShiftSkip: 0 });
  // `drop: r0 = 1` is a pending branch's target from slot 4 on
  const target = p.insns.length - 2;
  const d = without(p, [target])!;
  assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog)));
  assert.is(inc.stats.shifted, 1);
});

t('no renumbering or slots inserted: a full check, counted', () => {
  const p = xdp(LOOP);
  const inc = new Incremental(p, {}, { minShiftSkip: 0 });
  const d = without(p, [12])!;
  assert.equal(answer(inc.check(d.prog)), answer(verify(d.prog)));
  assert.is(inc.stats.full['other length, no renumbering given'], 1);
  const longer = { ...p, insns: [p.insns[0], ...p.insns] };
  const map = Int32Array.from(p.insns, (_, i) => i + 1);
  assert.equal(answer(inc.check(longer, map)), answer(verify(longer)));
  assert.is(inc.stats.full['other length, slots inserted'], 1);
});

t('by default a resume that would skip under 48 instructions runs from the start instead (counted)', () => {
  const p = xdp(LOOP);
  const inc = new Incremental(p);
  const d = without(p, [5])!;
  assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog)));
  assert.is(inc.stats.shifted, 0);
  assert.is(inc.stats.full['other length, resumes too early'], 1);
});

t('renumbering: jumps across a deletion keep their targets', () => {
  const p = xdp(LOOP);
  const d = without(p, [12])!;
  const r = renumbering(d.oldToNew, p.insns.length, d.prog.insns.length);
  assert.ok(typeof r !== 'string');
  if (typeof r === 'string') return;
  assert.is(r.first, 12);
  for (let i = 0; i < r.first; i++) assert.ok(sameRenumbered(p.insns[i], d.prog.insns[i], i, i, r), `slot ${i}`);
  // the bounds check's jump (slot 4) crosses the deletion: a different offset, the same target
  assert.is.not(p.insns[4].off, d.prog.insns[4].off);
  assert.not.ok(sameRenumbered(p.insns[4], { ...d.prog.insns[4], off: p.insns[4].off }, 4, 4, r));
});

// real-world programs whose precision walks reach back into the snapshot's jump history after the
// deletion: a history whose instructions were not renumbered gives other processed counts here
// (ksnoop's kprobe_entry, tcptracer's entry_trace_close, the slot at 2/3 deleted)
const RW = new URL('../../corpus/realworld/objects/libbpf-tools/', import.meta.url);
for (const [file, entry] of [['ksnoop.bpf.o', 'kprobe_entry'], ['tcptracer.bpf.o', 'entry_trace_close']]) {
  t(`${file} ${entry}: a deletion at 2/3 re-checked from a renumbered snapshot = full`, () => {
    const obj = readObject(new Uint8Array(readFileSync(new URL(file, RW))), { externs: runningKernelExterns });
    const p = relocateForTarget(obj, obj.link(entry));
    const opts = { flavor: runningKernelFlavor(), privileged: true };
    let i = Math.floor(p.insns.length * 2 / 3);
    while (i > 0 && p.insns[i - 1].code === 0x18) i--;
    const d = without(p, [i])!;
    const inc = new Incremental(p, opts);
    inc.check(p);
    const before = inc.stats.shifted;
    assert.equal(answer(inc.check(d.prog, d.oldToNew)), answer(verify(d.prog, opts)));
    assert.ok(inc.stats.shifted > before, `resumed from a renumbered snapshot (${JSON.stringify(inc.stats.full)})`);
  });
}

t.run();
