// Writing objects back: identity, a rewrite that moves nothing, and deletions that move
// relocations, symbols and BTF.ext records with their instructions.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { writeElf } from '../../src/isa/elf-write.ts';
import { deleteSlots } from '../../src/isa/edit.ts';
import { toOp } from '../../src/isa/op.ts';
import { insn } from '../../src/isa/insn.ts';

const t = suite('isa/elf-write');
const names = readdirSync('corpus').filter((f) => f.endsWith('.o')).sort();
const load = (f: string): Uint8Array => new Uint8Array(readFileSync(`corpus/${f}`));

t('no edits: the same bytes', () => {
  for (const f of names) {
    const b = load(f);
    assert.equal(writeElf(readObject(b).file), b, f);
  }
});

t('a rewrite that deletes nothing links to the same programs', () => {
  for (const f of names) {
    const obj = readObject(load(f));
    const edits = [...obj.code].map(([section, { insns }]) => ({ section, insns, oldToNew: Int32Array.from(insns, (_, i) => i) }));
    const again = readObject(writeElf(obj.file, edits));
    for (const p of obj.programs) assert.equal(again.link(p.name).insns, obj.link(p.name).insns, `${f} ${p.name}`);
    assert.not.ok(again.file.sections.some((s) => s.name.startsWith('.debug_')), 'DWARF dropped');
    assert.equal(again.maps, obj.maps);
  }
});

t('deleteSlots keeps jump targets', () => {
  // 0: r0 = 0; 1: if r1 == 0 goto +2 (→4); 2: r0 = 1; 3: r0 += 1; 4: exit
  const prog = [insn(0xb7, 0, 0, 0, 0), insn(0x15, 1, 0, 2, 0), insn(0xb7, 0, 0, 0, 1), insn(0x07, 0, 0, 0, 1), insn(0x95)];
  const { insns, oldToNew } = deleteSlots(prog, new Set([2]));
  assert.equal([...oldToNew], [0, 1, -1, 2, 3]);
  assert.equal(toOp(insns, 1), { kind: 'jcond', op: 'jeq', width: 64, dst: 1, src: { imm: 0 }, off: 1 });
  // deleting a jump's target retargets it to the next surviving slot
  const b = deleteSlots(prog, new Set([3]));
  assert.is(b.insns[1].off, 1);
});

t('deleting in a program section moves relocations, symbols and line info', () => {
  const obj = readObject(load('xdp_pktcntr.o'));
  const { insns } = obj.code.get('xdp')!;
  // delete slot 3 (r2 = r10 before the first lookup) — only the bookkeeping is checked here
  const d = deleteSlots(insns, new Set([3]));
  const again = readObject(writeElf(obj.file, [{ section: 'xdp', ...d }]));
  const before = obj.code.get('xdp')!.insns;
  const after = again.code.get('xdp')!.insns;
  assert.is(after.length, before.length - 1);
  for (let i = 0; i < before.length; i++) {
    const name = obj.relocAt('xdp', i);
    if (name) assert.is(again.relocAt('xdp', d.oldToNew[i]), name, `reloc of slot ${i}`);
  }
  assert.is(again.funcs.find((f) => f.name === 'xdp_pktcntr')!.length, before.length - 1);
  const lines = again.btfExt!.lineInfo.bySection.get('xdp')!.map((r) => r.insnOff);
  assert.ok(lines.every((v, i) => i === 0 || v > lines[i - 1]), 'line_info strictly increasing');
  assert.ok(lines.every((v) => v / 8 < after.length));
});

t.run();
