// Rewritten objects still load in the running kernel through libbpf (bpftool), BTF.ext and all.
// Runs bpftool in a private mount namespace with its own bpffs, so nothing is left pinned.
import { suite } from 'uvu';
import { libbpfLoadUnavailable } from './libbpf-load.ts';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { writeElf } from '../../src/isa/elf-write.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('isa/elf-load');


const reason = libbpfLoadUnavailable();
if (reason) {
  console.log(`skip: isa/elf-load: ${reason}`);
} else {
  t('every corpus object, rewritten (DWARF dropped, BTF.ext rebuilt), loads with bpftool', () => {
    const dir = tempDir('bpfsynth-rw-');
    const files: string[] = [];
    for (const f of readdirSync('corpus').filter((x) => x.endsWith('.o'))) {
      const obj = readObject(new Uint8Array(readFileSync(`corpus/${f}`)));
      const edits = [...obj.code].map(([section, { insns }]) => ({ section, insns, oldToNew: Int32Array.from(insns, (_, i) => i) }));
      writeFileSync(join(dir, f), writeElf(obj.file, edits));
      files.push(f);
    }
    const script = `mount -t bpf bpf /sys/fs/bpf || exit 99
for f in ${files.join(' ')}; do bpftool prog loadall ${dir}/$f /sys/fs/bpf/\${f%.o} >/dev/null 2>&1 && echo "ok $f" || echo "fail $f"; done`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l.startsWith('fail')), []);
    assert.is(lines.length, files.length);
  });
}

t.run();
