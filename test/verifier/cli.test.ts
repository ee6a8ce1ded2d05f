// `bpfsynth check` (src/cli/cmd-check.ts): verdict line, exit status, --json and --states.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from '../cli/run-main.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('verifier/cli');
const corpus = new URL('../../corpus/', import.meta.url).pathname;

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const r = await runMain(['check', ...argv]);
  return { code: r.code, out: r.out.replace(/\n$/, '') };
}

t('a corpus object is safe: exit 0', async () => {
  const r = await run([join(corpus, 'xdp_pktcntr.o')]);
  assert.is(r.code, 0);
  assert.match(r.out, /xdp_pktcntr\.o: safe \(processed 21 insns/);
});

t('an unsafe program: exit 1 and FILE: insn N: message', async () => {
  const dir = tempDir('bpfsynth-check-');
  const f = join(dir, 'bad.s');
  writeFileSync(f, 'r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit\n');
  const r = await run([f]);
  assert.is(r.code, 1);
  assert.is(r.out, `${f}: insn 1: invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0); R2 offset is outside of the packet`);
});

t('--json carries the verdict and counts', async () => {
  const r = await run([join(corpus, 'xdp1.o'), '--json']);
  const j = JSON.parse(r.out);
  assert.equal([j.safe, j.processed, j.type], [true, 140, 'xdp']);
});

t('--states prints the log-level-2-like listing', async () => {
  const r = await run([join(corpus, 'xdp_pktcntr.o'), '--states']);
  assert.match(r.out, /^0: R1=ctx\(\) R10=fp0$/m);
  assert.match(r.out, /^7: \(85\) call bpf_map_lookup_elem#1 +; R0=map_value\(map=ctl_array,ks=4,vs=4\)$/m);
  assert.match(r.out, /^from 10 to 20: safe$/m);
  assert.match(r.out, /^processed 21 insns \(limit 1000000\) max_states_per_insn 0 total_states 2 peak_states 2 mark_read 0$/m);
});

t.run();
