// Our interpreter beside ubpf's, on the same bytecode and the same four 64-byte packets as
// bench/interp.ts. Each measurement is its own process (ubpf's C driver, ours through exec()
// and through run(), and our compiled tier through exec(): a JS function per program, not an
// interpreter, reported in its own column), the processes alternating round by round so that load drifts hit all;
// every process reports process-CPU ns per run for a few batches and we keep its best batch.
// Before timing, both sides report executed instructions and r0 per packet: the rows compare
// only when those agree (same instructions executed), otherwise the row says so.
//
//   node --import tsx scripts/ubpf/side-by-side.ts --driver PATH [--rounds N] [--json] [--case NAME]...
//   (normally through scripts/ubpf/bench.sh UBPF_DIR, which builds the driver)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBytes } from '../../src/isa/insn.ts';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { loopProgram, trivialProgram, udpPacket, xdpParser } from '../../bench/interp.ts';

/** One program to compare; runs is the batch size (fewer for long-running programs). */
interface Case { readonly name: string; readonly program: () => Program; readonly runs: number; readonly perInsn?: boolean }

const fromCorpus = (name: string) => (): Program => readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();

const CASES: readonly Case[] = [
  { name: 'r0 = 0; exit', program: trivialProgram, runs: 400_000 },
  { name: 'XDP parser (bench/interp.ts)', program: xdpParser, runs: 200_000 },
  { name: 'ALU loop, 1000 iterations', program: () => loopProgram(1000), runs: 2_000, perInsn: true },
  { name: 'corpus xdp_parse_drop', program: fromCorpus('xdp_parse_drop'), runs: 200_000 },
  { name: 'corpus xdp_swap_tx', program: fromCorpus('xdp_swap_tx'), runs: 200_000 },
  { name: 'corpus xdp_csum_loop', program: fromCorpus('xdp_csum_loop'), runs: 50_000 },
  { name: 'corpus xdp_loop', program: fromCorpus('xdp_loop'), runs: 50_000 },
];

const PACKETS = [udpPacket(53), udpPacket(80), udpPacket(5353), udpPacket(65300)];
const BATCHES = 3;

/** What one measuring process prints. */
interface Report { readonly insns: number[]; readonly r0: string[]; readonly ns: number[] }

/** The child side: time our interpreter on one case through one API, print a Report. */
type Side = 'ubpf' | 'exec' | 'run' | 'compiled';

function measureOurs(c: Case, api: 'exec' | 'run' | 'compiled'): Report {
  const vm = prepare(c.program(), { stepLimit: 1e9, tier: api === 'compiled' ? 'compiled' : 'interpreter' });
  if (api === 'compiled' && vm.tier !== 'compiled') throw new Error(`${c.name}: the compiled tier does not cover this program`);
  const inputs = PACKETS.map((packet) => ({ packet }));
  const insns: number[] = [], r0: string[] = [];
  for (const input of inputs) {
    const r = vm.run(input);
    if (r.kind !== 'exit') throw new Error(`${c.name}: our run faulted: ${r.message}`);
    insns.push(r.insnCount);
    r0.push(r.r0.toString());
  }
  const n = c.runs;
  const once = api !== 'run'
    ? () => { for (let k = 0; k < n; k++) vm.exec(inputs[k & 3]); }
    : () => { for (let k = 0; k < n; k++) vm.run(inputs[k & 3]); };
  for (let w = 0; w < 4; w++) once(); // past the optimizing compiler's tiers
  const ns: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.cpuUsage();
    once();
    const t = process.cpuUsage(t0);
    ns.push(((t.user + t.system) * 1000) / n);
  }
  return { insns, r0, ns };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

interface Row {
  readonly name: string;
  readonly insnsPerRun: number;
  readonly agree: boolean;
  readonly note: string;
  readonly unit: string;
  readonly ubpf: { min: number; median: number };
  readonly exec: { min: number; median: number };
  readonly run: { min: number; median: number };
  readonly compiled: { min: number; median: number };
}

