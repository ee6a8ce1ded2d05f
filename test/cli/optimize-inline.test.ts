// optimize starts from the program with its bpf-to-bpf calls inlined: end to end on
// xdp_subprogs (two static callees in .text, each called once). The written object has one
// function, is proved equivalent to the input with its calls, and, as root, loads in the kernel
// (without root the kernel checks are reported as not run and this test says so).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from './run-main.ts';
import { tempDir } from '../temp-dir.ts';
import { readObject } from '../../src/isa/object.ts';
import { programEquiv } from '../../src/smt/equiv.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { loadProgram } from '../../src/kernel/load.ts';

const t = suite('cli/optimize-inline');
const tmp = tempDir('bpfsynth-inline-');
const IN = 'corpus/xdp_subprogs.o';
const link = (path: string) => readObject(new Uint8Array(readFileSync(path))).link('xdp_subprogs');
const common = ['--chains', '1', '--iterations', '20', '--measure-top', '0', '--json', '--objective', 'latency'];

t('optimize inlines both callees, and the output is proved against the input', async () => {
  const out = join(tmp, 'inl.o');
  const r = await runMain(['optimize', IN, '-o', out, ...common]);
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.is(s.inlining.taken, true, s.inlining.note);
  assert.equal(s.inlining.inlined, ['eth_proto', 'verdict']);
  assert.ok(s.insnsAfter < s.insnsBefore, `${s.insnsBefore} -> ${s.insnsAfter}`);
  const checks = new Map<string, { ran: boolean; ok?: boolean }>(s.inlining.checks.map((c: { check: string }) => [c.check, c]));
  assert.is(checks.get('Z3 equivalence')?.ok, true);
  assert.is(checks.get('verifier model')?.ok, true);
  const original = link(IN), written = link(out);
  assert.is(written.funcs.length, 1);
  // the written object against the input with its calls: the two proofs compose, this checks it directly
  const e = await programEquiv(original, written, { cache: null });
  assert.is(e.equal, true, JSON.stringify(e));
  const k = kernelAvailable();
  if (!k.ok) {
    console.log(`  (kernel checks not run: ${k.reason})`);
    assert.is(checks.get('kernel verifier')?.ran, false);
    return;
  }
  assert.is(checks.get('kernel verifier')?.ok, true);
  assert.is(checks.get('kernel test_run')?.ok, true);
  const l = loadProgram(written);
  l.close();
  assert.ok(l.ok, l.ok ? '' : l.error);
});

t('with two chains (workers), the inlined start searches and is written', async () => {
  // the inlining's proof starts the Z3 service; the workers must not be handed it (it held a
  // child process that cannot be cloned, and optimize failed with DataCloneError)
  const out = join(tmp, 'inl2.o');
  const r = await runMain(['optimize', IN, '-o', out, ...common.map((a) => (a === '1' ? '2' : a))]);
  assert.is(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.is(s.inlining.taken, true, s.inlining.note);
  assert.is(link(out).funcs.length, 1);
});

t.run();
