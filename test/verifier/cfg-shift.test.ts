// The CFG derived from a baseline's for a candidate that deletes slots (cfg-shift.ts) equals the
// one built from scratch: on the bench's deletion candidates and every one-slot deletion of each
// corpus program, on random deletions on top of a one-slot change, and on cases as data (what is
// derived and what is left to the full build).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { fromOp } from '../../src/isa/op.ts';
import { assemble } from '../../src/isa/asm.ts';
import type { Program } from '../../src/isa/program.ts';
import { buildCfg, type Cfg } from '../../src/verifier/cfg.ts';
import { cfgOrReject } from '../../src/verifier/analyze.ts';
import { CfgDelta } from '../../src/verifier/cfg-delta.ts';
import { CfgShift } from '../../src/verifier/cfg-shift.ts';
import { renumbering, sameRenumbered, type Renumbering } from '../../src/verifier/renumber.ts';
import { searchCandidates } from '../../bench/search-mutants.ts';
import { oneSlotChange, without } from './mutants.ts';

const t = suite('verifier/cfg-shift');
const DIR = new URL('../../corpus/', import.meta.url);
const progs = readdirSync(DIR).filter((x) => x.endsWith('.o')).sort().map((f) => ({ f, p: readObject(readFileSync(new URL(f, DIR))).link() }));

/** A CFG as plain data, every table and list (deep equality: ops, marks, liveness, functions, the slot table). */
const rows = (c: Cfg) => ({
  ops: c.ops, funcOf: [...c.funcOf], subprogs: c.subprogs, prune: [...c.prune], jmp: [...c.jmp], live: [...c.live], bad: [...c.bad],
  slots: [[...c.slots.kind], [...c.slots.next], [...c.slots.jump], [...c.slots.use], [...c.slots.kill]],
});

const shiftOf = (p: Program, privileged = true) => {
  const cfg = buildCfg(p.insns, p.type);
  return new CfgShift(p, cfg, new CfgDelta(p, cfg, privileged), privileged);
};

/**
 * Derive the candidate's CFG and compare it with the full build's: equal when derived (and then
 * the full build accepts it), and `differs` marks exactly the kept slots whose instruction is not
 * the baseline's renumbered. Returns whether it was derived.
 */
function check(shift: CfgShift, p: Program, c: { prog: Program; oldToNew: Int32Array }, what: string, privileged = true): boolean {
  const r = renumbering(c.oldToNew, p.insns.length, c.prog.insns.length) as Renumbering;
  assert.type(r, 'object', what);
  const d = shift.derive(c.prog, r);
  if (!d) return false;
  const full = cfgOrReject(c.prog, privileged);
  assert.ok(!('ok' in full), `${what}: derived a CFG for a rejected program`);
  assert.equal(rows(d.cfg), rows(full as Cfg), what);
  for (let i = 0; i < p.insns.length; i++) {
    const j = r.map[i], lddw = p.insns[i].code === 0x18;
    const other = j >= 0 && !(sameRenumbered(p.insns[i], c.prog.insns[j], i, j, r) && (!lddw || sameRenumbered(p.insns[i + 1], c.prog.insns[j + 1], i + 1, j + 1, r)));
    assert.is(d.differs[i] === 1, other, `${what}: differs at ${i}`);
    if (lddw) assert.is(d.differs[++i], 0, `${what}: differs at an lddw's second half`);
  }
  return true;
}

