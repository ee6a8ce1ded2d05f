// The CO-RE round trip: an edited (and an optimized) CO-RE object is written with its core_relo
// records, read back to the same relocated code, and — with root and bpftool — loaded by libbpf,
// which patches the carried relocations exactly as in the input, and runs with the input's
// results (bpftool prog run: return value and packet) on several packets.
import { suite } from 'uvu';
import { libbpfLoadUnavailable } from '../isa/libbpf-load.ts';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { relocateForTarget, VMLINUX_BTF } from '../../src/isa/core.ts';
import { toOps } from '../../src/isa/op.ts';
import { writeOptimized } from '../../src/search/output.ts';
import { Candidate, Original } from '../../src/search/candidate.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/core-roundtrip');
const dir = tempDir('bpfsynth-core-');
const input = 'corpus/core_task.o';
const obj = readObject(new Uint8Array(readFileSync(input)));

const noLoad = libbpfLoadUnavailable();
const noBtf = spawnSync('test', ['-r', VMLINUX_BTF]).status === 0 ? undefined : `${VMLINUX_BTF} not readable`;

/** libbpf's relocation lines for core_xdp and `bpftool prog run` results on each packet. */
function libbpfRun(file: string, packets: string[]): { relos: string[]; runs: string[] } {
  const runs = packets.map((p, i) => `bpftool prog run pinned /sys/fs/bpf/o/core_xdp data_in ${p} data_out ${dir}/out${i}.bin >/dev/null && echo "$(bpftool prog run pinned /sys/fs/bpf/o/core_xdp data_in ${p} 2>&1 | grep -o 'Return value: [0-9]*') $(od -An -tx1 ${dir}/out${i}.bin | tr -d ' \\n')"`);
  const script = `mount -t bpf bpf /sys/fs/bpf || exit 99
bpftool -d prog loadall ${file} /sys/fs/bpf/o 2>&1 | grep "prog 'core_xdp': relo #.*patched" || exit 98
${runs.join('\n')}`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
  assert.is(r.status, 0, `${file}: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return { relos: lines.filter((l) => l.includes('relo #')).map((l) => l.replace(/^libbpf: /, '')), runs: lines.filter((l) => l.startsWith('Return value')) };
}

const packets = [0, 1, 2].map((k) => {
  const f = join(dir, `pkt${k}.bin`);
  writeFileSync(f, Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + k * 101 + 5) & 0xff));
  return f;
});

/** The four byte stores of 0 (p[4..7]) made one 32-bit store: deletes three slots after the relocations. */
function handEdited(): Uint8Array {
  const p = obj.link('core_xdp');
  const slots = toOps(p.insns);
  const zeroStores = p.insns.flatMap((x, i) => (x.code === 0x73 && x.src === 3 ? [i] : []));
  const keep = zeroStores.find((i) => p.insns[i].off === 4)!;
  slots[keep] = { kind: 'st', size: 4, dst: 1, off: 4, imm: 0 };
  const deleted = new Set(zeroStores.filter((i) => i !== keep));
  for (const d of deleted) slots[d] = null;
  return writeOptimized(obj, Candidate.of(Original.of(p), slots, deleted));
}

if (noBtf) console.log(`skip: search/core-roundtrip relocation checks: ${noBtf}`);
else {
  t('an edited CO-RE object reads back to the same relocated code, relocations carried', () => {
    const out = readObject(handEdited());
    const before = relocateForTarget(obj, obj.link('core_xdp'));
    const after = relocateForTarget(out, out.link('core_xdp'));
    assert.is(after.insns.length, before.insns.length - 3);
    assert.is(after.core!.outcomes.length, before.core!.outcomes.length);
    for (const o of before.core!.outcomes) assert.equal(after.insns[o.relo.pc], before.insns[o.relo.pc], `relocated slot ${o.relo.pc}`);
    // the object holds the compile-time values, not this kernel's
    for (const o of after.core!.outcomes) assert.equal(after.core!.compiled[o.relo.pc], before.core!.compiled[o.relo.pc]);
  });
}

if (noLoad) console.log(`skip: search/core-roundtrip loading with libbpf: ${noLoad}`);
else {
  const reference = (): { relos: string[]; runs: string[] } => libbpfRun(join(process.cwd(), input), packets);

  t('libbpf loads the edited object with the same relocations and the same results', () => {
    const f = join(dir, 'edited.o');
    writeFileSync(f, handEdited());
    const want = reference();
    const got = libbpfRun(f, packets);
    assert.is(want.relos.length, 6);
    assert.is(want.runs.length, packets.length);
    assert.match(want.runs[0], /^Return value: 3 [0-9a-f]{128}$/);
    assert.equal(got.relos, want.relos);
    assert.equal(got.runs, want.runs);
  });

  t('optimize: the written CO-RE object loads through libbpf with the same relocations and results', () => {
    const f = join(dir, 'optimized.o');
    const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', input, '--section', 'core_xdp', '-o', f, '--budget', '8s', '--chains', '1', '--json'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { insnsAfter: number; insnsBefore: number; validation: string };
    if (summary.insnsAfter < summary.insnsBefore) assert.match(summary.validation, /also with the CO-RE values moved/);
    const want = reference();
    const got = libbpfRun(f, packets);
    assert.equal(got.relos.map((l) => l.replace(/insn #\d+/, '')), want.relos.map((l) => l.replace(/insn #\d+/, '')));
    assert.equal(got.runs, want.runs);
  });
}

t.run();
