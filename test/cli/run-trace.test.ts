// `bpfsynth run --trace`: one line per executed instruction with the registers it changed, the
// same result as an untraced run, a bounded trace, and the JSON form.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from './run-main.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('cli/run-trace');
const dir = tempDir('bpfsynth-trace-');

/** main() with console output captured; lines joined without a trailing newline. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMain(args);
  return { code: r.code, out: r.out.replace(/\n$/, ''), err: r.err.replace(/\n$/, '') };
}

const PKTCNTR = 'corpus/xdp_pktcntr.o';

t('--trace: a line per instruction, kernel syntax, changed registers; same result', async () => {
  const plain = await cli('run', PKTCNTR, '--map', 'ctl_array=00000000:01000000');
  const traced = await cli('run', PKTCNTR, '--map', 'ctl_array=00000000:01000000', '--trace');
  assert.is(traced.code, 0);
  const lines = traced.out.split('\n');
  const steps = lines.filter((l) => /^\s+\d+: /.test(l));
  assert.match(steps[0], /^\s+0: r1 = 0\s+; r1=0x0$/);
  assert.ok(steps.some((l) => /call bpf_map_lookup_elem#1\s+; r0=map_value\(ctl_array\)$/.test(l)), steps.join('\n'));
  assert.ok(steps.some((l) => /r2 = r10\s+; r2=fp0$/.test(l)));
  // the report after the trace is the untraced report
  assert.is(lines.slice(steps.length).join('\n'), plain.out);
  const insns = /\[(\d+) insns\]/.exec(plain.out)![1];
  assert.is(steps.length, Number(insns));
});

t('--trace --json: an array of steps; --trace-limit bounds it and says so', async () => {
  const full = JSON.parse((await cli('run', PKTCNTR, '--trace', '--json')).out);
  assert.ok(Array.isArray(full.trace) && full.trace.length === full.insns);
  assert.equal(full.trace[0], { pc: 0, insn: 'r1 = 0', regs: { r1: '0x0' } });
  assert.is(full.traceTruncated, undefined);
  const part = JSON.parse((await cli('run', PKTCNTR, '--trace', '--trace-limit', '3', '--json')).out);
  assert.is(part.trace.length, 3);
  assert.is(part.traceTruncated, true);
  assert.is(part.r0, full.r0);
  assert.is(part.insns, full.insns);
  const text = await cli('run', PKTCNTR, '--trace', '--trace-limit', '2');
  assert.match(text.out, new RegExp(`\\.\\.\\. trace truncated after 2 steps of ${full.insns} \\(--trace-limit 2\\)`));
});

t('--trace on a faulting program prints the steps up to the faulting one, then the fault; usage errors', async () => {
  const src = join(dir, 'oob.s');
  writeFileSync(src, 'r2 = 7\nr0 = *(u64 *)(r10 +8)\nexit\n');
  const r = await cli('run', src, '--trace');
  assert.is(r.code, 1);
  assert.match(r.out, /^\s+0: r2 = 7\s+; r2=0x7$/m);
  assert.match(r.err, /insn 1: oob/);
  const j = JSON.parse((await cli('run', src, '--trace', '--json')).out);
  assert.match(j.fault, /insn 1: oob/);
  assert.equal(j.trace[j.trace.length - 1], { pc: 1, insn: 'r0 = *(u64 *)(r10 +8)', regs: {} }); // the faulting one is the last step
  assert.is((await cli('run', PKTCNTR, '--trace-limit', '5')).code, 2);
  assert.is((await cli('run', PKTCNTR, '--trace', '--trace-limit', 'many')).code, 2);
});

t.run();
