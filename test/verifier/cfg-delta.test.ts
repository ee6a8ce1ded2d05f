// The CFG derived from a baseline's after a change equals the one built from scratch.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { fromOp } from '../../src/isa/op.ts';
import { buildCfg, type Cfg } from '../../src/verifier/cfg.ts';
import { cfgOrReject } from '../../src/verifier/analyze.ts';
import { BREAKS, CfgDelta, KEEPS, LOSES, keepsStructure } from '../../src/verifier/cfg-delta.ts';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { fillSlots } from '../../src/isa/flow.ts';
import { helperArgsFor } from '../../src/isa/protos.ts';
import { cfgTables } from '../../src/verifier/cfg.ts';
import { oneSlotChange, slotsChange } from './mutants.ts';

/**
 * readsLive's rule written on the decoded ops (the checker reads it from the slot table's kinds):
 * a prune point, a conditional jump, a call, or the slot after a call.
 */
const readsOps = (c: Cfg, pc: number): boolean => {
  const op = c.ops[pc], before = pc > 0 ? c.ops[pc - 1] : null;
  return c.prune[pc] === 1 || op?.kind === 'jcond' || op?.kind === 'call' || before?.kind === 'call';
};

const t = suite('verifier/cfg-delta');
const DIR = new URL('../../corpus/', import.meta.url);
const progs = readdirSync(DIR).filter((x) => x.endsWith('.o')).sort().map((f) => ({ f, p: readObject(readFileSync(new URL(f, DIR))).link() }));

const tryBuild = (p: Parameters<typeof buildCfg>[0], type: Parameters<typeof buildCfg>[1]) => {
  try {
    return buildCfg(p, type);
  } catch {
    return undefined;
  }
};

/** A CFG's slot table as plain rows (kind, next, jump, use, kill), for deep equality. */
const tableRows = (c: Cfg): number[][] => [[...c.slots.kind], [...c.slots.next], [...c.slots.jump], [...c.slots.use], [...c.slots.kill]];

for (const { f, p } of progs) {
  t(`${f}: derived CFG = built CFG on random one-slot changes`, () => {
    const base = buildCfg(p.insns, p.type);
    const delta = new CfgDelta(p, base);
    assert.ok(delta.usable, 'the counted marks reproduce the baseline');
    let derived = 0;
    fc.assert(fc.property(oneSlotChange(p), ({ slot, prog }) => {
      const d = delta.derive(prog);
      const full = tryBuild(prog.insns, prog.type);
      if (!d) return;
      derived++;
      // a derived CFG is only given for a program the static checks accept
      assert.ok(full, `slot ${slot}: derived a CFG for a rejected program`);
      assert.equal(d.cfg.ops, full!.ops);
      assert.equal([...d.cfg.prune], [...full!.prune], `slot ${slot}: prune`);
      assert.equal([...d.cfg.jmp], [...full!.jmp], `slot ${slot}: jmp`);
      assert.equal([...d.cfg.live], [...full!.live], `slot ${slot}: live`);
      assert.equal(d.cfg.subprogs, full!.subprogs);
      assert.equal([...d.cfg.funcOf], [...full!.funcOf]);
      // the per-check slot table, patched at the changed slots and put back before the next derive
      assert.equal(tableRows(d.cfg), tableRows(full!), `slot ${slot}: slot table`);
      const touched = new Set(d.touched);
      for (let i = 0; i < p.insns.length; i++) {
        const live = base.live[i] !== full!.live[i] && (readsOps(base, i) || readsOps(full!, i));
        const differs = base.prune[i] !== full!.prune[i] || base.jmp[i] !== full!.jmp[i] || live || i === slot;
        assert.is(touched.has(i), differs && (i !== slot || d.slots.length > 0), `slot ${slot}: touched ${i}`);
      }
      // the slots touched for their live registers alone come last (the re-check reaches them at their first read)
      d.touched.forEach((i, k) => {
        const own = i === slot || base.prune[i] !== full!.prune[i] || base.jmp[i] !== full!.jmp[i];
        assert.is(own, k < d.liveFrom, `slot ${slot}: touched ${i} at ${k}, live-only from ${d.liveFrom}`);
      });
    }), { numRuns: 60, seed: 19 });
    assert.ok(derived > 0, 'some changes are derived');
  });
}

