// Incremental re-checks give exactly what a full run gives, on mutated corpus programs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { fromOp, toOp } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import type { Program } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { Incremental, safetyDistance } from '../../src/verifier/incremental.ts';
import { assemble } from '../../src/isa/asm.ts';

const t = suite('verifier/incremental');
const DIR = new URL('../../corpus/', import.meta.url);

/** Deterministic mutations of slot i: a no-op jump, r0 = 0, and a changed immediate / offset. */
function mutants(p: Program, i: number): Program[] {
  const out: Program[] = [];
  const x = p.insns[i];
  const put = (ins: Insn): Program => ({ ...p, insns: p.insns.map((y, j) => (j === i ? ins : y)) });
  if (i > 0 && p.insns[i - 1].code === 0x18) return out; // second half of lddw
  if (x.code === 0x18) return out;
  out.push(put(fromOp({ kind: 'ja', off: 0, long: false })[0]));
  out.push(put(fromOp({ kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 0 } })[0]));
  try {
    const op = toOp(p.insns, i);
    if ('off' in op && op.kind !== 'ja' && op.kind !== 'jcond') out.push(put({ ...x, off: x.off + 1 }));
    if (op.kind === 'alu' && 'imm' in op.src) out.push(put({ ...x, imm: x.imm + 1 }));
  } catch { /* keep the others */ }
  return out;
}

for (const f of readdirSync(DIR).filter((x) => x.endsWith('.o')).sort()) {
  t(`${f}: incremental = full on mutants`, () => {
    const obj = readObject(readFileSync(new URL(f, DIR)));
    const base = obj.link();
    const inc = new Incremental(base);
    assert.is(inc.verdict.ok, true);
    const step = Math.max(1, Math.floor(base.insns.length / (inc.verdict.processed > 500 ? 3 : 8)));
    // from half a step in: slot 0 can never resume from a snapshot, and mid-program slots do
    for (let i = step >> 1; i < base.insns.length; i += step) {
      for (const m of mutants(base, i)) {
        const a = inc.check(m), b = verify(m);
        assert.equal([a.ok, a.error, a.processed, a.totalStates], [b.ok, b.error, b.processed, b.totalStates], `slot ${i}`);
        assert.is(safetyDistance(a, m.insns.length) === 0, a.ok);
      }
    }
    assert.ok(inc.stats.resumed > 0);
  });
}

const xdp = (src: string): Program => ({ name: 'prog', section: 'xdp', type: 'xdp', insns: assemble(src).insns, maps: [], license: 'GPL', funcs: [{ name: 'prog', start: 0 }] });

/** inc's re-check of cand answers what a full check does (verdict, error, counts). */
function sameAsFull(inc: Incremental, cand: Program): void {
  const a = inc.check(cand), b = verify(cand);
  assert.equal([a.ok, a.error, a.processed, a.totalStates, a.peakStates, a.maxStatesPerInsn], [b.ok, b.error, b.processed, b.totalStates, b.peakStates, b.maxStatesPerInsn]);
}

