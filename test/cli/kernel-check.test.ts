// `info` and `kernel check` on several objects: every program listed (the unlinkable ones
// with their reason), the table and its JSON/CSV forms, bad input as one line with exit 1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from './run-main.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('cli/kernel-check');
const tmp = tempDir('bpfsynth-kc-');

const run = runMain;

t('info lists every program of several objects, an unlinkable one with its reason', async () => {
  const r = await run(['info', '--json', 'corpus/frontend/legacy.o', 'corpus/frontend/undefined.o']);
  assert.is(r.code, 0);
  const [legacy, undef] = JSON.parse(r.out);
  assert.equal(legacy.programs.map((p: { section: string }) => p.section).sort(), ['2/1', 'socket1', 'xdp-pktcntr']);
  assert.match(legacy.programs.find((p: { section: string }) => p.section === '2/1').error, /give --type/);
  assert.match(undef.programs[0].error, /call to undefined function 'my_memset'/);
  const typed = JSON.parse((await run(['info', '--json', '--type', 'sched_cls', 'corpus/frontend/legacy.o'])).out);
  assert.ok(typed.programs.every((p: { type: string; error?: string }) => p.type === 'sched_cls' && !p.error));
});

t('bad input: one line naming the file, exit 1; bad options: exit 2', async () => {
  const bad = join(tmp, 'bad.o');
  writeFileSync(bad, '\x7fELF garbage');
  for (const cmd of [['info'], ['kernel', 'check']]) {
    const r = await run([...cmd, bad]);
    assert.is(r.code, 1, cmd.join(' '));
    assert.match(r.err.trim(), new RegExp(`^bpfsynth: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [^\\n]+$`));
  }
  const help = await run(['kernel', 'check', '--help']);
  assert.is(help.code, 0);
  assert.match(help.out, /usage: bpfsynth kernel check FILE…/);
  assert.is((await run(['kernel', 'check', '--log-level', '3', 'corpus/frontend/legacy.o'])).code, 2);
  assert.is((await run(['info', '--type', 'nonsense', 'corpus/frontend/legacy.o'])).code, 2);
  // with several files, a bad one is reported and the others still listed
  const several = await run(['info', '--json', bad, 'corpus/frontend/legacy.o']);
  assert.is(several.code, 1);
  assert.is(JSON.parse(several.out)[1].programs.length, 3);
});

t('kernel check: table, JSON and CSV; the kernel side says why it did not run', async () => {
  const files = ['corpus/frontend/legacy.o', 'corpus/frontend/callback.o'];
  const j = JSON.parse((await run(['kernel', 'check', '--json', ...files])).out);
  assert.is(j.rows.length, 5);
  const tail = j.rows.find((r: { section: string }) => r.section === '2/1');
  assert.equal([tail.kernel.verdict, tail.model.verdict], ['not run', 'not run']);
  const sock = j.rows.find((r: { program: string }) => r.program === 'sock_prog');
  assert.is(sock.model.verdict, 'accept');
  const avail = kernelAvailable();
  if (avail.ok) {
    assert.is(sock.kernel.verdict, 'accept');
    assert.is(sock.agree, true);
  } else {
    console.log(`cli/kernel-check: kernel side not run: ${avail.reason}`);
    assert.match(sock.kernel.why, /no bpf\(\)/);
  }
  assert.equal(j.summary.falseAccepts, 0);
  const csv = (await run(['kernel', 'check', '--csv', ...files])).out.trim().split('\n');
  assert.is(csv.length, 6);
  assert.match(csv[0], /^file,program,section,type,insns,kernel_verdict/);
  const table = (await run(['kernel', 'check', ...files])).out;
  assert.match(table, /^program\s+type\s+insns\s+processed k\/m/);
  assert.match(table, /5 programs; kernel ran \d+/);
});

t.run();
