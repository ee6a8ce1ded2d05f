// Tail merging (src/search/idiom-tail-merge.ts, issue 20: xdp_router_ipv4's `r0 = 1; if r1 == 0
// goto exit` next to `r0 = 1; goto exit`): proposed where the sequence at the new target repeats
// the deleted instructions and lands where the jump did; proved by the whole-program query (never
// by windows, which cannot see a changed jump); refused by Z3 when the target sequence differs;
// and the interpreter runs a retargeted jump patched in place as the materialized program.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { tailMerges } from '../../src/search/idiom-tail-merge.ts';
import { materialize } from '../../src/search/materialize.ts';
import { changesControl, changedWindows, proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/idiom-tail-merge');
const equiv = new EquivService();
t.after(() => equiv.close());

/**
 * The packet's length in r3; slot 4 (`target`) falls into the exit at 5; 7-8 repeat `r0 = 1`
 * before a jump to 5. (Not the context's ifindex or queue: the model fixes them as test_run does.)
 */
function program(target: string): Program {
  const a = assemble(`r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r3 -= r2
if r3 != 60 goto +2
${target}
exit
r3 += 1
r0 = 1
if r3 > 100 goto -4
r0 = 2
exit`);
  return bareProgram(a.insns, 'xdp');
}
const straight = (ops: readonly Slot[]): Set<number> => new Set(ops.flatMap((o, i) => (o && ['alu', 'ldx', 'st', 'stx'].includes(o.kind) ? [i] : [])));
const RETARGET = { kind: 'jcond', op: 'jgt', width: 64, dst: 3, src: { imm: 100 }, off: -5 } as const;

t('proposed: delete `r0 = 1` before the jump, send the jump to the `r0 = 1` that falls into its target', () => {
  const ops = toOps(program('r0 = 1').insns);
  assert.equal(tailMerges(ops, straight(ops)), [[[7, null], [8, RETARGET]]]);
});

t('not proposed when the sequence differs, or when the jump tests what the deleted slot writes', () => {
  const ops = toOps(program('r0 = 3').insns);
  assert.equal(tailMerges(ops, straight(ops)), []);
  const reads = toOps(bareProgram(assemble(`r2 = *(u32 *)(r1 + 12)
if r2 == 0 goto +2
r2 = 1
exit
r2 += 1
r2 = 1
if r2 > 0 goto -4
exit`).insns, 'xdp').insns);
  assert.equal(tailMerges(reads, straight(reads)), []);
});

t('a retarget is proved by the whole program, not by windows', async () => {
  const p = program('r0 = 1');
  const ops = toOps(p.insns);
  const cand = Candidate.initial(Original.of(p)).with(tailMerges(ops, straight(ops))[0]);
  assert.ok(changesControl(cand));
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.ok(proof.ok, JSON.stringify(proof));
  assert.is(proof.ok && proof.how, 'Z3 equivalence');
});

t('a jump changed alone is not "proved" by zero windows', async () => {
  // the jump at 8 sent to 9 (r0 = 2) instead of 5: no straight slot changed, so there is no window
  const p = program('r0 = 1');
  const cand = Candidate.initial(Original.of(p)).with([[8, { ...RETARGET, off: 0 }]]);
  assert.equal(changedWindows(cand), []);
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.not.ok(proof.ok, 'r0 is 2 instead of 1 when the packet is longer than 99 bytes');
  assert.is(proof.ok ? '' : proof.stage, 'z3');
});

t('a wrong retarget (the target sequence sets another r0) is refused by Z3 with a counterexample', async () => {
  const p = program('r0 = 3');
  const cand = Candidate.initial(Original.of(p)).with([[7, null], [8, RETARGET]]);
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.not.ok(proof.ok);
  assert.is(proof.ok ? '' : proof.stage, 'z3');
  assert.ok(!proof.ok && proof.counterexample, 'the input that tells them apart');
});

t('the interpreter runs a jump retargeted in place as the materialized program', () => {
  const p = program('r0 = 1');
  const cand = Candidate.initial(Original.of(p)).with([[7, null], [8, RETARGET]]);
  const patched = prepare(p);
  assert.ok(patched.patch(7, null));
  assert.ok(patched.patch(8, RETARGET));
  const fresh = prepare({ ...p, insns: materialize(cand).insns });
  for (const [len, r0] of [[14, 2n], [60, 1n], [120, 1n]] as const) {
    const input = { packet: new Uint8Array(len) };
    const x = patched.run(input), y = fresh.run(input);
    assert.ok(x.kind === 'exit' && y.kind === 'exit');
    assert.is(x.kind === 'exit' && x.r0, r0, `${len} bytes, patched`);
    assert.is(y.kind === 'exit' && y.r0, r0, `${len} bytes, materialized`);
  }
  // a target outside the program is not patched (it needs a full decode)
  assert.not.ok(patched.patch(8, { ...RETARGET, off: 100 }));
});

t.run();