t('a re-check after a changed jump, and the re-check after it, agree with full checks (the per-check slot table is put back between them)', () => {
  let derived = 0;
  for (const f of ['xdp_lb_hash.o', 'xdp_scale_mix500.o', 'xdp_router.o', 'xdp_loop.o']) {
    const p = readObject(readFileSync(new URL(f, DIR))).link();
    const inc = new Incremental(p);
    const n = p.insns.length;
    // a conditional jump retargeted one slot further, then a plain instruction turned into `goto +0` elsewhere
    const j = p.insns.findIndex((x, i) => i > n / 4 && (x.code & 7) === 5 && (x.code & 0xf0) >= 0x10 && (x.code & 0xf0) <= 0xd0 && x.code !== 0x85 && x.code !== 0x95);
    const k = p.insns.findIndex((x, i) => i > n / 2 && (x.code & 7) === 7);
    assert.ok(j > 0 && k > 0, `${f}: a jump and an ALU instruction`);
    const retarget: Program = { ...p, insns: p.insns.map((x, i) => (i === j ? { ...x, off: x.off + 1 } : x)) };
    const nop: Program = { ...p, insns: p.insns.map((x, i) => (i === k ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
    for (const q of [retarget, nop, retarget, p, nop]) {
      const a = inc.check(q), b = verify(q);
      assert.equal([a.ok, a.error, a.processed, a.totalStates, a.peakStates, a.maxStatesPerInsn], [b.ok, b.error, b.processed, b.totalStates, b.peakStates, b.maxStatesPerInsn], f);
    }
    derived += inc.stats.derived;
  }
  assert.ok(derived > 0, 'some CFGs were derived');
});

// r7 differs at `join` (a pointer on the first path, 0 on the second) and is read only at the
// never-reached slot C: the baseline compares the second path's state at `join` with the first's
// and finds them apart; once C stops reading r7 the second path is pruned there. The comparison
// happens before C is ever visited (the pending path `far` is explored after it), so a re-check
// must resume before that comparison, not merely before the first visit of C.
const liveReadLate = (c: string): string => `call get_prandom_u32
if r0 > 100 goto far
r7 = 0
r8 = 0
if r0 > 10 goto join
r7 = r10
${'r9 = 0\n'.repeat(7)}join:
r0 = 0
if r8 == 0 goto out
${c}
exit
out:
exit
far:
r0 = 0
exit`;

t('a slot whose live registers alone change is reached when the baseline first reads them: a prune point at its first comparison', () => {
  const base = xdp(liveReadLate('r0 = r7'));
  const cand: Program = { ...base, insns: assemble(liveReadLate('r0 = 0')).insns };
  const inc = new Incremental(base);
  const a = inc.check(cand), b = verify(cand);
  // the candidate is pruned at `join` where the baseline was not
  assert.is(b.processed, inc.verdict.processed - 2);
  assert.equal([a.ok, a.error, a.processed, a.totalStates, a.peakStates, a.maxStatesPerInsn], [b.ok, b.error, b.processed, b.totalStates, b.peakStates, b.maxStatesPerInsn]);
  // resumed after the first path's end (the snapshot before the comparison), not from the start
  assert.is(inc.stats.resumed, 1);
  assert.ok(inc.stats.skippedInsns > 10, `skipped ${inc.stats.skippedInsns}`);
});

// Candidates whose liveness alone changes across a call, as data: the program with its last
// instruction before the exit left open, the baseline's and the candidate's, and the
// instructions the resume skips (the changed slot's first visit).
const LIVE_ACROSS_CALLS: readonly [string, (last: string) => string, string, string, number][] = [
  // r6 is live across the call in the baseline, dead everywhere in the candidate; skipped: from
  // the snapshot at the changed slot's first visit (6 instructions in), not before the call
  ['a helper call\'s live registers are never read (no frame is pushed)',
    (last) => `r6 = 1\nr7 = 2\ncall get_prandom_u32\nr1 = 3\nr2 = 4\nr3 = 5\n${last}\nexit`, 'r0 = r6', 'r0 = 0', 6],
  // r6 is live across the call (and at the slot after it) in the baseline; the callee neither
  // compares states nor links scalars, so nothing reads that liveness; skipped: slots 0-2, the
  // callee's 7-9, then 3 and 4
  ['a bpf-to-bpf call\'s live registers are read only by what the callee compares or links',
    (last) => `r6 = 1\nr1 = 5\ncall f\nr1 = 3\nr2 = 4\n${last}\nexit\nf:\nr0 = r1\nr0 += 1\nexit`, 'r0 = r6', 'r0 = 0', 8],
];

for (const [label, src, was, now, skipped] of LIVE_ACROSS_CALLS) {
  t(`${label}: a candidate whose liveness alone changes across the call resumes at its changed slot`, () => {
    const base = xdp(src(was));
    const cand: Program = { ...base, insns: assemble(src(now)).insns };
    const inc = new Incremental(base);
    sameAsFull(inc, cand);
    assert.is(inc.stats.resumed, 1);
    assert.is(inc.stats.skippedInsns, skipped);
  });
}

// A conditional jump on a linked scalar reads the liveness of each frame's registers linked to
// the compared ones (collect_linked_regs looks at live registers only), at the jump for the
// current frame and at the call a caller frame waits in: a candidate whose liveness differs
// there in another register alone resumes at its changed slot, in a linked one before the jump.
const linkedJump = (pre: string, last: string): string => `call get_prandom_u32
r1 = r0
${pre}
if r1 > 10 goto out
r2 = 4
r3 = 5
${last}
exit
out:
r0 = 0
exit`;
const linkedInCallee = (pre: string, last: string): string => `call get_prandom_u32
r1 = r0
${pre}
call f
r2 = 4
${last}
exit
f:
if r1 > 10 goto o
r0 = 0
exit
o:
r0 = 1
exit`;
const LINKED_LIVENESS: { what: string; src: (pre: string, last: string) => string; pre: string; last: string; skipped: number }[] = [
  // r6 (live up to `last` in the baseline, dead in the candidate) holds a constant at the jump
  { what: 'at the jump, a register not linked', src: linkedJump, pre: 'r6 = 1', last: 'r0 = r6', skipped: 6 },
  // r6 is a copy of r0, linked to the compared r1: its liveness decides whether the jump refines it
  { what: 'at the jump, a linked register', src: linkedJump, pre: 'r6 = r0', last: 'r0 = r6', skipped: 3 },
  // the caller's r6 across the call, read at the call by the callee's jump on its r1
  { what: 'at a call, a caller register not linked', src: linkedInCallee, pre: 'r6 = 1', last: 'r0 = r6', skipped: 8 },
  { what: 'at a call, a caller register linked', src: linkedInCallee, pre: 'r6 = r0', last: 'r0 = r6', skipped: 4 },
];
for (const c of LINKED_LIVENESS) {
  t(`a linked jump reads the liveness of linked registers alone: ${c.what}`, () => {
    const base = xdp(c.src(c.pre, c.last));
    const cand: Program = { ...base, insns: assemble(c.src(c.pre, 'r0 = 0')).insns };
    const inc = new Incremental(base);
    sameAsFull(inc, cand);
    assert.is(inc.stats.resumed, 1);
    assert.is(inc.stats.skippedInsns, c.skipped);
  });
}

t.run();
