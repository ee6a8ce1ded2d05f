// The sign extension folded into the copy after an lddw (src/search/idiom-ext-copy.ts, issue 20:
// xdp_router_ipv4's `r6 = (s32)r6; r1 = tx_port ll; r2 = r6`): proposed from the shift pair and
// from a movsx, proved by Z3 when the extended register is dead after the copy, refused when it
// is still read; not proposed when the lddw writes the register or the copy reads another one.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { bareProgram, type MapDef, type Program } from '../../src/isa/program.ts';
import { extendThenCopy } from '../../src/search/idiom-ext-copy.ts';
import { materialize } from '../../src/search/materialize.ts';
import { proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import type { Slot } from '../../src/search/proposals.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/idiom-ext-copy');
const equiv = new EquivService();
t.after(() => equiv.close());

const DEVMAP: MapDef = { name: 'tx_port', type: 14, keySize: 4, valueSize: 4, maxEntries: 8, flags: 0 };

/** ifindex into r6, `ext` on r6 at slot 1, then `r1 = tx_port ll`, `copy`, `r3 = 0`, redirect_map. */
function program(ext: string, copy: string, after = ''): Program {
  const a = assemble(`r6 = *(u32 *)(r1 + 12)
${ext}
r1 = 0x0 ll
${copy}
r3 = 0
call 51
${after}
exit`);
  const insns = a.insns.map((x) => (x.code === 0x18 ? { ...x, src: 1, imm: 0 } : x));
  return { ...bareProgram(insns, 'xdp'), maps: [DEVMAP] };
}
const mutable = (ops: readonly Slot[]): Set<number> => new Set(ops.flatMap((o, i) => (o && o.kind !== 'lddw' && o.kind !== 'call' && o.kind !== 'exit' ? [i] : [])));

t('from the shift pair and from a movsx: extension deleted, the copy extends; proved', async () => {
  for (const ext of ['r6 <<= 32\nr6 s>>= 32', 'r6 = (s32)r6']) {
    const p = program(ext, 'r2 = r6');
    const ops = toOps(p.insns);
    const change = extendThenCopy(ops, mutable(ops), 1);
    assert.ok(change, ext);
    const n = ext.includes('<<') ? 2 : 1;
    assert.equal(change!.slice(0, n).map(([at, s]) => [at, s]), Array.from({ length: n }, (_, i) => [1 + i, null]));
    assert.equal(change![n][1], { kind: 'alu', op: 'movsx', width: 64, dst: 2, src: { reg: 6 }, ext: 32 });
    const cand = Candidate.initial(Original.of(p)).with(change!);
    const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
    assert.ok(proof.ok, JSON.stringify(proof));
  }
});

t('refused by Z3 when the extended register is read after the copy', async () => {
  const p = program('r6 = (s32)r6', 'r2 = r6', 'r0 = r6');
  const ops = toOps(p.insns);
  const change = extendThenCopy(ops, mutable(ops), 1);
  assert.ok(change, 'proposed: liveness is the proof\'s to judge');
  const cand = Candidate.initial(Original.of(p)).with(change!);
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.not.ok(proof.ok, 'r0 = r6 reads the unextended value');
  assert.is(proof.ok ? '' : proof.stage, 'z3');
});

t('not proposed when the lddw writes the register or the copy reads another one', () => {
  for (const [ext, copy] of [['r1 = (s32)r1', 'r2 = r1'], ['r6 = (s32)r6', 'r2 = r7'], ['r6 = (s16)r7', 'r2 = r6']]) {
    const p = program(ext, copy);
    const ops = toOps(p.insns);
    assert.is(extendThenCopy(ops, mutable(ops), 1), null, `${ext}; ${copy}`);
  }
});

t.run();
