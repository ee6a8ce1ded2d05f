// CO-RE from the command line: `run` and `check` relocate an object for --btf FILE before the
// interpreter and the verifier model see it; a reached poisoned relocation is the kernel's
// "invalid func unknown#195896080"; a bad --btf is one line naming it, exit 1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { join } from 'node:path';
import { BtfBuilder } from '../isa/btf-build.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('cli/core');
const dir = tempDir('bpfsynth-core-cli-');

function cli(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A target where XDP_TX is 7, sizeof(struct ethhdr) 20, daddr at 20, and xdp_md has no rx_queue_index. */
function target(withTx: boolean): string {
  const b = new BtfBuilder();
  const u = b.int('unsigned int', 4);
  b.struct('xdp_md', 24, [['data', u, 0], ['data_end', u, 32]]);
  b.enumeration('xdp_action', withTx ? [['XDP_PASS', 2], ['XDP_TX', 7]] : [['XDP_PASS', 2]]);
  b.struct('ethhdr', 20, [['h_proto', u, 0]]);
  b.struct('iphdr', 24, [['daddr', u, 160]]);
  const f = join(dir, withTx ? 'tx.btf' : 'notx.btf');
  writeFileSync(f, b.bytes());
  return f;
}

t('run: the interpreter runs the code relocated for --btf', () => {
  const r = cli(['run', 'corpus/core_task.o', '--section', 'core_xdp', '--btf', target(true), '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { r0: string; packet: string };
  assert.is(BigInt(j.r0), 7n, 'XDP_TX of the target');
  assert.is(j.packet.slice(0, 8), '07141400', 'XDP_TX, sizeof(ethhdr), offsetof(iphdr, daddr), no rx_queue_index');
});

t('check: a reached poisoned relocation is refused as the kernel words it', () => {
  const r = cli(['check', 'corpus/core_task.o', '--section', 'core_xdp', '--btf', target(false)]);
  assert.is(r.code, 1);
  assert.match(r.out + r.err, /insn 6: invalid func unknown#195896080/);
});

t('a --btf that is not BTF: one line naming it, exit 1', () => {
  const r = cli(['check', 'corpus/core_task.o', '--section', 'core_xdp', '--btf', 'README.md']);
  assert.is(r.code, 1);
  assert.match(r.err, /^bpfsynth: corpus\/core_task\.o: target BTF README\.md: .*\n$/);
});

t('a core_relo record of an unknown kind: one line naming the program, relocation and instruction, exit 1', () => {
  const bytes = new Uint8Array(readFileSync('corpus/core_task.o'));
  const ext = readObject(bytes).file.sections.find((s) => s.name === '.BTF.ext')!;
  const dv = new DataView(bytes.buffer, ext.offset);
  // header, then core_relo: rec_size, then per section: name, count, records (insn_off, type_id, access, kind)
  const core = dv.getUint32(4, true) + dv.getUint32(24, true);
  let p = core + 4;
  while (readObject(bytes).btf!.str(dv.getUint32(p, true)) !== 'xdp') p += 8 + dv.getUint32(p + 4, true) * 16;
  dv.setUint32(p + 8 + 12, 99, true); // the kind of core_xdp's first relocation
  const f = join(dir, 'badkind.o');
  writeFileSync(f, bytes);
  const r = cli(['run', f, '--section', 'core_xdp', '--btf', target(true)]);
  assert.is(r.code, 1);
  assert.match(r.err, /^bpfsynth: .*badkind\.o: program core_xdp: CO-RE relocation #0 \(kind 99 .*\) at insn 1: unknown relocation kind 99\n$/);
});

t.run();
