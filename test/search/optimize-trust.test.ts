// bpfsynth optimize as a command to trust with real work: a bad output path fails before the
// search, Ctrl-C keeps the best validated result (twice: quits without writing), and more
// chains than CPUs are capped with a warning. Runs without the kernel (BPFSYNTH_NO_KERNEL).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readObject } from '../../src/isa/object.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/optimize-trust');
const dir = tempDir('bpfsynth-trust-');
const IN = 'corpus/xdp_swap_tx.o';
const env = { ...process.env, BPFSYNTH_NO_KERNEL: '1' };

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/bpfsynth.js', 'optimize', ...args], { encoding: 'utf8', env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

t('an output directory that does not exist: one-line error, exit 1, no search', () => {
  const r = run([IN, '-o', join(dir, 'missing', 'out.o'), '--budget', '10m']);
  assert.is(r.code, 1);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /does not exist/);
  assert.not.match(r.err, /searching/);
});

t('the input as output: refused before the search, the input untouched', () => {
  const before = readFileSync(IN);
  const r = run([IN, '-o', `./${IN}`, '--budget', '10m']);
  assert.is(r.code, 1);
  assert.match(r.err, /is the input file/);
  assert.not.match(r.err, /searching/);
  assert.equal(readFileSync(IN), before);
});

t('a directory as output: refused before the search', () => {
  const r = run([IN, '-o', dir, '--budget', '10m']);
  assert.is(r.code, 1);
  assert.match(r.err, /is a directory/);
});

t('--chains above the CPU count: a warning and the chains capped', () => {
  const cpus = availableParallelism();
  const out = join(dir, 'capped.o');
  const r = run([IN, '-o', out, '--chains', String(cpus + 3), '--iterations', '200', '--measure-top', '0', '--json']);
  assert.is(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`warning: --chains ${cpus + 3} is more than the ${cpus} CPU`));
  assert.is(JSON.parse(r.out).chains, cpus);
});

/** Start a long search, send SIGINT once it runs, and again after `again` answers on stderr. */
function interrupt(out: string, chains: string, again: boolean): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['bin/bpfsynth.js', 'optimize', IN, '-o', out, '--budget', '10m', '--chains', chains, '--measure-top', '0'], { env });
    let stdout = '', stderr = '', sent = 0;
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => {
      stderr += d;
      // first Ctrl-C once the search has started; the second once the first was answered
      if (sent === 0 && /searching/.test(stderr)) sent++, c.kill('SIGINT');
      if (again && sent === 1 && /interrupted:/.test(stderr)) sent++, c.kill('SIGINT');
    });
    c.on('exit', (code, signal) => resolve({ code, signal, out: stdout, err: stderr }));
  });
}

t('Ctrl-C: the search stops, the best validated result is checked, written and summarized', async () => {
  const out = join(dir, 'interrupted.o');
  const r = await interrupt(out, '1', false);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /search interrupted by Ctrl-C/);
  assert.match(r.out, new RegExp(`wrote ${out}`));
  const p = readObject(new Uint8Array(readFileSync(out))).link();
  const after = Number(/instructions\s+\d+\s+(\d+)/.exec(r.out)![1]);
  assert.is(p.insns.length, after);
  assert.ok(verify(p).ok, 'the verifier model accepts what was written');
});

t('a second Ctrl-C quits at once without writing', async () => {
  const out = join(dir, 'quit.o');
  const r = await interrupt(out, '2', true);
  assert.is(r.signal, 'SIGINT', `exit ${r.code}: ${r.err}`);
  assert.not.ok(existsSync(out));
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('.quit.o')), [], 'no temporary file left');
});

t('--all: every program searched in turn, all of them in one output object', () => {
  const out = join(dir, 'all.o');
  const r = run(['corpus/core_task.o', '-o', out, '--all', '--iterations', '300', '--measure-top', '0', '--json']);
  assert.is(r.code, 0, r.err);
  const summaries = r.out.trim().split('\n').map((l) => JSON.parse(l) as { program: string; output: string; insnsAfter: number });
  const written = readObject(new Uint8Array(readFileSync(out)));
  assert.equal(summaries.map((s) => s.program), written.programs.map((p) => p.name));
  assert.is(summaries.length, 3);
  for (const s of summaries) {
    assert.is(s.output, out);
    const p = written.link(s.program);
    assert.is(p.insns.length, s.insnsAfter, s.program);
    assert.ok(verify(p).ok, `the verifier model accepts ${s.program}`);
  }
  assert.match(r.err, /3 programs: 3 searched, 0 kept unchanged/);
  assert.equal(readdirSync(dir).filter((f) => f.includes('.all.')), [], 'no step files left');
});

t('--all where no program can be searched: each kept with its reason, the input written, exit 1', () => {
  const out = join(dir, 'allkept.o');
  const r = run(['corpus/core_task.o', '-o', out, '--all', '--btf', join(dir, 'no-such.btf'), '--iterations', '100', '--measure-top', '0', '--json']);
  assert.is(r.code, 1);
  for (const name of ['core_task', 'core_sub', 'core_xdp']) assert.match(r.err, new RegExp(`${name}: kept unchanged \\(.*no-such\\.btf`));
  assert.equal(new Uint8Array(readFileSync(out)), new Uint8Array(readFileSync('corpus/core_task.o')));
});

t('--all with --section: a usage error', () => {
  const r = run(['corpus/core_task.o', '-o', join(dir, 'x.o'), '--all', '--section', 'core_xdp']);
  assert.is(r.code, 2);
});

t.run();
