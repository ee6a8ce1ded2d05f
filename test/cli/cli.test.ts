// The command line as a user meets it: help, usage errors (exit 2), bad input (exit 1, one
// line, no stack trace), and outputs that are whole or absent.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMain } from './run-main.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('cli');
const tmp = tempDir('bpfsynth-cli-');

/** Run main() in-process, capturing output. */
async function run(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  if (stdin !== undefined) {
    // stdin cases go through a real process
    const r = spawnSync(process.execPath, ['bin/bpfsynth.js', ...args], { input: stdin, encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }
  return runMain(args);
}

t('--help everywhere', async () => {
  const top = await run(['--help']);
  assert.is(top.code, 0);
  assert.match(top.out, /usage: bpfsynth <command>/);
  for (const cmd of ['info', 'disasm', 'asm', 'fuzz', 'run', 'kernel', 'kernel run', 'conformance-plugin']) {
    const r = await run([...cmd.split(' '), '--help']);
    assert.is(r.code, 0, cmd);
    assert.match(r.out, new RegExp(`usage: bpfsynth ${cmd}`));
  }
});

t('a group without its subcommand lists them; an unknown one is a usage error', async () => {
  const bare = await run(['kernel']);
  assert.is(bare.code, 2);
  assert.match(bare.out, /subcommands:\n\s+kernel run/);
  const bad = await run(['kernel', 'frob']);
  assert.is(bad.code, 2);
  assert.match(bad.err, /kernel: unknown subcommand 'frob' \(have: run/);
});

t('usage errors exit 2', async () => {
  assert.is((await run(['frobnicate'])).code, 2);
  const r = await run(['info', '--bogus', 'x.o']);
  assert.is(r.code, 2);
  assert.match(r.err, /Unknown option '--bogus'/);
  assert.is((await run(['info'])).code, 2);
  assert.is((await run(['asm', 'x.s'])).code, 2);
  assert.is((await run(['disasm', '--syntax', 'intel', 'x'])).code, 2);
});

t('optimize --measure-rounds: fewer than 6 or not a number is a usage error', async () => {
  for (const bad of ['5', 'x', '6.5']) {
    const r = await run(['optimize', 'corpus/xdp1.o', '-o', join(tmp, 'mr.o'), '--measure-rounds', bad]);
    assert.is(r.code, 2, bad);
    assert.is(r.err, `bpfsynth: --measure-rounds takes an integer of at least 6, not '${bad}'\n`);
  }
  assert.not.ok(existsSync(join(tmp, 'mr.o')));
});

t('optimize --confirm-rounds: 1 to 5 or not a number is a usage error (0 is allowed: no confirmation)', async () => {
  for (const bad of ['5', '1', 'x', '6.5']) {
    const r = await run(['optimize', 'corpus/xdp1.o', '-o', join(tmp, 'cr.o'), '--confirm-rounds', bad]);
    assert.is(r.code, 2, bad);
    assert.is(r.err, `bpfsynth: --confirm-rounds takes 0 or an integer of at least 6, not '${bad}'\n`);
  }
  assert.not.ok(existsSync(join(tmp, 'cr.o')));
});

t('missing file: one line naming it, exit 1', async () => {
  const r = await run(['info', 'nope.o']);
  assert.is(r.code, 1);
  assert.is(r.err, 'bpfsynth: nope.o: no such file\n');
});

t('non-BPF ELF and garbage: one line, exit 1, no stack', async () => {
  const x86 = new Uint8Array(readFileSync('corpus/xdp_pktcntr.o'));
  x86[18] = 62;
  writeFileSync(join(tmp, 'x86.o'), x86);
  const r = await run(['info', join(tmp, 'x86.o')]);
  assert.is(r.code, 1);
  assert.match(r.err, /^bpfsynth: .*x86\.o: not a BPF object: e_machine is 62 \(x86-64\), expected 247 \(BPF\)\n$/);
  writeFileSync(join(tmp, 'junk.bin'), new Uint8Array([1, 2, 3]));
  const j = await run(['disasm', '--raw', join(tmp, 'junk.bin')]);
  assert.is(j.code, 1);
  assert.match(j.err, /junk\.bin: bytecode length 3 is not a multiple of 8/);
  assert.not.match(j.err, /\n\s+at /);
});

t('info lists programs and maps', async () => {
  const r = await run(['info', 'corpus/xdp_firewall.o', '--json']);
  assert.is(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.programs.map((p: { name: string }) => p.name), ['xdp_firewall']);
  assert.equal(j.maps.map((m: { type: string }) => m.type), ['hash', 'lpm_trie', 'percpu_array']);
  assert.is(j.maps[1].keySize, 8);
});

t('disasm from stdin hex, both syntaxes', async () => {
  const hex = 'b7 00 00 00 02 00 00 00\n95 00 00 00 00 00 00 00\n';
  const r = await run(['disasm'], hex);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /0:\tb7 00 00 00 02 00 00 00\tr0 = 0x2/);
  const k = await run(['disasm', '--syntax', 'kernel', '-'], hex);
  assert.match(k.out, /0: \(b7\) r0 = 2\n1: \(95\) exit/);
  const bad = await run(['disasm'], 'b7 0');
  assert.is(bad.code, 1);
  assert.is(bad.err, "bpfsynth: stdin:1:4: odd number of hex digits in '0' (each byte needs two)\n");
});

t('asm writes atomically; an error leaves no output file', async () => {
  writeFileSync(join(tmp, 'ok.s'), 'r0 = 2\nexit\n');
  const out = join(tmp, 'ok.bin');
  assert.is((await run(['asm', join(tmp, 'ok.s'), '-o', out])).code, 0);
  assert.equal([...readFileSync(out)], [0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  writeFileSync(join(tmp, 'bad.s'), 'r0 = 2\nr0 +== 1\n');
  const bad = join(tmp, 'bad.bin');
  const r = await run(['asm', join(tmp, 'bad.s'), '-o', bad]);
  assert.is(r.code, 1);
  assert.match(r.err, /bad\.s:2:\d+: /);
  assert.not.ok(existsSync(bad));
  assert.equal(readdirSync(tmp).filter((f) => f.endsWith('.tmp')), []);
});

t('fuzz domains --replay ends with the summary line', async () => {
  const r = await run(['fuzz', 'domains', '--replay', 'corpus/traces/domains.jsonl.gz']);
  assert.is(r.code, 0);
  assert.match(r.out, /fuzz domains: \d+ cases, 0 mismatches\n$/);
  assert.is((await run(['fuzz', 'nothing'])).code, 2);
});

t('run: r0, packet and maps from the interpreter; --map presets', async () => {
  const r = await run(['run', 'corpus/xdp_pktcntr.o', '--map', 'ctl_array=00000000:01000000', '--json']);
  assert.is(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.is(j.r0, '0x2');
  assert.equal(j.maps.find((m: { name: string }) => m.name === 'cntrs_array').entries, [{ key: '00000000', value: '0100000000000000' }]);
  const bad = await run(['run', 'corpus/xdp_pktcntr.o', '--map', 'nosuch=00:00']);
  assert.is(bad.code, 1);
  assert.match(bad.err, /no map named 'nosuch'/);
});

t('conformance-plugin: program hex on stdin, memory in argv, r0 in hex', async () => {
  // r0 = *(u32 *)(r1 + 0); r0 += r2; exit   with memory 0a000000 (length 4)
  const r = await run(['conformance-plugin', '0a000000'], '61 10 00 00 00 00 00 00 0f 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00');
  assert.is(r.code, 0, r.err);
  assert.is(r.out, 'e\n');
  const neg = await run(['conformance-plugin'], 'b7000000ffffffff95000000 00000000');
  assert.is(neg.out, 'ffffffffffffffff\n');
  const fault = await run(['conformance-plugin'], '79 10 00 00 00 00 00 00 95 00 00 00 00 00 00 00');
  assert.is(fault.code, 1);
  assert.match(fault.err, /^bpfsynth: insn 0: /);
});

t('--debug shows the stack of an error', async () => {
  const r = await run(['info', 'nope.o', '--debug']);
  assert.is(r.code, 1);
  assert.match(r.err, /\n\s+at /);
});

t.run();