// the search's moves change up to two dozen slots at once (xdp_router's bench candidates: 10-22)
t('changes of 9-32 slots at once: derived CFG = built CFG, and derived where the slots keep the structure', () => {
  let many = 0;
  for (const f of ['xdp_swap_tx.o', 'xdp_router.o', 'xdp_lb_hash.o', 'xdp_loop.o', 'xdp_subprogs.o']) {
    const p = progs.find((x) => x.f === f)!.p;
    const base = buildCfg(p.insns, p.type);
    const delta = new CfgDelta(p, base);
    // mostly tweaks of the slots' own fields: a change of many slots with no new jump or call
    const kept = fc.property(slotsChange(p, 9, 32), ({ slots, prog }) => {
      const d = delta.derive(prog);
      const full = tryBuild(prog.insns, prog.type);
      if (!d) return;
      const changed = slots.filter((i) => JSON.stringify(prog.insns[i]) !== JSON.stringify(p.insns[i]));
      if (changed.length > 8) many++;
      assert.ok(full, `${f}: derived a CFG for a rejected program`);
      assert.equal(d.slots, changed, `${f}: the changed slots`);
      assert.equal(d.cfg.ops, full!.ops);
      assert.equal([[...d.cfg.prune], [...d.cfg.jmp], [...d.cfg.live]], [[...full!.prune], [...full!.jmp], [...full!.live]], `${f} slots ${changed}`);
      assert.equal(tableRows(d.cfg), tableRows(full!), `${f} slots ${changed}: slot table`);
      const touched = new Set(d.touched);
      for (let i = 0; i < p.insns.length; i++) {
        const live = base.live[i] !== full!.live[i] && (readsOps(base, i) || readsOps(full!, i));
        const own = changed.includes(i) || base.prune[i] !== full!.prune[i] || base.jmp[i] !== full!.jmp[i];
        assert.is(touched.has(i), own || live, `${f} slots ${changed}: touched ${i}`);
        if (own) assert.ok(d.touched.indexOf(i) < d.liveFrom, `${f}: slot ${i} listed before the live-only ones`);
      }
    });
    fc.assert(kept, { numRuns: 40, seed: 23 });
  }
  assert.ok(many > 0, 'some changes of more than 8 slots are derived');
});

