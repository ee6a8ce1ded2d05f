// A state copy stays apart from the state it was copied from: while a pushed branch waits on the
// pending stack, and while a checkpoint sits in an explored list, nothing the exploration writes
// afterwards (the current path's registers in every frame, its stack slots, its references; a
// popped path's once it runs) shows in it. Checked at every step of whole explorations, by the
// identity of each register, slot and reference list such a state holds (all immutable objects:
// a write replaces one), on programs as data: packet checks whose failing edge is pruned at the
// exit, bpf-to-bpf calls (caller frames), loops, may_goto (widening the queued copy).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { type Ctx, freshCtx, run } from '../../src/verifier/analyze.ts';
import { type State, cloneState, newFrame } from '../../src/verifier/state.ts';
import { immReg, scalarReg, UNKNOWN } from '../../src/verifier/regs.ts';
import { image, imageDiff } from './state-image.ts';

const t = suite('verifier/state-copies');

const corpus = (name: string): Program => readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link();
const asm = (text: string): Program => bareProgram(assemble(text).insns, 'xdp');

interface Seen {
  /** Pending states and checkpoint states compared again at a later step. */
  checked: number;
  /** Steps at which the current path's registers changed while copies were held. */
  writes: number;
  frames: number;
}

/**
 * Run p with a hook that, before every step, takes the image of each pending state and each
 * checkpoint's state the first time it sees it and compares it at every later step while the
 * state is still pending or explored (a popped state is the current path's and may change).
 */
function watch(p: Program): Seen {
  const images = new Map<State, unknown[]>();
  const seen: Seen = { checked: 0, writes: 0, frames: 1 };
  let last: unknown[] | undefined, lastState: State | undefined;
  const hook = (c: Ctx): void => {
    const held = new Set<State>();
    for (const q of c.stack) held.add(q.state);
    for (const l of c.explored) for (const k of l ?? []) held.add(k.state);
    held.delete(c.path.state);
    for (const s of held) {
      const now = image(s);
      const then = images.get(s);
      if (!then) {
        images.set(s, now);
        continue;
      }
      const at = imageDiff(now, then);
      if (at >= 0) assert.unreachable(`a held copy changed at item ${at} (processed ${c.processed})`);
      seen.checked++;
    }
    for (const s of images.keys()) if (!held.has(s)) images.delete(s);
    const cur = c.path.state, img = image(cur);
    if (held.size && lastState === cur && last && imageDiff(last, img) >= 0) seen.writes++;
    if (cur.frames.length > seen.frames) seen.frames = cur.frames.length;
    last = img;
    lastState = cur;
  };
  run(p, buildCfg(p.insns, p.type, { loops: true }), {}, freshCtx(p.insns.length), hook);
  return seen;
}

const PROGRAMS: { name: string; prog: () => Program; frames: number }[] = [
  { name: 'xdp_parse_drop (packet checks, pruned at the exit)', prog: () => corpus('xdp_parse_drop'), frames: 1 },
  { name: 'xdp_lb_hash', prog: () => corpus('xdp_lb_hash'), frames: 1 },
  { name: 'xdp_firewall', prog: () => corpus('xdp_firewall'), frames: 1 },
  { name: 'xdp_subprogs (calls: caller frames copied)', prog: () => corpus('xdp_subprogs'), frames: 2 },
  { name: 'core_task', prog: () => corpus('core_task'), frames: 1 },
  { name: 'xdp_loop (a loop)', prog: () => corpus('xdp_loop'), frames: 1 },
  {
    name: 'may_goto loops in a caller and a callee',
    prog: () => asm('r6 = 0\na: may_goto +2\nr6 += 1\nif r6 < 5 goto a\ncall sub\nr0 += r6\nexit\nsub: r0 = 0\nb: may_goto +2\nr0 += 1\ngoto b\nexit'),
    frames: 2,
  },
  {
    name: 'a branch in a callee, both edges returning to the caller',
    prog: () => asm('r6 = 7\ncall sub\nr0 += r6\nexit\nsub: call get_prandom_u32\nif r0 > 9 goto x\nr0 = 1\nexit\nx: r0 = 2\nexit'),
    frames: 2,
  },
];

for (const c of PROGRAMS) {
  t(`held copies never change while the exploration goes on: ${c.name}`, () => {
    const s = watch(c.prog());
    // (the check did run: copies were compared after the current path had written its registers)
    assert.ok(s.checked > 0, 'no held copy compared');
    assert.ok(s.writes > 0, 'no write while a copy was held');
    assert.ok(s.frames >= c.frames, `deepest call chain ${s.frames}`);
  });
}

type Write = [copyOf: number, frame: number, reg: number, value: number];

/**
 * Copies of a two-frame state and register writes as data: each row copies state `copyOf` (a new
 * state at the end of the list) unless it is -1, then writes `value` into register `reg` of frame
 * `frame` of the newest state, or of state 0 when value is negative (the original after a copy).
 */
const WRITES: { name: string; rows: Write[] }[] = [
  { name: 'the copy written', rows: [[0, 1, 0, 5]] },
  { name: 'the original written', rows: [[0, 1, 3, -5]] },
  { name: 'a caller frame of the copy written', rows: [[0, 0, 6, 9]] },
  { name: 'a caller frame of the original written', rows: [[0, 0, 6, -9]] },
  { name: 'a copy of a copy, then both written', rows: [[0, 1, 2, 1], [1, 1, 2, 2], [-1, 1, 2, -3]] },
  { name: 'two copies of one state, each written', rows: [[0, 1, 4, 1], [0, 1, 4, 2], [-1, 0, 7, 3]] },
];

for (const c of WRITES) {
  t(`a state copy then a register write leaves the others as they were: ${c.name}`, () => {
    const first: State = { frames: [newFrame(0, -1, 0), newFrame(1, 4, 10)], refs: [] };
    first.frames[0].regs[6] = scalarReg(UNKNOWN);
    const states = [first];
    // the model: each state's registers as values, copied eagerly
    const models = [first.frames.map((f) => f.regs.slice())];
    for (const [of, frame, reg, value] of c.rows) {
      if (of >= 0) {
        states.push(cloneState(states[of]));
        models.push(models[of].map((r) => r.slice()));
      }
      const at = value < 0 ? 0 : states.length - 1;
      const r = immReg(Math.abs(value));
      states[at].frames[frame].regs[reg] = r;
      models[at][frame][reg] = r;
    }
    states.forEach((s, i) => s.frames.forEach((f, k) => assert.equal(f.regs, models[i][k], `state ${i} frame ${k}`)));
  });
}

t.run();
