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
  program: string; code: 'r8' | 'new'; copies: number; rounds: number; repeat: number; inputs: number; loadMs: number; benchMs: number;
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
        const old = setting === 'r8';
        if (old && !legacy) throw new Error('setting r8 needs --with-r8 (and src/kernel/bench-r8.ts)');
        const copies = old ? Math.min(24, rounds) : Number(setting);
        const l0 = loadavg()[0], t0 = performance.now();
        // [p, p, p] and the empty program: the same four loads per copy as `kernel bench A B`
        // with its control, but every series comes back (the control's is not in r.programs)
        const r = old ? legacy!([p, p, p], inputs, { rounds, harness: true }) : benchPrograms([p, p, p], inputs, { rounds, copies, harness: true });
        if (!r.ok) throw new Error(`${name}: ${r.reason}`);
        const line: Line = {
          program: name, code: old ? 'r8' : 'new', copies, rounds, repeat: r.repeat, inputs: r.inputs, loadMs: old ? -1 : Math.round(r.loadMs), benchMs: Math.round(performance.now() - t0),
          load: [+l0.toFixed(2), +loadavg()[0].toFixed(2)], date: new Date().toISOString(), copyOfRound: old ? Array.from({ length: rounds }, (_, k) => k % copies) : [...r.copyOfRound],
          a: r.programs[0].rounds.map((x) => +x.toFixed(4)), b: r.programs[1].rounds.map((x) => +x.toFixed(4)), c: r.programs[2].rounds.map((x) => +x.toFixed(4)),
        };
        appendFileSync(out, JSON.stringify(line) + '\n');
        console.log(`${name} ${old ? 'r8 (24 held)' : `copies ${copies}`}: B/A ${pct(r.ratios[1]!)} C/A ${pct(r.ratios[2]!)} load ${line.loadMs} ms, bench ${line.benchMs} ms, load average ${line.load.join(' → ')}`);
      }
    }
  }
}

function pct(x: { median: number; low: number; high: number; verdict: string }): string {
  const f = (v: number) => `${v >= 1 ? '+' : ''}${((v - 1) * 100).toFixed(2)}%`;
  return `${f(x.median)} (${f(x.low)} … ${f(x.high)}) ${x.verdict}`;
}

function analyze(file: string): void {
  const lines: Line[] = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const key = (l: Line) => `${l.code ?? 'new'} ${l.copies}`;
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
    console.log(`${setting.startsWith('r8') ? 'eighth round\'s bench.ts, 24 copies held' : `copies ${ls[0].copies}`}: ${ls.length} A/A benches (${[...new Set(ls.map((l) => l.program))].length} programs), load average ${Math.min(...ls.flatMap((l) => l.load))}–${Math.max(...ls.flatMap((l) => l.load))}`);
    console.log(`  B/A, C/A per-round sign test: ${out(old)} of ${pairs.length} exclude 1, ${below(old)} below 1, median width ${width(old)} points`);
    console.log(`  B/A, C/A per-copy sign test:  ${out(byCopy)} of ${pairs.length} exclude 1, ${below(byCopy)} below 1, median width ${width(byCopy)} points`);
    // the spread of a copy's own placement: per-copy log ratios, between-copy variance less the
    // share the rounds' own noise explains (their within-copy variance over the rounds per copy)
    const spreads = pairs.map(([l, x]) => placementSpread(l, x));
    const ok = spreads.filter((s): s is number => s !== undefined);
    if (ok.length) console.log(`  per-copy spread of log(B/A) beyond the rounds' noise: median ${(median(ok) * 100).toFixed(2)}% (${ok.length} benches with several rounds per copy)`);
    console.log(`  load ${median(ls.map((l) => l.loadMs))} ms, bench ${median(ls.map((l) => l.benchMs))} ms (medians; load -1: not recorded)`);
  }
}

/** sqrt(max(0, var(copy means) − mean within-copy var / rounds per copy)) of log(B/A); undefined with one round per copy. */
function placementSpread(l: Line, x: number[]): number | undefined {
  const groups = new Map<number, number[]>();
  l.a.forEach((a, r) => {
    const g = groups.get(l.copyOfRound[r]) ?? [];
    g.push(Math.log(x[r] / a));
    groups.set(l.copyOfRound[r], g);
  });
  const gs = [...groups.values()];
  const per = gs[0].length;
  if (per < 2) return undefined;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = (xs: number[]) => { const m = mean(xs); return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1); };
  const between = variance(gs.map(mean));
  const within = mean(gs.map(variance));
  return Math.sqrt(Math.max(0, between - within / per));
}
