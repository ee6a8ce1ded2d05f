// Two map-value registers at a window's start, one a value of either of two maps
// (MAP_VALUE_SOME, as xdp_router_ipv4's MAC source next to its ARP-map value): both are typed
// into one shared region with a free key and offset each, so a rewrite is proved only if it holds
// for every way they may overlap (issue 20). A copy that never writes map memory is proved; moving
// a load from one above a store through the other is refused, since the two may be one value.
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

const t = suite('search/prove-map-alias');
const equiv = new EquivService();
t.after(() => equiv.close());


/** r7: a value of HASH; r0: a value of HASH or OTHER (by the packet's first byte); then `tail`. */
function program(tail: string): { p: Program; at: number } {
  const a = assemble(`
r6 = *(u32 *)(r1 + 0)
r2 = *(u32 *)(r1 + 4)
r3 = r6
r3 += 14
if r3 > r2 goto out
r8 = *(u8 *)(r6 + 0)
r4 = 0
*(u64 *)(r10 - 8) = r4
r2 = r10
r2 += -8
r1 = 0x0 ll
call 1
if r0 == 0 goto out
r7 = r0
r2 = r10
r2 += -8
if r8 == 0 goto lpm
r1 = 0x0 ll
call 1
goto join
lpm:
r1 = 0x0 ll
call 1
join:
if r0 == 0 goto out
${tail}
r0 = 2
exit
out:
r0 = 1
exit`);
  const insns = a.insns.slice();
  const lddw = insns.flatMap((x, i) => (x.code === 0x18 ? [i] : []));
  // the first two look up HASH (map 0), the third OTHER (map 1)
  lddw.forEach((pc, n) => (insns[pc] = { ...insns[pc], src: 1, imm: n === 2 ? 1 : 0 }));
  // the window starts after the last null check of r0
  const checks = insns.flatMap((x, i) => (x.code === 0x15 && x.dst === 0 ? [i] : []));
  const at = checks[checks.length - 1] + 1;
  return { p: { ...bareProgram(insns, 'xdp'), maps: [HASH, OTHER] }, at };
}

const ldx = (size: 2 | 4, dst: number, src: number, off: number): Op => ({ kind: 'ldx', size, signed: false, dst, src, off } as Op);
const stx = (size: 2 | 4, dst: number, src: number, off: number): Op => ({ kind: 'stx', size, dst, src, off } as Op);

const COPY = `r1 = *(u16 *)(r0 + 0)
*(u16 *)(r6 + 0) = r1
r1 = *(u16 *)(r0 + 2)
*(u16 *)(r6 + 2) = r1
r1 = *(u32 *)(r7 + 0)
*(u32 *)(r6 + 4) = r1`;

t('both map-value registers are typed into one shared region; not when the window loads a map value itself', () => {
  const { p, at } = program(COPY);
  const ops = toOps(p.insns);
  const { rows } = pointerKinds(ops, ops.length, 'xdp', () => false);
  assert.is(rows[at * 11 + 0], MAP_VALUE_SOME, 'r0 after the join');
  const types = windowRegTypes(rows, at, p.maps);
  assert.equal(types[0], { type: 'map_value', map: 0 });
  assert.equal(types[7], { type: 'map_value', map: 0 });
  const guarded = windowRegTypes(rows, at, p.maps, true);
  assert.is(guarded[0], undefined, 'an lddw of a map value in the window: r0 untyped');
  assert.equal(guarded[7], { type: 'map_value', map: 0 }, 'r7 keeps its own map');
});

t('two u16 copies from the SOME value become one u32 copy next to a read of the other value: proved', async () => {
  const { p, at } = program(COPY);
  const cand = Candidate.initial(Original.of(p)).with([[at, ldx(4, 1, 0, 0)], [at + 1, stx(4, 6, 1, 0)], [at + 2, null], [at + 3, null]]);
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.ok(proof.ok, JSON.stringify(proof));
  assert.match(proof.ok ? proof.how : '', /window/);
});

t('a load through r0 moved above a store through r7: refused, the two may be one map value', async () => {
  const { p, at } = program(`*(u32 *)(r7 + 0) = 0
r1 = *(u32 *)(r0 + 0)
*(u32 *)(r6 + 0) = r1`);
  const store: Op = { kind: 'st', size: 4, dst: 7, off: 0, imm: 0 };
  const cand = Candidate.initial(Original.of(p)).with([[at, ldx(4, 1, 0, 0)], [at + 1, store]]);
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.not.ok(proof.ok, 'proved although r0 and r7 may alias');
  assert.is(proof.ok ? '' : proof.stage, 'z3', JSON.stringify(proof));
  // the same move through a read of r7 instead of a store is proved: the refusal is the aliasing
  const { p: q, at: qa } = program(`r2 = *(u32 *)(r7 + 0)
r1 = *(u32 *)(r0 + 0)
*(u32 *)(r6 + 0) = r1
*(u32 *)(r6 + 4) = r2`);
  const ok = Candidate.initial(Original.of(q)).with([[qa, ldx(4, 1, 0, 0)], [qa + 1, ldx(4, 2, 7, 0)]]);
  const proved = await proveEquivalent(equiv, ok, materialize(ok).insns);
  assert.ok(proved.ok, JSON.stringify(proved));
});

t.run();
