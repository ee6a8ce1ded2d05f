// The optimizer and CO-RE: relocated slots are pinned, and a candidate that bakes a relocated
// value into another instruction is equivalent on this target but is refused, because it is
// not equivalent once the relocations take other values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { parseBtf } from '../../src/isa/btf.ts';
import { applyCore, coreSlots, programCoreRelos } from '../../src/isa/core.ts';
import { insn } from '../../src/isa/insn.ts';
import { toOps } from '../../src/isa/op.ts';
import { perturbCore, proveCoreIndependent } from '../../src/search/core-check.ts';
import { proveEquivalent } from '../../src/search/prove.ts';
import { BtfBuilder } from '../isa/btf-build.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { EquivService } from '../../src/smt/isolated.ts';

const t = suite('search/core-check');
/** This file's Z3 process, closed when the suite ends. */
const equiv = new EquivService();
t.after(() => equiv.close());
const obj = readObject(new Uint8Array(readFileSync('corpus/core_task.o')));

function relocated() {
  const b = new BtfBuilder();
  const u = b.int('unsigned int', 4);
  b.struct('xdp_md', 24, [['data', u, 0], ['data_end', u, 32], ['rx_queue_index', u, 64]]);
  b.enumeration('xdp_action', [['XDP_TX', 3]]);
  b.struct('ethhdr', 14, [['h_proto', u, 0]]);
  b.struct('iphdr', 20, [['daddr', u, 128]]);
  const p = obj.link('core_xdp');
  return applyCore(p, programCoreRelos(obj, p), obj.btf!, parseBtf(b.bytes()), 'small');
}

t('pinned slots: every relocated instruction, both halves of an lddw', () => {
  assert.equal(coreSlots(relocated()), [1, 2, 6, 7, 9, 11, 13]);
});

t('moved values: every byte of an offset or size changes, booleans flip, memory offsets stay', () => {
  const p = relocated();
  const moved = perturbCore(p);
  assert.is(moved[1].off, p.insns[1].off, 'LDX offset kept');
  assert.is(moved[9].imm, 14 ^ 0x5a5a5a58, 'sizeof(struct ethhdr)');
  assert.is(moved[13].imm, 0, 'field exists: 1 -> 0');
  assert.is(moved[6].imm, 3 ^ 0x5a5a5a58, 'enum value, low word');
  assert.is(moved[7].imm, 0x5a5a5a58, 'enum value, high word');
});

t('a candidate that stores sizeof(struct ethhdr) as a constant is refused', async () => {
  const p = relocated();
  // slot 10: *(u8 *)(r1 +1) = w2, where r2 = sizeof(struct ethhdr) from slot 9; bake it
  const insns = p.insns.map((x, i) => (i === 10 ? insn(0x72, 1, 0, 1, 14) : x));
  const cand = Candidate.of(Original.of(p), toOps(insns));
  const here = await proveEquivalent(equiv, cand, insns, 60_000);
  assert.ok(here.ok, 'equivalent with this target\'s values');
  const moved = await proveCoreIndependent(equiv, cand, 60_000);
  assert.ok(moved && !moved.ok, 'refused with the values moved');
  assert.match(moved!.ok ? '' : moved!.reason, /CO-RE values moved/);
});

t('a candidate that leaves relocated values alone passes', async () => {
  const p = relocated();
  // the four byte stores of 0 from r3 (p[4..7]) become one 32-bit store of 0
  const insns = [...p.insns];
  const zeroStores = insns.flatMap((x, i) => (x.code === 0x73 && x.src === 3 ? [i] : []));
  assert.is(zeroStores.length, 4);
  const slots = toOps(insns);
  const lowest = zeroStores.find((i) => insns[i].off === 4)!;
  slots[lowest] = { kind: 'st', size: 4, dst: 1, off: 4, imm: 0 };
  const deleted = new Set(zeroStores.filter((i) => i !== lowest));
  for (const d of deleted) slots[d] = null;
  const moved = await proveCoreIndependent(equiv, Candidate.of(Original.of(p), slots, deleted), 60_000);
  assert.ok(moved?.ok, moved && !moved.ok ? moved.reason : '');
});

t('a program without CO-RE needs no second proof', async () => {
  const p = readObject(new Uint8Array(readFileSync('corpus/xdp_pktcntr.o'))).link();
  assert.is(await proveCoreIndependent(equiv, Candidate.initial(Original.of(p)), 1000), undefined);
});

t.run();
