// Honest validation (issue 20): the validation list says what ran and what did not; no claim
// of a kernel test_run for a type that has none; an input the kernel (or, without it, the
// verifier model) rejects is an error unless --allow-unsafe-input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/validation-honesty');
const dir = tempDir('bpfsynth-honest-');
const k = kernelAvailable();

function optimize(file: string, extra: string[], env: Record<string, string> = {}) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.o`);
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', file, '-o', out, '--chains', '1', '--seed', '3', ...extra], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out, stdout: r.stdout, stderr: r.stderr };
}

/** A claim that test_run compared anything: the words "kernel test_run" not followed by a refusal. */
const claimsTestRun = (s: string): boolean => /kernel test_run(?!: not available| \(|: no input)/.test(s) && !/kernel test_run: not/.test(s);

t('claimsTestRun tells a claim from a refusal', () => {
  assert.ok(claimsTestRun('Z3 equivalence + kernel verifier + kernel test_run'));
  assert.not.ok(claimsTestRun('kernel verifier (kernel test_run: not available for kprobe)'));
});

const envs: Record<string, string>[] = k.ok ? [{}, { BPFSYNTH_NO_KERNEL: '1' }] : [{ BPFSYNTH_NO_KERNEL: '1' }];
for (const env of envs) {
  const label = 'BPFSYNTH_NO_KERNEL' in env ? 'without the kernel' : 'with the kernel';
  t(`kprobe ${label}: no test_run is claimed; the list says it did not run`, () => {
    const r = optimize('corpus/kprobe_counter.o', ['--budget', '6s', '--iterations', '400', '--json'], env);
    assert.is(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.not.ok(claimsTestRun(s.validation), s.validation);
    const tr = s.checks.filter((c: { check: string }) => c.check === 'kernel test_run');
    for (const c of tr) {
      assert.is(c.ran, false, JSON.stringify(c));
      assert.match(c.detail, 'BPFSYNTH_NO_KERNEL' in env ? /disabled|kernel/ : /not available for kprobe/);
    }
    if (s.insnsAfter < s.insnsBefore) assert.is(tr.length, 1, 'an improvement lists the test_run check');
    const lat = s.checks.find((c: { check: string }) => c.check === 'kernel latency');
    if (lat) assert.is(lat.ran, false);
  });
}

t('an input the kernel (or the model) rejects is an error, exit 1, nothing written', () => {
  const r = optimize('test/search/fixtures/unsafe_xdp.o', ['--budget', '2s']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /rejects the input program: .*--allow-unsafe-input/);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.not.ok(existsSync(r.out));
  const m = optimize('test/search/fixtures/unsafe_xdp.o', ['--budget', '2s'], { BPFSYNTH_NO_KERNEL: '1' });
  assert.is(m.code, 1);
  assert.match(m.stderr, /the verifier model rejects the input program/);
});

t('--allow-unsafe-input goes ahead and lists the rejection', () => {
  const r = optimize('test/search/fixtures/unsafe_xdp.o', ['--budget', '2s', '--iterations', '300', '--allow-unsafe-input', '--json']);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.ok(s.checks.some((c: { ok?: boolean; detail: string }) => c.ok === false && /rejects the input/.test(c.detail)));
});

t.run();
