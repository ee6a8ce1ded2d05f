// CPU time of cold checks of a few programs (compiled tier, results cache cleared), the driver
// for profiling the verifier model (`node --cpu-prof --import tsx scripts/verifier-cpu.ts ...`)
// and for before/after figures within one process: with --base DIR (another checkout of the
// project, e.g. `git worktree add /tmp/base <commit>`), the same programs are also checked by
// that tree's verifier, alternating batch by batch, and the ratio is printed. Programs: corpus
// file names without .o (xdp_loop) or realworld object/program (xdpfilt_alw_all.o/xdpfilt_alw_all),
// or `corpus` for all 22. With --kernel (root), the CPU time of the kernel's BPF_PROG_LOAD of the
// same program (log off, maps created and closed; the syscall's system time is this process's)
// is measured in the same rounds, and load / check printed: a comparison that the shared
// machine's load moves far less than wall-clock time, where both sides wait for a core.
//
// --steady: after those rounds, each program in turn is checked on (with --kernel, a few loads
// after each batch) until the lowest batch of successive windows stops falling (bench/settle.ts),
// then timed again; V8 is still optimising the verifier after the default rounds (BENCHMARKS,
// "the steady state"), so the first figure is a point on the warm-up and the second its end.
//
//   node --import tsx scripts/verifier-cpu.ts [--rounds 8] [--batch N] [--base DIR] [--kernel] [--steady] xdp_loop ksnoop.bpf.o/kprobe_entry
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { relocateForTarget } from '../src/isa/core.ts';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { runningKernelExterns } from '../src/kernel/externs.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { LINUX_6_18, type KernelFlavor } from '../src/domains/scalar.ts';
import { loadProgram } from '../src/kernel/load.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import * as analyze from '../src/verifier/analyze.ts';
import * as memo from '../src/verifier/memo.ts';
import { settleWindows, type SettledRun } from '../bench/settle.ts';

/** Check CPU time per settling window, and the most windows a program settles for. */
export const WINDOW_MS = 100, MAX_WINDOWS = 40;

export const USAGE = `usage: node --import tsx scripts/verifier-cpu.ts [options] PROGRAM…
  PROGRAM        a corpus name without .o (xdp_loop), a real-world object/program
                 (ksnoop.bpf.o/kprobe_entry), or \`corpus\` for every corpus program
  --rounds N     timed rounds per program (default 8; 3 untimed rounds go first); each round
                 is one batch of checks per program (and tree), figures are the lowest batch's
  --batch N      checks per batch (default: about 20,000 processed instructions' worth)
  --base DIR     also check with DIR's verifier (another checkout), alternating batch by batch
  --kernel       also time the kernel's BPF_PROG_LOAD of each program (root), load / check
  --steady       then, program by program, check on until the check's CPU time has settled
                 (windows of ~${WINDOW_MS} ms of checks; settled once 5 windows in a row made no new
                 low by more than 5%, or after ${MAX_WINDOWS} windows), time --rounds more batches, and
                 print that steady figure after the first one, with the checks it took; with
                 --kernel each settling and steady batch is followed by loads of about the
                 batch's CPU time (at least one), the steady load figure is their lowest
  --help         this text`;

/** The command line, checked. */
export interface CpuArgs {
  readonly rounds: number;
  readonly batch?: number;
  readonly base?: string;
  readonly kernel: boolean;
  readonly steady: boolean;
  readonly help: boolean;
  readonly names: readonly string[];
}

const count = (what: string, v: string): number => {
  if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`verifier-cpu: ${what} must be a positive integer, not '${v}'`);
  return Number(v);
};

/** Parse argv (without node and the script); bad input throws a one-line Error. */
export function parseCpuArgs(argv: readonly string[]): CpuArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        rounds: { type: 'string', default: '8' }, batch: { type: 'string' }, base: { type: 'string' },
        kernel: { type: 'boolean', default: false }, steady: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new Error(`verifier-cpu: ${(e as Error).message.split('\n')[0]}`);
  }
  const { values: v, positionals } = parsed;
  const out = {
    rounds: count('--rounds', v.rounds!), batch: v.batch === undefined ? undefined : count('--batch', v.batch), base: v.base,
    kernel: v.kernel!, steady: v.steady!, help: v.help!, names: positionals,
  };
  if (!out.help && !out.names.length) throw new Error('verifier-cpu: no program named (try --help)');
  return out;
}

