// Rejoining the baseline on the way (src/verifier/incremental.ts rejoinHook, rejoin.ts): cases as
// data, each a one-slot change of a corpus program re-checked by a fresh Incremental with its
// default tuning but rejoins on the way turned on, whether it rejoins and the full check's answer either way; then the parts the
// test rests on: how alike precision backtracking reads two instructions (precision.ts
// walkDiffers), a history holding a changed slot (refused only where the walk reads it
// otherwise), and the state comparison that is tried at every step (rejoin.ts sameState).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { assemble } from '../../src/isa/asm.ts';
import { toOp } from '../../src/isa/op.ts';
import type { Program } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { type Ctx, type Verdict, copyCtx, freshCtx, run, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { pieceSteps, walkDiffers } from '../../src/verifier/precision.ts';
import { type Future, differ, sameExploration, sameState } from '../../src/verifier/rejoin.ts';
import { cloneState } from '../../src/verifier/state.ts';
import { constReg } from '../../src/verifier/regs.ts';

const t = suite('verifier/rejoin-cases');

/** Rejoins on the way turned on (incremental.ts STEP_STATES: off by default). */
const ON_THE_WAY = { stepStates: 4096 };

const load = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();
const answer = (v: Verdict) => [v.ok, v.error, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths];

interface Case {
  prog: string;
  slot: number;
  insn: string;
  /** Instructions of the baseline's the re-check takes from it (0: no rejoin). */
  spared: number;
  why: string;
}

const CASES: Case[] = [
  { prog: 'xdp_swap_tx', slot: 6, insn: 'r2 = *(u8 *)(r1 +10)', spared: 44, why: 'another byte of the packet: the same unknown byte, the state alike right after' },
  { prog: 'xdp_swap_tx', slot: 41, insn: '*(u64 *)(r1 +0) = r2', spared: 9, why: 'a wider packet store: the state alike, the walk reads a store of the same registers' },
  { prog: 'xdp_swap_tx', slot: 23, insn: '*(u8 *)(r1 +8) = 7', spared: 27, why: 'a register store made an immediate one: the walk reads them alike on a step without a note' },
  { prog: 'xdp_swap_tx', slot: 40, insn: '*(u16 *)(r1 +3) = r0', spared: 10, why: 'a store of another register: alike on a step without a note' },
  { prog: 'xdp_lb_hash', slot: 137, insn: '*(u8 *)(r6 +4) = 7', spared: 26, why: 'the same in a program with branches and checkpoints behind' },
  { prog: 'xdp_swap_tx', slot: 48, insn: 'r0 = 2', spared: 0, why: 'the return value differs up to the exit' },
  { prog: 'xdp_swap_tx', slot: 47, insn: 'goto +0', spared: 0, why: 'the slot after a jump is a prune point: a checkpoint the baseline has not' },
  { prog: 'xdp_swap_tx', slot: 11, insn: 'r4 = *(u8 *)(r1 +7)', spared: 0, why: 'a load into another register: the walk would drop r4, not r2' },
  { prog: 'xdp_lb_hash', slot: 52, insn: 'r1 -= 17', spared: 0, why: 'an immediate for a register: the walk would no longer follow r5' },
];

for (const c of CASES) {
  t(`${c.prog} ${c.slot}: ${c.insn} — ${c.spared ? `rejoins, ${c.spared} spared` : 'no rejoin'} (${c.why})`, () => {
    const p = load(c.prog);
    const insns = p.insns.slice();
    insns[c.slot] = assemble(c.insn).insns[0];
    const prog = { ...p, insns };
    const inc = new Incremental(p, {}, ON_THE_WAY);
    assert.equal(answer(inc.check(prog)), answer(verify(prog)));
    assert.is(inc.stats.rejoined, c.spared ? 1 : 0);
    assert.is(inc.stats.joinedInsns, c.spared);
  });
}

t('the baseline state kept for each step is the one baseAt re-runs to (rejoins on the way compare with the first, then the second)', () => {
  for (const name of ['xdp_swap_tx', 'xdp_lb_hash', 'xdp_subprogs']) {
    const inc = new Incremental(load(name), {}, ON_THE_WAY);
    const states = inc['stepState'];
    assert.is(states.length, inc.verdict.processed);
    for (let k = 1; k < states.length; k++) assert.ok(sameState(states[k], inc['baseAt'](k)!.path.state, differ()), `${name} step ${k}`);
  }
});

const op = (asm: string) => toOp(assemble(asm).insns, 0);

// 0: alike on any step; 2: alike on a step without a note only; 1: otherwise
const WALKS: [string, string, number][] = [
  ['r2 = *(u8 *)(r1 +11)', 'r2 = *(u32 *)(r1 +4)', 0],
  ['r2 <<= 8', 'w2 <<= 8', 0],
  ['r4 |= r2', 'w4 ^= w2', 0],
  ['*(u8 *)(r1 +0) = r2', '*(u64 *)(r1 +8) = r2', 0],
  ['*(u8 *)(r1 +8) = r2', '*(u8 *)(r1 +8) = 7', 2],
  ['*(u8 *)(r1 +8) = r2', '*(u8 *)(r1 +8) = r4', 2],
  ['r2 = *(u8 *)(r1 +3)', 'r2 = 5', 2],
  ['r1 &= 65343', 'r0 >>= 5', 2],
  ['r1 &= 65343', 'goto +0', 2],
  ['r2 = *(u8 *)(r1 +3)', 'r3 = *(u8 *)(r1 +3)', 1],
  ['r1 = r3', 'r1 = 2', 1],
  ['r1 -= r5', 'r1 -= 17', 1],
  ['*(u8 *)(r1 +8) = r2', '*(u8 *)(r6 +8) = r2', 1],
  ['r2 = *(u8 *)(r1 +3)', 'call 1', 1],
];

t('walkDiffers: a table of instruction pairs', () => {
  for (const [a, b, want] of WALKS) {
    assert.is(walkDiffers(op(a), op(b)), want, `${a} / ${b}`);
    assert.is(walkDiffers(op(b), op(a)), want, `${b} / ${a}`);
  }
  assert.is(walkDiffers(null, op('r0 = 0')), 1);
});

/** xdp_swap_tx's exploration stopped after k instructions (on the straight code after its one branch, for k of 6-48). */
function atStep(k: number): { c: Ctx; future: Future } {
  const p = load('xdp_swap_tx');
  const cfg = buildCfg(p.insns, p.type);
  const c = freshCtx(p.insns.length);
  try {
    run(p, cfg, {}, c, (cc) => {
      if (cc.processed === k) throw cc;
    });
  } catch (e) {
    if (e !== c) throw e;
  }
  const n = p.insns.length;
  return { c, future: { k: 0, buckets: new Int32Array(n).fill(1), slots: new Int32Array(n).fill(1), live: cfg.live } };
}

t('a changed slot on the current path: refused where the walk reads it otherwise, on that step', () => {
  const { c, future } = atStep(30);
  // (instruction, note) pairs of the current piece
  const steps = pieceSteps(c.path.hist);
  const noteAt = (pc: number) => {
    for (let i = 0; i < steps.length; i += 2) if (steps[i] === pc) return steps[i + 1];
    return undefined;
  };
  // slot 21 spills r4 (a note: its stack slot), slot 12 shifts r2 (no note)
  assert.ok((noteAt(21) ?? -1) >= 0, `piece ${steps}`);
  assert.is(noteAt(12), -1);
  const cases: [number, number, boolean][] = [[12, 0, true], [12, 2, true], [12, 1, false], [21, 0, true], [21, 2, false], [21, 1, false], [40, 1, true]];
  for (const [pc, mark, same] of cases) {
    const ops = new Uint8Array(64);
    ops[pc] = mark;
    assert.is(sameExploration(copyCtx(c), c, { ops, live: new Uint8Array(64) }, future), same, `slot ${pc} marked ${mark}`);
  }
});

t('sameState: alike without the copy-on-write flag; the first difference recorded, met again first', () => {
  const { c } = atStep(30);
  const a = c.path.state, b = cloneState(a);
  const d = differ();
  assert.ok(sameState(a, b, d));
  assert.is(d.kind, 0);
  b.frames[0].shared = !a.frames[0].shared;
  assert.ok(sameState(a, b, d));
  b.frames[0].regs[7] = constReg(7n);
  b.frames[0].regs[3] = constReg(3n);
  assert.not.ok(sameState(a, b, d));
  assert.equal([d.kind, d.frame, d.index], [1, 0, 3]);
  // r3 made alike again: the next difference is found, r7
  b.frames[0].regs[3] = a.frames[0].regs[3];
  assert.not.ok(sameState(a, b, d));
  assert.equal([d.kind, d.index], [1, 7]);
  b.frames[0].regs[7] = a.frames[0].regs[7];
  assert.ok(sameState(a, b, d));
  // an absent may_goto depth is 0
  b.mayGotoDepth = 0;
  assert.ok(sameState(a, b, d));
  b.mayGotoDepth = 1;
  assert.not.ok(sameState(a, b, d));
});

t.run();
