// The live registers live-delta.ts derives for a changed program equal a from-scratch solve of the
// same equations: on programs with loops (solved component by component when the change keeps the
// edges, over every slot reaching a change otherwise) and without.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { buildCfg } from '../../src/verifier/cfg.ts';
import { helperArgsFor } from '../../src/isa/protos.ts';
import { LiveTables, type SlotFlow, slotFlow } from '../../src/verifier/live-delta.ts';

const t = suite('verifier/live-delta');
const DIR = new URL('../../corpus/', import.meta.url);

/** The least solution of the liveness equations `eq` (null: no equation, nothing live), by rounds from all-zero. */
function solve(eq: readonly (SlotFlow | null)[]): number[] {
  const n = eq.length, live = new Array<number>(n).fill(0);
  for (let again = true; again;) {
    again = false;
    for (let pc = n - 1; pc >= 0; pc--) {
      const f = eq[pc];
      if (!f) continue;
      let out = 0;
      for (const s of [f.s1, f.s2]) if (s >= 0 && s < n) out |= live[s];
      const v = (f.use | (out & ~f.kill) | (1 << 10)) & 0x7ff;
      if (v !== live[pc]) {
        live[pc] = v;
        again = true;
      }
    }
  }
  return live;
}

const regMask = fc.integer({ min: 0, max: 0x7ff });

for (const name of ['xdp_global_func', 'xdp_loop', 'xdp_csum_loop', 'xdp_balancer', 'xdp_subprogs', 'xdp_pktcntr']) {
  t(`${name}: derived liveness = solved liveness, for changes of 1-3 slots' uses and kills (and some edges)`, () => {
    const p = readObject(readFileSync(new URL(`${name}.o`, DIR))).link();
    const cfg = buildCfg(p.insns, p.type);
    const args = helperArgsFor(p.type);
    const eq = cfg.ops.map((op, pc) => (op ? slotFlow(op, pc, args) : null));
    assert.equal([...cfg.live], solve(eq), 'the baseline is the least solution');
    const tables = new LiveTables(cfg.ops, cfg.live, args);
    const slots = eq.map((f, pc) => (f ? pc : -1)).filter((pc) => pc >= 0);
    const n = eq.length;
    const change = fc.uniqueArray(fc.record({ pc: fc.constantFrom(...slots), use: regMask, kill: regMask, edge: fc.integer({ min: -12, max: 40 }) }), { minLength: 1, maxLength: 3, selector: (c) => c.pc });
    fc.assert(fc.property(change, (cs) => {
      cs.sort((a, b) => a.pc - b.pc);
      // mostly the same edges (what the components need), sometimes a new jump target
      const flows = cs.map(({ pc, use, kill, edge }) => {
        const f = eq[pc]!, s2 = edge > 32 && pc + edge - 32 < n ? pc + edge - 32 : f.s2;
        return { use, kill, s1: f.s1, s2 };
      });
      const want = eq.slice();
      cs.forEach((c, k) => (want[c.pc] = flows[k]));
      const expected = solve(want);
      const live = cfg.live.slice();
      const m = tables.derive(cs.map((c) => c.pc), flows, live);
      assert.equal([...live], expected);
      const diff = expected.map((v, pc) => (v !== cfg.live[pc] ? pc : -1)).filter((pc) => pc >= 0);
      // each once: the scratch's first m entries, whatever the calls before left after them
      assert.equal([...tables.differs.subarray(0, m)].sort((a, b) => a - b), diff, 'the slots said to differ');
    }), { numRuns: 150, seed: 17 });
  });
}

t('a loop of one slot (a jump to itself) and nested loops: derived = solved', () => {
  // 0: r1 = 0; 1: r2 = r1; 2: if r1 > 3 goto 5; 3: r1 += 1; 4: goto 1;
  // 5: if r2 == 0 goto 5 (a loop of one slot); 6: r0 = r3; 7: exit
  const ins = [
    { code: 0xb7, dst: 1, src: 0, off: 0, imm: 0 }, { code: 0xbf, dst: 2, src: 1, off: 0, imm: 0 },
    { code: 0x25, dst: 1, src: 0, off: 2, imm: 3 }, { code: 0x07, dst: 1, src: 0, off: 0, imm: 1 },
    { code: 0x05, dst: 0, src: 0, off: -4, imm: 0 }, { code: 0x15, dst: 2, src: 0, off: -1, imm: 0 },
    { code: 0xbf, dst: 0, src: 3, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
  ];
  const cfg = buildCfg(ins, 'xdp');
  const args = helperArgsFor('xdp');
  const eq = cfg.ops.map((op, pc) => (op ? slotFlow(op, pc, args) : null));
  const tables = new LiveTables(cfg.ops, cfg.live, args);
  for (let pc = 0; pc < eq.length; pc++) {
    for (const [use, kill] of [[0, 0], [1 << 4, 0], [0, 0x3f], [1 << 3, 1 << 2]]) {
      const f = { ...eq[pc]!, use, kill };
      const want = eq.slice();
      want[pc] = f;
      const live = cfg.live.slice();
      tables.derive([pc], [f], live);
      assert.equal([...live], solve(want), `slot ${pc} use ${use} kill ${kill}`);
    }
  }
});

t.run();
