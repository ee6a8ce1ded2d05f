// A register holding a value of one of two maps (the paths that looked up different maps meet:
// xdp_router_ipv4's MAC source) is MAP_VALUE_SOME for the pre-filter, and a window reading
// through it is proved when no other register can reach map memory (issue 20). One map has no
// whole-program model, so the proof is by window.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { materialize } from '../../src/search/materialize.ts';
import { proveEquivalent, windowRegTypes } from '../../src/search/prove.ts';
import { MAP_VALUE_SOME, pointerKinds } from '../../src/search/ptrkinds.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';
import { HASH, OTHER } from './fixtures/two-maps.ts';

const t = suite('search/prove-some-map');
const equiv = new EquivService();
t.after(() => equiv.close());


/** Look up HASH or OTHER (by the packet's first byte), then copy 4 bytes of the value into the packet (two u16 copies at slot COPY). */
function program(): Program {
  const a = assemble(`
r6 = *(u32 *)(r1 + 0)
r2 = *(u32 *)(r1 + 4)
r3 = r6
r3 += 14
if r3 > r2 goto out
r3 = *(u8 *)(r6 + 0)
r4 = 0
*(u64 *)(r10 - 8) = r4
r2 = r10
r2 += -8
if r3 == 0 goto lpm
r1 = 0x0 ll
call 1
goto join
lpm:
r1 = 0x0 ll
call 1
join:
if r0 == 0 goto out
r1 = *(u16 *)(r0 + 0)
*(u16 *)(r6 + 0) = r1
r1 = *(u16 *)(r0 + 2)
*(u16 *)(r6 + 2) = r1
r0 = 2
exit
out:
r0 = 1
exit`);
  // the two lddw become map references: HASH (0) and OTHER (1)
  const insns = a.insns.slice();
  const lddw = insns.flatMap((x, i) => (x.code === 0x18 ? [i] : []));
  lddw.forEach((pc, m) => (insns[pc] = { ...insns[pc], src: 1, imm: m }));
  return { ...bareProgram(insns, 'xdp'), maps: [HASH, OTHER] };
}

const COPY = 19;

t('the join of two maps\' values is MAP_VALUE_SOME, typed for a window as a writable map\'s value', () => {
  const p = program();
  const ops = toOps(p.insns);
  const { rows } = pointerKinds(ops, ops.length, 'xdp', () => false);
  assert.is(rows[COPY * 11 + 0], MAP_VALUE_SOME, 'r0 after the join');
  assert.equal(windowRegTypes(rows, COPY, p.maps)[0], { type: 'map_value', map: 0 });
  const two = rows.slice();
  two[COPY * 11 + 7] = two[COPY * 11 + 0];
  const types = windowRegTypes(two, COPY, p.maps);
  assert.equal(types[0], { type: 'map_value', map: 0 }, 'another register may reach the same map: both in one shared region');
  assert.equal(types[7], { type: 'map_value', map: 0 });
});

const candidate = (p: Program, load: Op, store: Op): Candidate => {
  const orig = Original.of(p);
  return Candidate.initial(orig).with([[COPY, load], [COPY + 1, store], [COPY + 2, null], [COPY + 3, null]]);
};

t('two u16 copies through it become one u32 copy: proved; a copy from the wrong offset: refused', async () => {
  const p = program();
  const good = candidate(p, { kind: 'ldx', size: 4, signed: false, dst: 1, src: 0, off: 0 }, { kind: 'stx', size: 4, dst: 6, src: 1, off: 0 });
  const proof = await proveEquivalent(equiv, good, materialize(good).insns);
  assert.ok(proof.ok, JSON.stringify(proof));
  assert.match(proof.ok ? proof.how : '', /window/, 'by window: the other map has no whole-program model');
  const bad = candidate(p, { kind: 'ldx', size: 4, signed: false, dst: 1, src: 0, off: 1 }, { kind: 'stx', size: 4, dst: 6, src: 1, off: 0 });
  const refused = await proveEquivalent(equiv, bad, materialize(bad).insns);
  assert.not.ok(refused.ok);
  assert.is(refused.ok ? '' : refused.stage, 'z3');
});

t.run();