/** Batches per settling window: about WINDOW_MS of checks at the first rounds' lowest batch. */
export const perWindow = (msPerCheck: number, batch: number): number => Math.max(1, Math.ceil(WINDOW_MS / (msPerCheck * batch)));

/** Loads after a settling or steady batch: about the batch's CPU time, at least one, at most the batch. */
export const loadsPerBatch = (msPerCheck: number, msPerLoad: number, batch: number): number =>
  Math.max(1, Math.min(batch, Math.round((batch * msPerCheck) / msPerLoad)));

/** What --steady found for one program. */
export interface SteadyRow {
  readonly name: string;
  /** Lowest CPU ms per check of each tree (this one first) over the steady rounds. */
  readonly check: readonly number[];
  /** Lowest CPU ms per load over the steady rounds (kernel run). */
  readonly load?: number;
  readonly batch: number;
  readonly loads?: number;
  readonly rounds: number;
  /** Checks of the program (by this tree) before the steady rounds, and of those the settling's. */
  readonly before: number;
  readonly settled: SettledRun;
  readonly perWindow: number;
}

/** The line --steady prints per program. */
export function steadyLine(r: SteadyRow): string {
  const how = `${r.settled.batches * r.batch} to settle in ${r.settled.windows[0].length} windows of ${r.perWindow} batches${r.settled.capped ? ', capped' : ''}`;
  const base = r.check.length > 1 ? `; base ${r.check[1].toFixed(3)} ms, this / base ${(r.check[0] / r.check[1]).toFixed(3)}` : '';
  const load = r.load !== undefined ? `; kernel load ${r.load.toFixed(3)} ms, load / check ${(r.load / r.check[0]).toFixed(2)}` : '';
  const loads = r.loads !== undefined ? `, ${r.loads} loads after each` : '';
  return `${r.name}: steady ${r.check[0].toFixed(3)} ms CPU per cold check after ${r.before} checks (${how})${base}${load} (min of ${r.rounds} batches of ${r.batch}${loads})`;
}

function find(name: string): { p: Program; flavor: KernelFlavor } {
  if (!name.includes('/')) {
    const file = new URL(`../corpus/${name}.o`, import.meta.url);
    if (!existsSync(file)) throw new Error(`verifier-cpu: no corpus program ${name} (corpus/${name}.o)`);
    return { p: readObject(readFileSync(file)).link(), flavor: LINUX_6_18 };
  }
  const [file, prog] = name.split('/');
  const root = new URL('../corpus/realworld/objects/', import.meta.url);
  const dir = readdirSync(root).find((d) => readdirSync(new URL(`${d}/`, root)).includes(file));
  if (dir === undefined) throw new Error(`verifier-cpu: no real-world object ${file}`);
  const obj = readObject(new Uint8Array(readFileSync(new URL(`${dir}/${file}`, root))), { externs: runningKernelExterns });
  return { p: relocateForTarget(obj, obj.link(prog)), flavor: runningKernelFlavor() };
}

/** A tree's verifier: this one, and the --base one when given. */
interface Tree { readonly verify: typeof analyze.verify; readonly clearMemo: () => void; readonly defaultSession: typeof memo.defaultSession }

/** CPU ms of `n` runs of f. */
function cpuMs(n: number, f: () => void): number {
  const u = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000;
}

