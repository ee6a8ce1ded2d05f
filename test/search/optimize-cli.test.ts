// bpfsynth optimize end to end: a smaller object that reads back, is proved equivalent, and
// loads; without a kernel the verifier model and Z3 stand in (BPFSYNTH_NO_KERNEL).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/optimize-cli');
const dir = tempDir('bpfsynth-opt-');

function optimize(extraEnv: Record<string, string>, out: string): { code: number; summary: Record<string, unknown>; err: string } {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', 'corpus/xdp_swap_tx.o', '-o', out, '--budget', '6s', '--json'], { encoding: 'utf8', env: { ...process.env, ...extraEnv } });
  return { code: r.status ?? -1, summary: r.stdout ? JSON.parse(r.stdout) : {}, err: r.stderr };
}

t('without a kernel: a smaller object, checked by the verifier model and Z3', () => {
  const out = join(dir, 'nokernel.o');
  const r = optimize({ BPFSYNTH_NO_KERNEL: '1' }, out);
  assert.is(r.code, 0, r.err);
  const p = readObject(new Uint8Array(readFileSync(out))).link();
  assert.is(p.insns.length, r.summary.insnsAfter);
  assert.ok((r.summary.insnsAfter as number) <= 50);
  if ((r.summary.insnsAfter as number) < 50) assert.match(String(r.summary.validation), /Z3 equivalence.* of the written program/);
  assert.ok(verify(p).ok, 'the verifier model accepts the result');
});

const k = kernelAvailable();
if (!k.ok) console.log(`skip: search/optimize-cli with the kernel: ${k.reason}`);
else {
  t('with the kernel: the result loads and was checked by the kernel too', async () => {
    const out = join(dir, 'kernel.o');
    const r = optimize({}, out);
    assert.is(r.code, 0, r.err);
    const p = readObject(new Uint8Array(readFileSync(out))).link();
    const { loadProgram } = await import('../../src/kernel/load.ts');
    const l = loadProgram(p);
    assert.ok(l.ok, l.log);
    l.close();
    if ((r.summary.insnsAfter as number) < 50) assert.match(String(r.summary.validation), /kernel verifier \+ kernel test_run/);
  });
}

t.run();
