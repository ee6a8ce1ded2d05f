// The inlined program written into its object: it links back to exactly the inlined program,
// the entry's .BTF.ext records (func_info, line_info) lie inside its new code, a copied callee's
// map reference carries a relocation of its own, and, as root, libbpf (bpftool) loads it with
// its BTF (skipped with the reason otherwise).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { sameInsn } from '../../src/isa/insn.ts';
import { inlineCalls } from '../../src/search/inline-calls.ts';
import { crossingRef, writeInlined } from '../../src/search/inline-write.ts';
import type { BpfObject } from '../../src/isa/object.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/inline-write');
const tmp = tempDir('bpfsynth-inline-write-');
const BPFTOOL = ['/usr/sbin/bpftool', '/usr/bin/bpftool'].find((p) => existsSync(p));
const bpffs = spawnSync('stat', ['-f', '-c', '%T', '/sys/fs/bpf'], { encoding: 'utf8' }).stdout?.trim() === 'bpf_fs';
const noLoad = !BPFTOOL ? 'no bpftool' : process.getuid?.() !== 0 ? 'not root' : !bpffs ? 'no bpffs at /sys/fs/bpf' : undefined;

for (const name of ['xdp_subprogs', 'xdp_subprog', 'xdp_global_func']) {
  t(`${name}: written, read back, linked: the inlined program, BTF records inside the code`, () => {
    const obj = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`)));
    const p = obj.link(name);
    const r = inlineCalls(p);
    const bytes = writeInlined(obj, p, r);
    const back = readObject(bytes);
    const q = back.link(name);
    assert.is(q.funcs.length, 1);
    assert.is(q.insns.length, r.program.insns.length);
    assert.ok(q.insns.every((x, i) => sameInsn(x, r.program.insns[i])));
    const sec = back.funcs.find((f) => f.name === name)!.section;
    const slots = back.code.get(sec)!.insns.length;
    assert.is(slots, q.insns.length);
    const fi = back.btfExt!.funcInfo.bySection.get(sec)!;
    assert.equal(fi.map((x) => x.insnOff), [0]);
    const li = back.btfExt!.lineInfo.bySection.get(sec)!;
    assert.is(li[0].insnOff, 0);
    li.forEach((x, i) => {
      assert.ok(x.insnOff < slots * 8);
      if (i) assert.ok(x.insnOff > li[i - 1].insnOff);
    });
    // every map reference of the program is relocated in the entry's section now
    const maps = q.insns.filter((x) => x.code === 0x18 && x.src === 5).length;
    const relocs = [...Array(slots).keys()].filter((i) => back.relocSymAt(sec, i)).length;
    assert.is(relocs, maps);
    if (noLoad || !BPFTOOL) {
      console.log(`  (libbpf load not run: ${noLoad})`);
      return;
    }
    const file = join(tmp, `${name}.o`);
    writeFileSync(file, bytes);
    const pin = `/sys/fs/bpf/bpfsynth_inline_${process.pid}_${name}`;
    const l = spawnSync(BPFTOOL, ['prog', 'load', file, pin], { encoding: 'utf8' });
    spawnSync('rm', ['-f', pin]);
    assert.is(l.status, 0, l.stderr);
  });
}

// an entry that shares its section with other programs: they move by the entry's change in
// length and must link to exactly what they did; their BTF records stay inside their code
const SHARED: [string, string][] = [
  ['corpus/realworld/objects/xdp-tools/xdp-dispatcher.o', 'xdp_dispatcher'],
  ['corpus/selftests/obj/verifier_regalloc.bpf.o', 'regalloc_in_callee'],
  ['corpus/selftests/obj/iters.bpf.o', 'iter_subprog_iters'],
];
for (const [file, name] of SHARED) {
  t(`${name} (${file.split('/').pop()}): written into a shared section, the other programs unchanged`, () => {
    const obj = readObject(new Uint8Array(readFileSync(file)));
    const entry = obj.programs.find((f) => f.name === name)!;
    const mates = obj.programs.filter((f) => f.section === entry.section && f.name !== name);
    assert.ok(mates.length > 0, 'the section has other programs');
    const p = obj.link(name);
    const r = inlineCalls(p);
    assert.ok(r.inlined.length > 0);
    const back = readObject(writeInlined(obj, p, r));
    const q = back.link(name);
    assert.ok(q.insns.length === r.program.insns.length && q.insns.every((x, i) => sameInsn(x, r.program.insns[i])));
    const shift = (r.program.funcs[1]?.start ?? r.program.insns.length) - (p.funcs[1]?.start ?? p.insns.length);
    for (const m of mates) {
      const before = obj.link(m.name).insns, after = back.link(m.name).insns;
      assert.ok(before.length === after.length && before.every((x, i) => sameInsn(x, after[i])), m.name);
      const moved = back.funcs.find((f) => f.name === m.name)!;
      assert.is(moved.start, m.start > entry.start ? m.start + shift : m.start, `${m.name} start`);
    }
    const sec = entry.section;
    const slots = back.code.get(sec)!.insns.length;
    assert.is(slots, obj.code.get(sec)!.insns.length + shift);
    const fi = back.btfExt?.funcInfo.bySection.get(sec) ?? [];
    assert.equal(fi.map((x) => x.insnOff / 8), [...back.funcs.filter((f) => f.section === sec)].map((f) => f.start).sort((a, b) => a - b));
  });
}

t('a call or function address resolved by its offset alone may not reach across the entry', () => {
  const call = (imm: number): Insn => ({ code: 0x85, dst: 0, src: 1, off: 0, imm });
  const exit: Insn = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
  const none = { relocSymAt: () => undefined } as unknown as BpfObject;
  const reloc = { relocSymAt: () => ({ name: 'f' }) } as unknown as BpfObject;
  // slots 2..3 are the entry; slot 0 calls slot 5 (across), slot 4 calls slot 0 (back across)
  const raw = [call(4), exit, exit, exit, call(-5), exit];
  assert.is(crossingRef(none, 's', raw, 2, 4), 0);
  assert.is(crossingRef(none, 's', [exit, exit, exit, exit, call(-5), exit], 2, 4), 4);
  assert.is(crossingRef(none, 's', [call(0), exit, exit, exit, call(0), exit], 2, 4), undefined);
  assert.is(crossingRef(reloc, 's', raw, 2, 4), undefined, 'relocated: resolved by symbol');
  // into the entry from after it
  assert.is(crossingRef(none, 's', [exit, exit, exit, exit, exit, call(-4)], 2, 4), 5);
});

t.run();