for (const { f, p } of progs) {
  t(`${f}: derived CFG = built CFG on the bench's deletion candidates and every one-slot deletion`, () => {
    const shift = shiftOf(p);
    let derived = 0, tried = 0;
    for (const m of searchCandidates(p, 64, 1, true)) {
      if (!m.oldToNew) continue;
      tried++;
      if (check(shift, p, { prog: m.prog, oldToNew: m.oldToNew }, 'bench candidate')) derived++;
    }
    for (let s = 0; s < p.insns.length; s++) {
      const d = without(p, [s]);
      if (d && check(shift, p, d, `slot ${s} deleted`)) derived++;
    }
    assert.ok(derived > 0 && (tried === 0 || derived >= tried / 2), `derived ${derived}, bench candidates ${tried}`);
  });

  t(`${f}: derived CFG = built CFG on random deletions on top of a one-slot change`, () => {
    const shift = shiftOf(p);
    const del = fc.array(fc.integer({ min: 0, max: p.insns.length - 1 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(del, oneSlotChange(p), (slots, changed) => {
      const d = without(changed.prog, slots);
      if (d) check(shift, p, d, `deleted ${slots}, slot ${changed.slot} changed`);
    }), { numRuns: 40, seed: 25 });
  });
}

t('unprivileged: derived CFG = built CFG (no loop, no kfunc call) on random deletions on top of a one-slot change', () => {
  let derived = 0;
  for (const f of ['socket_filter.o', 'xdp_router.o']) {
    const p = progs.find((x) => x.f === f)!.p;
    const shift = shiftOf(p, false);
    const del = fc.array(fc.integer({ min: 0, max: p.insns.length - 1 }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(del, fc.option(oneSlotChange(p), { freq: 2 }), (slots, changed) => {
      const d = without(changed ? changed.prog : p, slots);
      if (d && check(shift, p, d, `deleted ${slots}${changed ? `, slot ${changed.slot} changed` : ''}`, false)) derived++;
    }), { numRuns: 60, seed: 25 });
  }
  assert.ok(derived > 0);
});

/** A program of xdp type from assembly. */
const xdp = (src: string): Program => ({ name: 'prog', section: 'xdp', type: 'xdp', insns: assemble(src).insns, maps: [], license: 'GPL', funcs: [{ name: 'prog', start: 0 }] });

const PROG = `
r6 = r1
r0 = 0
if r6 == 0 goto skip
r0 = 1
skip:
r0 += 2
call ktime_get_ns
r0 &= 3
r1 = 5
call sub
r0 += 1
exit
sub:
r0 = r1
r0 += 1
exit
`;

/**
 * Cases: the slots deleted (baseline numbers), a slot changed first (its new instruction), and
 * whether the CFG is derived; the full build's verdict on it when not.
 */
const CASES: { name: string; del: number[]; change?: [number, Parameters<typeof fromOp>[0]]; derived: boolean; builds?: boolean }[] = [
  { name: 'a jump target (its jump point moves to the next slot)', del: [4], derived: true },
  { name: 'the slot after a helper call (its marks move)', del: [6], derived: true },
  { name: 'the slot after a bpf-to-bpf call, and one in the callee', del: [9, 12], derived: true },
  { name: 'the first slot', del: [0], derived: false, builds: true },
  { name: 'a conditional jump', del: [2], derived: false, builds: true },
  { name: 'a call', del: [5], derived: false, builds: true },
  { name: "a callee's first slot", del: [11], derived: false, builds: true },
  { name: 'a slot, another changed to a jump over the deleted one', del: [4], change: [3, { kind: 'ja', off: 1, long: false }], derived: true },
  { name: 'a slot, another changed to a jump out of its function', del: [4], change: [3, { kind: 'ja', off: 9, long: false }], derived: false, builds: false },
  { name: 'a slot, another changed to an exit (the rest unreachable)', del: [1], change: [6, { kind: 'exit' }], derived: false, builds: false },
  { name: 'a slot, another changed to an ALU instruction', del: [9], change: [6, { kind: 'alu', op: 'add', width: 64, dst: 0, src: { imm: 7 } }], derived: true },
];

for (const c of CASES) {
  t(`cases: deleting ${c.name}`, () => {
    const p = xdp(PROG);
    const changed = c.change ? { ...p, insns: p.insns.map((x, i) => (i === c.change![0] ? fromOp(c.change![1])[0] : x)) } : p;
    const d = without(changed, c.del)!;
    assert.is(check(shiftOf(p), p, d, c.name), c.derived, 'derived');
    if (c.builds !== undefined) assert.is(!('ok' in cfgOrReject(d.prog)), c.builds, 'built');
  });
}

t('derivations of one candidate length share their tables, each equal to the build (a loop program: liveness starts from 0 each time)', () => {
  const p = progs.find((x) => x.f === 'xdp_loop.o')!.p;
  const shift = shiftOf(p);
  // one-slot deletions (all of one length) interleaved with two-slot ones, then the first again
  const ones = [...Array(p.insns.length).keys()].map((s) => without(p, [s])).filter((d) => d !== undefined);
  const twos = [...Array(p.insns.length - 1).keys()].map((s) => without(p, [s, s + 1])).filter((d) => d !== undefined);
  const lives = new Set<Uint16Array>();
  let derived = 0;
  for (let i = 0; i < ones.length; i++) {
    for (const d of [ones[i], twos[i % twos.length], ones[0]]) {
      if (!d || !check(shift, p, d, `deleted to ${d.prog.insns.length} slots`)) continue;
      derived++;
      lives.add(shift.derive(d.prog, renumbering(d.oldToNew, p.insns.length, d.prog.insns.length) as Renumbering)!.cfg.live);
    }
  }
  assert.ok(derived > 10, `derived ${derived}`);
  assert.is(lives.size, 2, 'one table per length');
});

t.run();
