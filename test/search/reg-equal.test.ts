// Register equalities before each slot (src/search/reg-equal.ts) and their use as a window
// proof's precondition: a copy repeated on every path to it is deleted with a proof; one that is
// new on some path is refused (issue 20, xdp_router_ipv4's `r6 = r0`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { equalRegs } from '../../src/search/reg-equal.ts';
import { materialize } from '../../src/search/materialize.ts';
import { proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';
import fc from 'fast-check';

const t = suite('search/reg-equal');
const equiv = new EquivService();
t.after(() => equiv.close());

// slot 3 copies r0 into r6 on one path only (the paths meet at 4); slot 6 repeats slot 5's copy
const SRC = `r0 = *(u32 *)(r1 + 0)
r6 = *(u32 *)(r1 + 4)
if r0 == 0 goto +1
r6 = r0
r7 = r0
r0 = r6
r6 = r0
r0 += r6
exit`;
const prog = (src: string): Program => bareProgram(assemble(src).insns, 'xdp');
const eqBefore = (e: Uint8Array, pc: number, a: number, b: number): boolean => e[pc * 11 + a] === e[pc * 11 + b];

t('copies make registers equal; a join keeps only what holds on both paths; a write ends it', () => {
  const p = prog(SRC);
  const ops = toOps(p.insns);
  const e = equalRegs({ ops, end: ops.length });
  assert.not.ok(eqBefore(e, 4, 0, 6), 'at the join (slot 4): only one path copied');
  assert.ok(eqBefore(e, 5, 0, 7), 'after r7 = r0');
  assert.ok(eqBefore(e, 6, 0, 6), 'after r0 = r6');
  assert.not.ok(eqBefore(e, 6, 0, 7), 'r0 = r6 wrote r0: r7 keeps the old value');
  assert.ok(eqBefore(e, 7, 0, 6), 'after the repeated copy');
  assert.not.ok(eqBefore(e, 8, 0, 6), 'r0 += r6 wrote r0');
  assert.ok(eqBefore(e, 0, 1, 1));
  assert.not.ok(eqBefore(e, 0, 0, 1), 'nothing equal at the entry');
});

t('a copy already made on every path is deleted with a proof; one new on a path is refused', async () => {
  const p = prog(SRC);
  const orig = Original.of(p);
  const redundant = Candidate.initial(orig).with([[6, null]]);
  const proof = await proveEquivalent(equiv, redundant, materialize(redundant).insns);
  assert.ok(proof.ok, JSON.stringify(proof));
  const needed = Candidate.initial(orig).with([[3, null]]);
  const refused = await proveEquivalent(equiv, needed, materialize(needed).insns);
  assert.not.ok(refused.ok, 'r6 = r0 at slot 3 changes r6 on its path');
});

// The analysis against executions: random straight-line-and-forward-branch programs over r0–r9
// (64-bit and 32-bit moves, adds, conditional jumps), registers starting from distinct random
// values, run by a small evaluator here; before every executed slot, each pair of registers the
// analysis calls equal must hold the same value.
type GenOp =
  | { k: 'mov'; d: number; s: number } | { k: 'mov32'; d: number; s: number } | { k: 'movi'; d: number; v: number }
  | { k: 'addi'; d: number; v: number } | { k: 'add'; d: number; s: number } | { k: 'jgt'; d: number; v: number; off: number };
const reg = fc.integer({ min: 0, max: 9 });
const genOp: fc.Arbitrary<GenOp> = fc.oneof(
  fc.record({ k: fc.constant('mov' as const), d: reg, s: reg }),
  fc.record({ k: fc.constant('mov' as const), d: reg, s: reg }),
  fc.record({ k: fc.constant('mov32' as const), d: reg, s: reg }),
  fc.record({ k: fc.constant('movi' as const), d: reg, v: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ k: fc.constant('addi' as const), d: reg, v: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ k: fc.constant('add' as const), d: reg, s: reg }),
  fc.record({ k: fc.constant('jgt' as const), d: reg, v: fc.integer({ min: -2, max: 2 }), off: fc.integer({ min: 0, max: 6 }) }),
);
const M64 = (1n << 64n) - 1n;
const textOf = (o: GenOp, i: number, n: number): string => {
  switch (o.k) {
    case 'mov': return `r${o.d} = r${o.s}`;
    case 'mov32': return `w${o.d} = w${o.s}`;
    case 'movi': return `r${o.d} = ${o.v}`;
    case 'addi': return `r${o.d} += ${o.v}`;
    case 'add': return `r${o.d} += r${o.s}`;
    case 'jgt': return `if r${o.d} > ${o.v} goto +${Math.min(o.off, n - i - 1)}`;
  }
};

t('property: registers called equal before a slot hold equal values whenever it runs', () => {
  fc.assert(fc.property(fc.array(genOp, { minLength: 1, maxLength: 24 }), fc.array(fc.bigInt({ min: 0n, max: M64 }), { minLength: 10, maxLength: 10 }), (gen, init) => {
    const n = gen.length;
    const ops = toOps(assemble([...gen.map((o, i) => textOf(o, i, n)), 'exit'].join('\n')).insns);
    const e = equalRegs({ ops, end: ops.length });
    const r = [...init, 0n]; // r10 unused
    for (let pc = 0; pc < n;) {
      for (let a = 0; a < 10; a++) for (let b = a + 1; b < 10; b++) {
        if (eqBefore(e, pc, a, b) && r[a] !== r[b]) throw new Error(`slot ${pc}: r${a} and r${b} called equal, but ${r[a]} ≠ ${r[b]}`);
      }
      const o = gen[pc];
      let next = pc + 1;
      if (o.k === 'mov') r[o.d] = r[o.s];
      else if (o.k === 'mov32') r[o.d] = r[o.s] & 0xffffffffn;
      else if (o.k === 'movi') r[o.d] = BigInt.asUintN(64, BigInt(o.v));
      else if (o.k === 'addi') r[o.d] = BigInt.asUintN(64, r[o.d] + BigInt(o.v));
      else if (o.k === 'add') r[o.d] = BigInt.asUintN(64, r[o.d] + r[o.s]);
      else if (r[o.d] > BigInt.asUintN(64, BigInt(o.v))) next = pc + 1 + Math.min(o.off, n - pc - 1);
      pc = next;
    }
  }), { numRuns: 2_000, seed: 20261205 });
});

t.run();
