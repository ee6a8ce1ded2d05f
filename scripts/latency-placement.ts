// A/A experiment on JIT placement (issue 17): each corpus program benched against itself as
// `kernel bench` does it (A, a second load B, the A/A control C, the empty program), with a
// given number of load sets (copies) per bench. Every bench appends one JSON line (its rounds,
// the copy each round ran on, load time, load average) to --out; --analyze FILE reads such lines
// and prints, per copies setting, how often a 95% interval excludes 1 for B/A and C/A under the
// per-round sign test (compareRounds, the old interval) and with the copy as the unit
// (compareCopies), and the spread of the per-copy ratios.
// --memory: what holding a load set per round costs (load time, kernel memory), nothing timed.
// Usage: tsx scripts/latency-placement.ts --out F [--rounds 120] [--copies 24,120] [--reps 1] [NAME…]
//        tsx scripts/latency-placement.ts --analyze F
//        tsx scripts/latency-placement.ts --memory [--copies 120]
import { appendFileSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { compareCopies, compareRounds, median } from '../src/kernel/ratio.ts';

const args = process.argv.slice(2);
const val = (k: string): string | undefined => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const CORPUS = ['xdp1', 'xdp_csum_loop', 'xdp_firewall', 'xdp_global_func', 'xdp_lb_hash', 'xdp_loop', 'xdp_map_access', 'xdp_parse_drop', 'xdp_pktcntr', 'xdp_router', 'xdp_subprog', 'xdp_subprogs', 'xdp_swap_tx', 'tc_edit'];

interface Line {
  program: string; code: 'r8' | 'new'; commit?: string; copies: number; rounds: number; repeat: number; inputs: number; loadMs: number; benchMs: number; cpuMs?: number;
  load: [number, number]; date: string; copyOfRound: number[]; a: number[]; b: number[]; c: number[];
}

if (val('--analyze')) analyze(val('--analyze')!);
else if (args.includes('--memory')) await memory();
else await measure();

/**
 * What holding one load set per round costs: every corpus program loaded as `kernel bench A B`
 * loads it (A, B, control, the empty program) --copies times (default 120), timed, with the
 * kernel's memlock figures (fdinfo of every program and map fd) summed; then all closed.
 */
async function memory(): Promise<void> {
  const { readObject } = await import('../src/isa/object.ts');
  const { loadProgram } = await import('../src/kernel/load.ts');
  const copies = Number(val('--copies') ?? 120);
  const memlock = (fd: number): number => Number(/memlock:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? 0);
  for (const name of CORPUS) {
    const p = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();
    const empty = { ...p, name: 'empty', insns: [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 1 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], maps: [], funcs: [{ name: 'empty', start: 0 }] };
    const held: { close(): void }[] = [];
    let bytes = 0;
    const t0 = performance.now();
    for (let c = 0; c < copies; c++) {
      for (const q of [p, p, p, empty]) {
        const l = loadProgram(q);
        if (!l.ok) throw new Error(`${name}: not loaded (${l.errno ?? l.error})`);
        held.push(l);
        bytes += memlock(l.fd!) + l.maps.reduce((s, m) => s + memlock(m.fd), 0);
      }
    }
    const ms = performance.now() - t0;
    const t1 = performance.now();
    for (const l of held) l.close();
    console.log(`${name}: ${copies} × 4 loads in ${ms.toFixed(0)} ms (${(ms / copies).toFixed(2)} ms per load set), closed in ${(performance.now() - t1).toFixed(0)} ms; memlock ${(bytes / 2 ** 20).toFixed(1)} MiB held (${(bytes / copies / 1024).toFixed(0)} KiB per load set)`);
  }
}

async function measure(): Promise<void> {
  const out = val('--out');
  if (!out) throw new Error('--out FILE is required');
  const { readObject } = await import('../src/isa/object.ts');
  const { benchPrograms } = await import('../src/kernel/bench.ts');
  // 'r8': the eighth round's bench.ts (24 load sets held at once, reused every 24 rounds),
  // copied beside it for the before-measurement only, not committed (`git show 90d150a:src/kernel/
  // bench.ts > src/kernel/bench-r8.ts`); a number: this bench.ts with that many copies
  const legacy = args.includes('--with-r8') ? (await import(`../src/kernel/bench-${'r8'}.ts`)).benchPrograms as typeof benchPrograms : undefined;
  const { optimizerInputs } = await import('../src/search/bench-inputs.ts');
  const rounds = Number(val('--rounds') ?? 120), reps = Number(val('--reps') ?? 1);
  const { execFileSync } = await import('node:child_process');
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const settings = (val('--copies') ?? '24,120').split(',');
  const skip = new Set(['--out', '--rounds', '--copies', '--reps']);
  const names = args.filter((x, i) => !x.startsWith('--') && !skip.has(args[i - 1]));
  for (let rep = 0; rep < reps; rep++) {
    for (const name of names.length ? names : CORPUS) {
      const p = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`))).link();
      const inputs = optimizerInputs(p);
      // the settings alternate which runs first, so drift over the experiment hits them alike
      const order = rep % 2 ? [...settings].reverse() : settings;
      for (const setting of order) {
        const old = setting.startsWith('r8');
        if (old && !legacy) throw new Error('setting r8 needs --with-r8 (and src/kernel/bench-r8.ts)');
        // r8:N passes copies N to the old code (its default, 24, when no N)
        const copies = Math.min(old ? Number(setting.split(':')[1] ?? 24) : Number(setting), rounds);
        const l0 = loadavg()[0], t0 = performance.now(), c0 = process.cpuUsage();
        // [p, p, p] and the empty program: the same four loads per copy as `kernel bench A B`
        // with its control, but every series comes back (the control's is not in r.programs)
        const r = old ? legacy!([p, p, p], inputs, { rounds, copies, harness: true }) : benchPrograms([p, p, p], inputs, { rounds, copies, harness: true });
        if (!r.ok) throw new Error(`${name}: ${r.reason}`);
        const line: Line = {
          program: name, code: old ? 'r8' : 'new', commit: head, copies, rounds, repeat: r.repeat, inputs: r.inputs, loadMs: old ? -1 : Math.round(r.loadMs), benchMs: Math.round(performance.now() - t0),
          cpuMs: Math.round(cpuMs(process.cpuUsage(c0))), load: [+l0.toFixed(2), +loadavg()[0].toFixed(2)], date: new Date().toISOString(), copyOfRound: old ? Array.from({ length: rounds }, (_, k) => k % copies) : [...r.copyOfRound],
          a: r.programs[0].rounds.map((x) => +x.toFixed(4)), b: r.programs[1].rounds.map((x) => +x.toFixed(4)), c: r.programs[2].rounds.map((x) => +x.toFixed(4)),
        };
        appendFileSync(out, JSON.stringify(line) + '\n');
        console.log(`${name} ${old ? `r8 (${copies} held)` : `copies ${copies}`}, ${rounds} rounds: B/A ${pct(r.ratios[1]!)} C/A ${pct(r.ratios[2]!)} load ${line.loadMs} ms, bench ${line.benchMs} ms (CPU ${line.cpuMs} ms), load average ${line.load.join(' → ')}`);
      }
    }
  }
}

/** User and system CPU time of this process (the kernel's test_run and load work is system time). */
function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function pct(x: { median: number; low: number; high: number; verdict: string }): string {
  const f = (v: number) => `${v >= 1 ? '+' : ''}${((v - 1) * 100).toFixed(2)}%`;
  return `${f(x.median)} (${f(x.low)} … ${f(x.high)}) ${x.verdict}`;
}

function analyze(file: string): void {
  const lines: Line[] = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  costs(lines);
  const key = (l: Line) => `${l.code ?? 'new'} ${l.rounds} ${l.copies}`;
  const settings = [...new Set(lines.map(key))].sort();
  for (const setting of settings) {
    const ls = lines.filter((l) => key(l) === setting);
    // two A/A comparisons per bench (B/A and C/A; they share A, so they are not independent)
    const pairs = ls.flatMap((l) => [[l, l.b], [l, l.c]] as const);
    const old = pairs.map(([l, x]) => compareRounds(l.a, x));
    const byCopy = pairs.map(([l, x]) => compareCopies(l.a, x, l.copyOfRound));
    const out = (xs: { verdict: string }[]) => xs.filter((x) => x.verdict !== 'within noise').length;
    const below = (xs: { median: number }[]) => xs.filter((x) => x.median < 1).length;
    const width = (xs: { low: number; high: number }[]) => median(xs.map((x) => (x.high - x.low) * 100)).toFixed(2);
    console.log(`${setting.startsWith('r8') ? `eighth round's bench.ts, ${ls[0].copies} copies held` : `this bench.ts, ${ls[0].copies} copies`}, ${ls[0].rounds} rounds: ${ls.length} A/A benches (${[...new Set(ls.map((l) => l.program))].length} programs), load average ${Math.min(...ls.flatMap((l) => l.load))}–${Math.max(...ls.flatMap((l) => l.load))}`);
    console.log(`  B/A, C/A per-round sign test: ${out(old)} of ${pairs.length} exclude 1, ${below(old)} below 1, median width ${width(old)} points`);
    console.log(`  B/A, C/A per-copy sign test:  ${out(byCopy)} of ${pairs.length} exclude 1, ${below(byCopy)} below 1, median width ${width(byCopy)} points`);
    // the spread of a copy's own placement: per-copy log ratios, between-copy variance less the
    // share the rounds' own noise explains (their within-copy variance over the rounds per copy)
    const ok = pairs.map(([l, x]) => placementSpread(l, x)).filter((s) => s !== undefined);
    if (ok.length) {
      const f = (v: number) => `${(v * 100).toFixed(2)}%`;
      // what these spreads imply for the per-round interval: rounds per copy k share a placement,
      // so the median's true variance is (k·σp² + σn²)/R where the interval assumes (σp² + σn²)/R
      const k = ls[0].rounds / ls[0].copies, z = zOf(compareRounds(ls[0].a, ls[0].b).coverage);
      const implied = ok.map((s) => 2 * (1 - phi(z / Math.sqrt((k * s.placement ** 2 + s.noise ** 2) / (s.placement ** 2 + s.noise ** 2)))));
      console.log(`  implied by each comparison's spreads: the per-round interval excludes 1 in ${(100 * implied.reduce((x, y) => x + y, 0) / implied.length).toFixed(1)}% of A/A cases (nominal ${(200 * (1 - phi(z))).toFixed(1)}%)`);
      console.log(`  per copy, SD of log(X/A) added by placement: median ${f(median(ok.map((s) => s.placement)))} (one program's load: ${f(median(ok.map((s) => s.placement)) / Math.SQRT2)}), the rounds' own noise ${f(median(ok.map((s) => s.noise)))} (${ok.length} comparisons)`);
      for (const prog of [...new Set(ls.map((l) => l.program))]) {
        const mine = pairs.filter(([l]) => l.program === prog).map(([l, x]) => placementSpread(l, x)!);
        console.log(`    ${prog}: placement ${mine.map((s) => f(s.placement)).join(' ')}; noise ${mine.map((s) => f(s.noise)).join(' ')}`);
      }
    }
    const mark = (xs: { verdict: string; median: number }[]) => xs.map((x) => `${x.median < 1 ? '' : '+'}${((x.median - 1) * 100).toFixed(2)}${x.verdict === 'within noise' ? '' : '*'}`).join(' ');
    console.log(`  medians per comparison (* excludes 1), per round: ${mark(old)}`);
    console.log(`  per copy: ${mark(byCopy)}`);
    const cpu = ls.filter((l) => l.cpuMs !== undefined);
    console.log(`  load ${median(ls.map((l) => l.loadMs))} ms, bench ${median(ls.map((l) => l.benchMs))} ms wall, ${cpu.length ? median(cpu.map((l) => l.cpuMs!)) : 'n/a'} ms CPU (medians; load -1: not recorded)`);
  }
}

/**
 * The cost of a load set per round against the old scheme: per program and round count, the
 * medians of CPU time (this process: user + system, so the kernel's test_run and load work)
 * and of the time spent loading, old code beside new, and their difference per bench.
 */
function costs(lines: Line[]): void {
  const cpuOf = (ls: Line[]) => median(ls.map((l) => l.cpuMs!));
  const rows: string[] = [];
  const extra: number[] = [];
  for (const rounds of [...new Set(lines.map((l) => l.rounds))]) {
    for (const prog of [...new Set(lines.map((l) => l.program))]) {
      const mine = lines.filter((l) => l.program === prog && l.rounds === rounds && l.cpuMs !== undefined);
      const old = mine.filter((l) => l.code === 'r8'), now = mine.filter((l) => l.code !== 'r8' && l.copies === rounds);
      if (!old.length || !now.length) continue;
      extra.push(cpuOf(now) - cpuOf(old));
      rows.push(`  ${prog} (${rounds} rounds, ${old.length}+${now.length} benches): CPU ${(cpuOf(old) / 1000).toFixed(1)} s → ${(cpuOf(now) / 1000).toFixed(1)} s, loading ${(median(now.map((l) => l.loadMs)) / 1000).toFixed(2)} s of it`);
    }
  }
  if (!rows.length) return;
  console.log(`CPU per bench, old scheme → a load set per round (4 loads per set, as kernel bench A B):`);
  for (const r of rows) console.log(r);
  console.log(`  median difference ${(median(extra) / 1000).toFixed(1)} s per bench`);
}

/** The standard normal CDF (Abramowitz–Stegun 7.1.26 for erf, |error| < 1.5e-7). */
function phi(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** The z of a two-sided interval with this coverage (bisection on phi). */
function zOf(coverage: number): number {
  let lo = 0, hi = 6;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (2 * phi(mid) - 1 < coverage) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** 1.4826 × the median absolute deviation: a standard deviation that outliers (preemption) do not inflate. */
function robustSd(xs: readonly number[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

/**
 * The spread of log(X/A) that a copy's placement adds, from the rounds grouped by copy: the
 * robust SD of the per-copy medians less what the rounds' own noise gives a median of `per`
 * values (0.287 σ² for 5 normal ones; 1/per as a fallback), and that noise (the robust SD of the
 * rounds around their copy's median). Undefined with one round per copy.
 */
function placementSpread(l: Line, x: number[]): { placement: number; noise: number } | undefined {
  const groups = new Map<number, number[]>();
  l.a.forEach((a, r) => {
    const g = groups.get(l.copyOfRound[r]) ?? [];
    g.push(Math.log(x[r] / a));
    groups.set(l.copyOfRound[r], g);
  });
  const gs = [...groups.values()];
  const per = Math.min(...gs.map((g) => g.length));
  if (per < 2) return undefined;
  const medians = gs.map(median);
  const noise = robustSd(gs.flatMap((g, i) => g.map((v) => v - medians[i])));
  const share = per === 5 ? 0.287 : 1 / per;
  return { placement: Math.sqrt(Math.max(0, robustSd(medians) ** 2 - share * noise ** 2)), noise };
}