async function main(args: CpuArgs): Promise<void> {
  const trees: Tree[] = [{ verify: analyze.verify, clearMemo: memo.clearMemo, defaultSession: memo.defaultSession }];
  if (args.base !== undefined) {
    const root = new URL(`file://${args.base.replace(/\/$/, '')}/`);
    if (!existsSync(new URL('src/verifier/analyze.ts', root))) throw new Error(`verifier-cpu: --base ${args.base} has no src/verifier/analyze.ts`);
    const a = await import(new URL('src/verifier/analyze.ts', root).href), m = await import(new URL('src/verifier/memo.ts', root).href);
    trees.push({ verify: a.verify, clearMemo: m.clearMemo, defaultSession: m.defaultSession });
  }

  const names = args.names.flatMap((n) => (n === 'corpus' ? readdirSync(new URL('../corpus/', import.meta.url)).filter((f) => f.endsWith('.o')).sort().map((f) => f.slice(0, -2)) : [n]));
  const progs = names.map((n) => ({ name: n, ...find(n) }));
  const avail = args.kernel ? kernelAvailable() : undefined;
  if (avail && !avail.ok) console.log(`kernel not run: ${avail.reason}`);
  const kernel = avail?.ok === true;
  /** The kernel load's CPU time per program (loads batched like the checks: one load is near the clock's resolution). */
  const loadBest = progs.map(() => Infinity);
  for (const t of trees) for (const { flavor } of progs) t.defaultSession(flavor).tier = 'compiled';
  /** Checks per timed batch: about 20k processed instructions. */
  const batchOf = (processed: number): number => args.batch ?? Math.max(1, Math.round(20_000 / processed));
  const sized = progs.map((x) => ({ ...x, batch: batchOf(analyze.verify(x.p, { flavor: x.flavor }).processed) }));
  const best = trees.map(() => sized.map(() => Infinity));
  const { rounds } = args;
  /** One batch of checks of program k by each tree, `r` choosing the order; CPU ms per check of each. */
  const checkBatch = (k: number, r: number): number[] => {
    const { p, flavor, batch } = sized[k];
    const ms = trees.map(() => NaN);
    // alternate which tree goes first (the second inherits the first's garbage)
    for (const t of r % 2 ? [...trees].reverse() : trees) {
      ms[trees.indexOf(t)] = cpuMs(batch, () => {
        t.clearMemo();
        t.verify(p, { flavor });
      }) / batch;
    }
    return ms;
  };
  const loadBatch = (k: number, n: number): number => cpuMs(n, () => loadProgram(sized[k].p, { info: false }).close()) / n;
  for (let r = 0; r < rounds + 3; r++) {
    sized.forEach(({ batch }, k) => {
      const ms = checkBatch(k, r);
      if (r >= 3) ms.forEach((x, j) => (best[j][k] = Math.min(best[j][k], x)));
      if (kernel) {
        const l = loadBatch(k, batch);
        if (r >= 3) loadBest[k] = Math.min(loadBest[k], l);
      }
    });
  }
  sized.forEach(({ name, batch }, k) => {
    const base = trees.length > 1 ? `; base ${best[1][k].toFixed(3)} ms, this / base ${(best[0][k] / best[1][k]).toFixed(3)}` : '';
    const load = kernel ? `; kernel load ${loadBest[k].toFixed(3)} ms, load / check ${(loadBest[k] / best[0][k]).toFixed(2)}` : '';
    console.log(`${name}: ${best[0][k].toFixed(3)} ms CPU per cold check${base}${load} (min of ${rounds} batches of ${batch})`);
  });
  if (!args.steady) return;

  const rows: SteadyRow[] = sized.map(({ name, batch }, k) => {
    const loads = kernel ? loadsPerBatch(best[0][k], loadBest[k], batch) : undefined;
    let r = 0, lowLoad = Infinity;
    const round = (): number[] => {
      const ms = checkBatch(k, r++);
      if (loads !== undefined) lowLoad = Math.min(lowLoad, loadBatch(k, loads));
      return ms;
    };
    const pw = perWindow(best[0][k], batch);
    const settled = settleWindows(round, pw, MAX_WINDOWS);
    lowLoad = Infinity;
    const low = trees.map(() => Infinity);
    for (let i = 0; i < rounds; i++) round().forEach((x, j) => (low[j] = Math.min(low[j], x)));
    const before = (1 + (rounds + 3) * batch) + settled.batches * batch;
    const row: SteadyRow = { name, check: low, load: loads !== undefined ? lowLoad : undefined, batch, loads, rounds, before, settled, perWindow: pw };
    console.log(steadyLine(row));
    return row;
  });
  if (kernel) {
    const faster = (xs: readonly number[]): string => `${xs.filter((x, k) => x < loadBest[k]).length} of ${xs.length}`;
    const steadyFaster = rows.filter((r) => r.check[0] < r.load!).length;
    console.log(`checks faster than the load: first rounds ${faster(best[0])}; steady ${steadyFaster} of ${rows.length}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = parseCpuArgs(process.argv.slice(2));
    if (args.help) console.log(USAGE);
    else await main(args);
  } catch (e) {
    // bad input is one line; anything else is a bug and keeps its stack
    if (!(e instanceof Error && e.message.startsWith('verifier-cpu: '))) throw e;
    console.error(e.message);
    process.exit(2);
  }
}