function compare(c: Case, driver: string, rounds: number, dir: string): Row {
  const prog = c.program();
  const progPath = join(dir, 'prog.bin'), pkPath = join(dir, 'packets.bin');
  writeFileSync(progPath, encodeBytes(prog.insns));
  const pk = new Uint8Array(64 * PACKETS.length);
  PACKETS.forEach((p, i) => pk.set(p, 64 * i));
  writeFileSync(pkPath, pk);
  const runUbpf = (): Report => {
    const r = spawnSync(driver, [progPath, pkPath, 'xdp', String(c.runs), String(BATCHES)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${c.name}: ubpf driver: ${(r.stderr || '').trim() || `exit ${r.status}`}`);
    const j = JSON.parse(r.stdout) as { insns: number[]; r0: number[]; ns: number[] };
    return { insns: j.insns, r0: j.r0.map(String), ns: j.ns };
  };
  const runOurs = (api: 'exec' | 'run' | 'compiled'): Report => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', c.name, api], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${c.name}: our side: ${(r.stderr || '').trim().split('\n')[0]}`);
    return JSON.parse(r.stdout) as Report;
  };
  const best = { ubpf: [] as number[], exec: [] as number[], run: [] as number[], compiled: [] as number[] };
  let u: Report | undefined, o: Report | undefined, cr: Report | undefined;
  for (let k = 0; k < rounds; k++) {
    const order: Side[] = k % 2 === 0 ? ['ubpf', 'exec', 'run', 'compiled'] : ['compiled', 'run', 'exec', 'ubpf'];
    for (const side of order) {
      const rep = side === 'ubpf' ? (u = runUbpf()) : side === 'exec' ? (o = runOurs('exec')) : side === 'compiled' ? (cr = runOurs('compiled')) : runOurs('run');
      best[side].push(Math.min(...rep.ns));
    }
    process.stderr.write(`\r${c.name}: round ${k + 1}/${rounds}   `);
  }
  process.stderr.write('\n');
  const ub = u!, ou = o!;
  // the compiled tier must have run the same instructions to the same r0 as both interpreters
  const agree = ub.insns.every((x, i) => x === ou.insns[i] && x === cr!.insns[i]) && ub.r0.every((x, i) => x === ou.r0[i] && x === cr!.r0[i]);
  const note = agree ? '' : `DIFFERENT RUNS: ubpf insns ${ub.insns} r0 ${ub.r0}; ours insns ${ou.insns} r0 ${ou.r0}; compiled insns ${cr!.insns} r0 ${cr!.r0}`;
  const insnsPerRun = ou.insns.reduce((a, b) => a + b, 0) / ou.insns.length;
  const scale = c.perInsn ? 1 / insnsPerRun : 1;
  const stat = (xs: number[]) => ({ min: Math.min(...xs) * scale, median: median(xs) * scale });
  return { name: c.name, insnsPerRun, agree, note, unit: c.perInsn ? 'ns/insn' : 'ns/run', ubpf: stat(best.ubpf), exec: stat(best.exec), run: stat(best.run), compiled: stat(best.compiled) };
}

function main(argv: string[]): void {
  if (argv[0] === '--child') {
    const c = CASES.find((x) => x.name === argv[1]);
    if (!c) { process.stderr.write(`side-by-side: no case ${argv[1]}\n`); process.exit(2); }
    const api = argv[2] === 'run' ? 'run' : argv[2] === 'compiled' ? 'compiled' : 'exec';
    process.stdout.write(JSON.stringify(measureOurs(c, api)) + '\n');
    return;
  }
  let driver = '', rounds = 7, json = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--driver') driver = argv[++i] ?? '';
    else if (a === '--rounds') rounds = Number(argv[++i]);
    else if (a === '--json') json = true;
    else if (a === '--case') only.push(argv[++i] ?? '');
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: side-by-side.ts --driver PATH [--rounds N] [--json] [--case NAME]...\n');
      return;
    } else { process.stderr.write(`side-by-side: unknown option ${a}\n`); process.exit(2); }
  }
  if (!driver || !(rounds >= 1)) { process.stderr.write('side-by-side: --driver PATH is required (scripts/ubpf/bench.sh builds it)\n'); process.exit(2); }
  const dir = mkdtempSync(join(tmpdir(), 'ubpf-side-'));
  const rows: Row[] = [];
  try {
    for (const c of CASES) if (only.length === 0 || only.some((s) => c.name.includes(s))) rows.push(compare(c, driver, rounds, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (json) { process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); return; }
  const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
  process.stdout.write('| program | insns/run | ubpf interpreter (min / median) | our interpreter exec() | our interpreter run() | our compiled tier exec() | ubpf ÷ our interpreter (median) | ubpf ÷ our compiled tier (median) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    const ratio = (x: number) => (r.agree ? (r.ubpf.median / x).toFixed(2) + '×' : 'n/a');
    process.stdout.write(`| ${r.name} | ${r.insnsPerRun.toFixed(1)} | ${f(r.ubpf.min)} / ${f(r.ubpf.median)} ${r.unit} | ${f(r.exec.min)} / ${f(r.exec.median)} | ${f(r.run.min)} / ${f(r.run.median)} | ${f(r.compiled.min)} / ${f(r.compiled.median)} | ${ratio(r.exec.median)} | ${ratio(r.compiled.median)} |\n`);
    if (r.note) process.stdout.write(`  ${r.note}\n`);
  }
}

main(process.argv.slice(2));
