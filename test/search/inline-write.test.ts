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
import { writeInlined } from '../../src/search/inline-write.ts';
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

t.run();
