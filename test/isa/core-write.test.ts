// The writer carries CO-RE relocations: deleting slots moves each core_relo record with its
// instruction (and drops the record of a deleted one), .rel.BTF.ext keeps one relocation per
// record, and the written object relocates to the same values.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { writeElf } from '../../src/isa/elf-write.ts';
import { deleteSlots } from '../../src/isa/edit.ts';
import { objectCoreRelos, applyCore, programCoreRelos } from '../../src/isa/core.ts';
import { parseBtf } from '../../src/isa/btf.ts';
import { BtfBuilder } from './btf-build.ts';

const t = suite('isa/core-write');
const obj = readObject(new Uint8Array(readFileSync('corpus/core_task.o')));

function smallTarget(): ReturnType<typeof parseBtf> {
  const b = new BtfBuilder();
  const u = b.int('unsigned int', 4);
  b.struct('xdp_md', 24, [['data', u, 64], ['data_end', u, 128], ['rx_queue_index', u, 160]]);
  b.enumeration('xdp_action', [['XDP_TX', 7]]);
  b.struct('ethhdr', 20, [['h_proto', u, 0]]);
  b.struct('iphdr', 24, [['daddr', u, 160]]);
  return parseBtf(b.bytes());
}

t('deleting slots moves core_relo records with their instructions, and drops a deleted one', () => {
  const { insns } = obj.code.get('xdp')!;
  // slot 3 (r3 = r1) carries nothing; slot 9 (r2 = sizeof(struct ethhdr)) carries a relocation
  const d = deleteSlots(insns, new Set([3, 9]));
  const again = readObject(writeElf(obj.file, [{ section: 'xdp', ...d }]));
  const before = objectCoreRelos(obj).get('xdp')!;
  const after = objectCoreRelos(again).get('xdp')!;
  const expected = before.filter((r) => d.oldToNew[r.insnOff / 8] >= 0).map((r) => ({ ...r, insnOff: d.oldToNew[r.insnOff / 8] * 8 }));
  assert.is(expected.length, before.length - 1);
  assert.equal(after, expected);
  // the other section's records are untouched
  assert.equal(objectCoreRelos(again).get('tracepoint/syscalls/sys_enter_getpid'), objectCoreRelos(obj).get('tracepoint/syscalls/sys_enter_getpid'));
  // one .rel.BTF.ext relocation per func_info, line_info and core_relo record, as clang writes
  const count = (o: typeof obj): number => [o.btfExt!.funcInfo, o.btfExt!.lineInfo, o.btfExt!.coreRelo]
    .reduce((n, i) => n + [...i.bySection.values()].reduce((m, r) => m + r.length, 0), 0);
  const relExt = (o: typeof obj): number => o.file.relocs.get(o.file.sections.find((s) => s.name === '.BTF.ext')!.index)!.length;
  assert.is(relExt(obj), count(obj));
  assert.is(relExt(again), count(again));
});

t('the written object relocates to the same values at the moved slots', () => {
  const { insns } = obj.code.get('xdp')!;
  const d = deleteSlots(insns, new Set([3]));
  const again = readObject(writeElf(obj.file, [{ section: 'xdp', ...d }]));
  const target = smallTarget();
  const reloc = (o: typeof obj) => {
    const p = o.link('core_xdp');
    return applyCore(p, programCoreRelos(o, p), o.btf!, target, 'small');
  };
  const a = reloc(obj), b = reloc(again);
  assert.is(b.core!.outcomes.length, a.core!.outcomes.length);
  for (const o of a.core!.outcomes) assert.equal(b.insns[d.oldToNew[o.relo.pc]], a.insns[o.relo.pc], `slot ${o.relo.pc}`);
  assert.is(b.insns[2].off, 8, 'data moved to byte 8');
});

t.run();
