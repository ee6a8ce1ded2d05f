// The deployment-target table of BENCHMARKS.md: programs optimized for --target v2 and v4 with
// maps shared (the default), and for v4 with --assume-exclusive-maps; a fixed number of
// candidates per run (--iterations, one chain, seed 1) so the sizes do not depend on the load.
// Prints a markdown table and the median size reduction of each column.
// Usage: tsx scripts/targets-table.ts [--iterations 2000] [NAME…] (NAME: corpus/NAME.o, or a path)
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, loadavg, release } from 'node:os';

const args = process.argv.slice(2);
const ii = args.indexOf('--iterations');
const iterations = ii >= 0 ? args[ii + 1] : '2000';
const named = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--iterations');
const DEFAULT = ['xdp_swap_tx', 'xdp_map_access', 'xdp_pktcntr', 'xdp1', 'socket_filter', 'xdp_router', 'tc_edit', 'test/search/fixtures/signed_xdp.o'];
const inputs = (named.length ? named : DEFAULT).map((n) => (n.endsWith('.o') ? n : `corpus/${n}.o`));
const CONFIGS: [string, string[]][] = [
  ['v2, shared', ['--target', 'v2']],
  ['v4, shared', ['--target', 'v4']],
  ['v4, exclusive', ['--target', 'v4', '--assume-exclusive-maps']],
];
const dir = mkdtempSync(join(tmpdir(), 'bpfsynth-targets-'));
const load0 = loadavg()[0];
const rows: { name: string; before: number; after: (number | string)[] }[] = [];
for (const input of inputs) {
  const name = input.replace(/^.*\//, '').replace(/\.o$/, '');
  const row = { name, before: 0, after: [] as (number | string)[] };
  for (const [label, extra] of CONFIGS) {
    try {
      const out = execFileSync(process.execPath, ['bin/bpfsynth.js', 'optimize', input, '-o', join(dir, `${name}.o`), '--iterations', iterations, '--chains', '1', '--seed', '1', '--budget', '600s', '--measure-top', '0', '--json', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const j = JSON.parse(out);
      row.before = j.insnsBefore;
      row.after.push(j.insnsAfter);
    } catch (e) {
      row.after.push(`error (${label})`);
    }
    process.stderr.write(`${name} ${label}: ${row.before} → ${row.after[row.after.length - 1]}\n`);
  }
  rows.push(row);
}
const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (b: number, a: number): number => (100 * (b - a)) / b;
console.log(`| program | before | ${CONFIGS.map(([l]) => l).join(' | ')} |`);
console.log(`|---|---:|${CONFIGS.map(() => '---:').join('|')}|`);
for (const r of rows) console.log(`| ${r.name} | ${r.before} | ${r.after.join(' | ')} |`);
const med = CONFIGS.map((_, c) => median(rows.filter((r) => typeof r.after[c] === 'number').map((r) => pct(r.before, r.after[c] as number))));
console.log(`| median reduction | | ${med.map((m) => `${m.toFixed(1)}%`).join(' | ')} |`);
console.log(`\n${iterations} candidates per run, 1 chain, seed 1; kernel ${release()}; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
