// Rejoining the baseline at a pop (src/verifier/incremental.ts rejoinHook, rejoin.ts): cases as
// data, each a one-slot change of a corpus program re-checked by a fresh Incremental with its
// default tuning, whether it rejoins and the full check's answer either way; then the parts the
// comparison rests on: how alike precision backtracking reads two instructions (precision.ts
// walkDiffers), a history holding a changed slot (refused only where the walk reads it
// otherwise), and the state comparison (rejoin.ts sameState).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { assemble } from '../../src/isa/asm.ts';
import { toOp } from '../../src/isa/op.ts';
import type { Program } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { type Ctx, type Verdict, copyCtx, verify } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { pieceSteps, walkDiffers } from '../../src/verifier/precision.ts';
import { type Future, sameExploration, sameState } from '../../src/verifier/rejoin.ts';
import { cloneState } from '../../src/verifier/state.ts';
import { constReg } from '../../src/verifier/regs.ts';
import { slotOf } from '../../src/verifier/stack.ts';
import { readsAll, stoppedAt } from './stopped.ts';

const t = suite('verifier/rejoin-cases');

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
  { prog: 'xdp_firewall', slot: 25, insn: 'r1 = 9', spared: 60, why: 'the other key and value end with their paths: at the pop of the branch pending since the first lookup (slot 42) all is the baseline\'s' },
  { prog: 'xdp_firewall', slot: 37, insn: '*(u64 *)(r0 +0) = 8', spared: 60, why: 'a constant stored into the map value: nothing of it is left at that pop' },
  { prog: 'xdp_firewall', slot: 24, insn: 'w2 = *(u16 *)(r0 +0)', spared: 60, why: 'a narrower load of the map value: the same at that pop' },
  { prog: 'xdp_parse_drop', slot: 66, insn: 'w0 = 2', spared: 80, why: 'the 32-bit move of the same constant: alike at the pop of a port test\'s other branch' },
  { prog: 'xdp_scale_mix500', slot: 433, insn: 'r8 <<= 8', spared: 330, why: 'another register shifted on one path: alike at a later pop, with checkpoints behind' },
  { prog: 'xdp_firewall', slot: 38, insn: 'r0 = -10', spared: 0, why: 'the other return value is in the checkpoints at the exits (84, 85), which the rest visits again: the full comparison fails' },
  { prog: 'xdp_firewall', slot: 30, insn: 'r2 += -9', spared: 0, why: 'a key pointer into another stack slot: one more id made by the pop, refused before any comparison' },
];

for (const c of CASES) {
  t(`${c.prog} ${c.slot}: ${c.insn} — ${c.spared ? `rejoins, ${c.spared} spared` : 'no rejoin'} (${c.why})`, () => {
    const p = load(c.prog);
    const insns = p.insns.slice();
    insns[c.slot] = assemble(c.insn).insns[0];
    const prog = { ...p, insns };
    const inc = new Incremental(p);
    assert.equal(answer(inc.check(prog)), answer(verify(prog)));
    assert.is(inc.stats.rejoined, c.spared ? 1 : 0);
    assert.is(inc.stats.joinedInsns, c.spared);
  });
}

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
  return { c: stoppedAt(p, cfg, k), future: readsAll(p.insns.length, cfg) };
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

t('sameState: alike without the copy-on-write flag and with an absent may_goto depth as 0; a register or slot unequal', () => {
  const { c } = atStep(30);
  const a = c.path.state, b = cloneState(a);
  assert.ok(sameState(a, b));
  b.frames[0].shared = !a.frames[0].shared;
  assert.ok(sameState(a, b));
  b.frames[0].regs[7] = constReg(7n);
  assert.not.ok(sameState(a, b));
  b.frames[0].regs[7] = a.frames[0].regs[7];
  assert.ok(sameState(a, b));
  const slots = b.frames[0].stack.length;
  assert.ok(slots > 0, 'xdp_swap_tx has spilled by step 30');
  b.frames[0].stack = b.frames[0].stack.slice(0, slots - 1);
  assert.not.ok(sameState(a, b));
  b.frames[0].stack = a.frames[0].stack;
  b.mayGotoDepth = 0;
  assert.ok(sameState(a, b));
  b.mayGotoDepth = 1;
  assert.not.ok(sameState(a, b));
  // a spilled register compared by value: alike in another object, unlike with another value
  const i = a.frames[0].stack.findIndex((x) => x?.spilled);
  assert.ok(i >= 0, 'slot 21 spilled r4');
  const was = a.frames[0].stack[i]!, e = cloneState(a);
  e.frames[0].stack = e.frames[0].stack.slice();
  e.frames[0].stack[i] = slotOf(was.types, { ...was.spilled! });
  assert.ok(sameState(a, e));
  e.frames[0].stack[i] = slotOf(was.types, { ...was.spilled!, id: was.spilled!.id + 1 });
  assert.not.ok(sameState(a, e));
  e.frames[0].stack[i] = slotOf(was.types, constReg(5n));
  assert.not.ok(sameState(a, e));
});

t.run();