t('a change that removes an edge is derived only when everything stays reachable', () => {
  const p = progs.find((x) => x.f === 'xdp_lb_hash.o')!.p;
  const delta = new CfgDelta(p, buildCfg(p.insns, p.type));
  const j = p.insns.findIndex((x) => (x.code & 7) === 5 && (x.code & 0xf0) !== 0x80 && (x.code & 0xf0) !== 0x90 && (x.code & 0xf0) !== 0);
  assert.ok(j > 0);
  const prog = { ...p, insns: p.insns.map((x, i) => (i === j ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
  const d = delta.derive(prog);
  assert.is(d !== undefined, tryBuild(prog.insns, prog.type) !== undefined);
});

t('unprivileged: a derived CFG only where the unprivileged static checks pass, equal to theirs', () => {
  let derived = 0;
  for (const f of ['socket_filter.o', 'xdp_router.o', 'xdp1.o', 'xdp_lb_hash.o']) {
    const p = progs.find((x) => x.f === f)!.p;
    const delta = new CfgDelta(p, buildCfg(p.insns, p.type), false);
    fc.assert(fc.property(oneSlotChange(p), ({ slot, prog }) => {
      const d = delta.derive(prog);
      if (!d || !d.slots.length) return;
      derived++;
      const full = cfgOrReject(prog, false);
      assert.ok(!('ok' in full), `${f} slot ${slot}: derived a CFG for a program rejected unprivileged`);
      const c = full as Cfg;
      assert.equal([[...d.cfg.prune], [...d.cfg.jmp], [...d.cfg.live]], [[...c.prune], [...c.jmp], [...c.live]]);
    }), { numRuns: 60, seed: 19 });
  }
  assert.ok(derived > 0);
});

t('a jump to slot -1 is no delta (the full build rejects it: jump out of range)', () => {
  const p = progs.find((x) => x.f === 'socket_filter.o')!.p;
  const delta = new CfgDelta(p, buildCfg(p.insns, p.type));
  // found by a random re-check: jgt r5, 1, -3 at slot 1 jumps to -1
  const prog = { ...p, insns: p.insns.map((x, i) => (i === 1 ? { code: 0x25, dst: 5, src: 0, off: -3, imm: 1 } : x)) };
  assert.is(delta.derive(prog), undefined);
  assert.is(tryBuild(prog.insns, prog.type), undefined);
});

/**
 * The structure rules of a changed slot (keepsStructure, shared with cfg-shift.ts), as data: a
 * candidate (its main function ends at the line `sub:`), the changed slot, the baseline's
 * successors there (bn, bj), privileged or not, and the answer.
 */
const MAIN = ['r6 = r1', 'r0 = 0', 'if r6 == 0 goto +1', 'r0 = 1', 'r0 += 2', 'call 5', 'r0 &= 3', 'r1 = 5', 'call sub', 'r0 += 1', 'exit'];
const SUB = ['sub:', 'r0 = r1', 'r0 += 1', 'exit'];
/** The candidate: MAIN then SUB, a line replaced where `edits` gives one (by slot; '' drops the line: an lddw takes two). */
const candidate = (edits: Record<number, string> = {}): string => {
  const lines = [...MAIN, ...SUB.slice(1)].map((x, i) => edits[i] ?? x);
  return [...lines.slice(0, MAIN.length), SUB[0], ...lines.slice(MAIN.length)].filter((x) => x !== '').join('\n');
};
const STRUCTURE: { name: string; edits?: Record<number, string>; pc: number; bn: number; bj: number; privileged?: boolean; want: number }[] = [
  { name: 'an ALU slot, its successor kept', pc: 3, bn: 4, bj: -1, want: KEEPS },
  { name: 'an ALU slot where a jump was (the jump target lost)', pc: 3, bn: 4, bj: 6, want: LOSES },
  { name: 'a conditional jump, its successors kept', pc: 2, bn: 3, bj: 4, want: KEEPS },
  { name: 'a conditional jump, retargeted', edits: { 2: 'if r6 == 0 goto +2' }, pc: 2, bn: 3, bj: 4, want: LOSES },
  { name: "the main function's last slot", pc: 10, bn: -1, bj: -1, want: BREAKS },
  { name: "the callee's last slot", pc: 13, bn: -1, bj: -1, want: BREAKS },
  { name: 'a jump out of its function', edits: { 3: 'goto +9' }, pc: 3, bn: 4, bj: -1, want: BREAKS },
  { name: 'a jump back before its function', edits: { 12: 'goto -3' }, pc: 12, bn: 13, bj: -1, want: BREAKS },
  { name: 'a jump to its function\'s last slot', edits: { 3: 'goto +6' }, pc: 3, bn: 4, bj: -1, want: LOSES },
  { name: 'a jump onto the second half of an lddw', edits: { 6: 'r2 = 0x100000000 ll', 7: '', 3: 'goto +3' }, pc: 3, bn: 4, bj: -1, want: BREAKS },
  { name: 'a bpf-to-bpf call', pc: 8, bn: 9, bj: 11, want: BREAKS },
  { name: 'a backward jump, privileged', edits: { 4: 'goto -3' }, pc: 4, bn: 5, bj: -1, want: LOSES },
  { name: 'a backward jump, unprivileged', edits: { 4: 'goto -3' }, pc: 4, bn: 5, bj: -1, privileged: false, want: BREAKS },
  { name: 'a jump to itself, unprivileged', edits: { 4: 'goto -1' }, pc: 4, bn: 5, bj: -1, privileged: false, want: BREAKS },
  { name: 'a helper call, unprivileged', pc: 5, bn: 6, bj: -1, privileged: false, want: KEEPS },
  { name: 'a forward jump, unprivileged', pc: 2, bn: 3, bj: 4, privileged: false, want: KEEPS },
];

for (const c of STRUCTURE) {
  t(`structure rules: ${c.name}`, () => {
    const insns = assemble(candidate(c.edits)).insns;
    const ops = toOps(insns), n = insns.length, { slots } = cfgTables(n);
    fillSlots(slots, { ops, end: n }, helperArgsFor('xdp'));
    assert.is(n, MAIN.length + SUB.length - 1);
    // the main function is MAIN's slots
    const sub = MAIN.length, [fn, end] = c.pc < sub ? [0, sub] : [sub, n];
    assert.is(keepsStructure(slots, c.pc, fn, end, ops, ops[c.pc]!, c.privileged ?? true, c.bn, c.bj), c.want);
  });
}

t.run();
