// A window runs through an lddw (issue 20, xdp_router_ipv4): `r6 = (s32)r6` before
// `r1 = tx_port ll` and the copy `r2 = r6` after it are one window, so folding the sign
// extension into the copy (`r2 = (s32)r6`, r6 dead after the call) is proved, while a wrong
// extension, or dropping it, is refused by Z3. A devmap lookup (no proof model) keeps the whole
// program undecided, so the windows decide.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import type { Op } from '../../src/isa/op.ts';
import { bareProgram, type MapDef, type Program } from '../../src/isa/program.ts';
import { materialize } from '../../src/search/materialize.ts';
import { changedWindows, proveEquivalent } from '../../src/search/prove.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/prove-lddw-window');
const equiv = new EquivService();
t.after(() => equiv.close());

const DEVMAP: MapDef = { name: 'tx_port', type: 14, keySize: 4, valueSize: 4, maxEntries: 8, flags: 0 };

// slots: 0-1 r6 = ifindex, 2-5 devmap lookup, 6-9 (lddw at 8) ... 12 call 51
function program(): Program {
  const a = assemble(`r6 = *(u32 *)(r1 + 12)
*(u32 *)(r10 - 4) = r6
r2 = r10
r2 += -4
r1 = 0x0 ll
call 1
r6 <<= 32
r6 s>>= 32
r1 = 0x0 ll
r2 = r6
r3 = 0
call 51
exit`);
  const insns = a.insns.map((x) => (x.code === 0x18 ? { ...x, src: 1, imm: 0 } : x));
  return { ...bareProgram(insns, 'xdp'), maps: [DEVMAP] };
}

const sext = (ext: 8 | 16 | 32): Op => ({ kind: 'alu', op: 'movsx', width: 64, dst: 2, src: { reg: 6 }, ext });
// slot numbers: the first lddw is 4-5, call 1 at 6, the shifts 7-8, the second lddw 9-10, r2 = r6 at 11
const SHL = 7, SAR = 8, COPY = 11;

t('the window runs through the lddw; the sign extension folded into the copy is proved', async () => {
  const orig = Original.of(program());
  assert.is(orig.ops[COPY]?.kind, 'alu');
  const cand = Candidate.initial(orig).with([[SHL, null], [SAR, null], [COPY, sext(32)]]);
  assert.equal(changedWindows(cand), [[SHL, COPY + 2]], 'one window from the shifts over the lddw to r3 = 0');
  const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
  assert.ok(proof.ok, JSON.stringify(proof));
  assert.match(proof.ok ? proof.how : '', /1 changed window/);
});

t('a 16-bit extension, or none, is refused by Z3', async () => {
  const orig = Original.of(program());
  for (const change of [[[SHL, null], [SAR, null], [COPY, sext(16)]], [[SHL, null], [SAR, null]]] as [number, Op | null][][]) {
    const cand = Candidate.initial(orig).with(change);
    const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
    assert.not.ok(proof.ok, 'proved a wrong extension');
    assert.is(proof.ok ? '' : proof.stage, 'z3', JSON.stringify(proof));
  }
});

t.run();
