// `bpfsynth prove`: run the Z3 proofs of the domains and report.
import type { Command } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { UsageError } from './errors.ts';
import { writeAtomic } from './io.ts';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ProofResult } from '../../proofs/runner.ts';

export const proveCmd: Command = {
  name: 'prove',
  summary: 'prove the domain operators sound with Z3',
  usage: `usage: bpfsynth prove [NAME…] [--width 8|16|32|64] [--rlimit N] [--list] [--json] [--write]

Runs the Z3 proofs of the tnum and scalar-bounds domains: soundness of every operator (the
code that runs, instantiated over Z3 bit-vectors), tnum mul at 64 bits by induction over its
loop, fully unrolled 8-bit cross-checks of both muls, optimality of tnum add and sub, and
soundness of the scalar ALU transfer functions. NAME selects properties whose name contains it.

  --width W     width of the width-generic tnum properties (default 64)
  --rlimit N    Z3 resource limit for every property (default: 4 × its recorded use in
                proofs/rlimits.json; a property never measured gets 300000000)
  --list        list the properties instead of proving them
  --json        one JSON object per result
  --write       write proofs/REPORT.md and proofs/report.json, and record each proved
                property's resource use in proofs/rlimits.json (with NAME: only the
                selected properties' rows and limits change)

  --jobs N      solver processes at once (default: min(2, CPUs)); each runs a batch of
                properties in a fresh Z3, and a batch whose process dies is run again
  --isolate     one property per process (each property already runs in a Z3 instance of
                its own, so its work is the same either way; this also separates crashes)

Every query is bounded by Z3's resource limit (a count of its own steps), never by time, so
a verdict does not depend on the machine's load; each property runs in a fresh Z3 instance,
so its work does not depend on what ran before it either.
A property that uses up its limit is reported as 'limit', not proved.
A counterexample is printed as concrete inputs in kernel notation and replayed with the
concrete backend. Exit code 1 when any property is not proved.`,
  options: { width: { type: 'string' }, rlimit: { type: 'string' }, list: { type: 'boolean' }, json: { type: 'boolean' }, write: { type: 'boolean' }, jobs: { type: 'string' }, batch: { type: 'string' }, isolate: { type: 'boolean' } },
  positionals: [0, 100],
  async run(args) {
    const width = intOpt(args, 'width', 64);
    if (![8, 16, 32, 64].includes(width)) throw new UsageError('--width must be 8, 16, 32 or 64');
    const rlimitArg = str(args, 'rlimit');
    const rlimit = rlimitArg === undefined ? undefined : intOpt(args, 'rlimit', 0);
    if (rlimit !== undefined && rlimit <= 0) throw new UsageError('--rlimit must be a positive count');
    const { catalogue, reportMarkdown } = await import('../../proofs/suite.ts');
    const { formatResult } = await import('../../proofs/runner.ts');
    const names = args.positionals;
    const jobs = catalogue(width).filter((j) => !names.length || names.some((n) => j.name.includes(n) || j.group.includes(n)));
    if (!jobs.length) throw new UsageError(`no property matches ${names.join(', ')} (see --list)`);
    if (flag(args, 'list')) {
      for (const j of jobs) console.log(`${j.group.padEnd(16)} ${String(j.width).padStart(2)}-bit  ${j.name}`);
      return 0;
    }
    const t0 = performance.now();
    const batch = str(args, 'batch');
    if (batch !== undefined) {
      // a child of the command below: prove jobs [a, b) of the selection, one JSON line each
      const [a, b] = batch.split(':').map(Number);
      const { calibrated } = await import('../../proofs/budget.ts');
      const write = flag(args, 'write') && rlimit === undefined;
      for (const j of jobs.slice(a, b)) console.log(JSON.stringify(toJson({ ...(await (write ? calibrated((l) => j.run(l)) : j.run(rlimit))), group: j.group })));
      // end explicitly: a child that had proved 21 properties was seen to stay alive, idle, after its
      // last line (Z3's instances leave something behind), and the parent waits for it to close
      process.exit(0);
    }
    const show = (r: ProofResult & { group: string }): void => console.log(flag(args, 'json') ? JSON.stringify(toJson(r)) : formatResult(r));
    const results = await runBatches(jobs.length, flag(args, 'isolate') ? 1 : BATCH, intOpt(args, 'jobs', Math.min(2, availableParallelism())), (a, b) => ['prove', ...names, '--width', String(width), ...(rlimit ? ['--rlimit', String(rlimit)] : []), ...(flag(args, 'write') ? ['--write'] : []), '--batch', `${a}:${b}`], jobs.map((j) => ({ name: j.name, width: j.width, group: j.group })), show);
    const seconds = (performance.now() - t0) / 1000;
    const bad = results.filter((r) => r.result !== 'proved').length;
    if (flag(args, 'write')) {
      const z3 = (await import('z3-solver/package.json', { with: { type: 'json' } })).default.version as string;
      // a selection updates its own rows of the report and keeps the others
      const all = names.length ? mergedReport(results) : results;
      // the wall time is the last full run's: a selection's rows ran at another time, and a sum of
      // rows that ran side by side is no one's wall time
      const total = names.length ? lastFullRunSeconds() ?? seconds : seconds;
      writeAtomic('proofs/REPORT.md', reportMarkdown(all, z3, total));
      writeAtomic('proofs/report.json', JSON.stringify({ z3, seconds: total, results: all.map(toJson) }, null, 1) + '\n');
      const { loadRlimits, withUsage } = await import('../../proofs/budget.ts');
      writeAtomic('proofs/rlimits.json', JSON.stringify(withUsage(loadRlimits(), z3, results), null, 1) + '\n');
    }
    if (!flag(args, 'json')) console.log(`prove: ${results.length - bad} proved, ${bad} not proved, ${seconds.toFixed(1)} s`);
    return bad ? 1 : 0;
  },
};

type Result = ProofResult & { group: string };

/** A result as JSON (bigints of a counterexample as hex strings), and back. */
const toJson = (r: Result) => ({ ...r, counterexample: r.counterexample && Object.fromEntries(Object.entries(r.counterexample).map(([k, v]) => [k, `0x${v.toString(16)}`])) });
const fromJson = (x: ReturnType<typeof toJson>): Result => ({ ...x, counterexample: x.counterexample && Object.fromEntries(Object.entries(x.counterexample).map(([k, v]) => [k, BigInt(v)])) });

/** proofs/report.json's results with those of `fresh` put in place of the same property's. */
/** The wall time of the last whole-suite run, from proofs/report.json (undefined when unreadable). */
function lastFullRunSeconds(): number | undefined {
  try {
    const s = (JSON.parse(readFileSync('proofs/report.json', 'utf8')) as { seconds?: unknown }).seconds;
    return typeof s === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

function mergedReport(fresh: Result[]): Result[] {
  let old: Result[] = [];
  try {
    old = (JSON.parse(readFileSync('proofs/report.json', 'utf8')) as { results: ReturnType<typeof toJson>[] }).results.map(fromJson);
  } catch {
    return fresh;
  }
  const key = (r: Result): string => `${r.width}-bit ${r.name}`;
  const byKey = new Map(fresh.map((r) => [key(r), r]));
  const merged = old.map((r) => byKey.get(key(r)) ?? r);
  const seen = new Set(old.map(key));
  return [...merged, ...fresh.filter((r) => !seen.has(key(r)))];
}

const BATCH = 24;

/**
 * Run jobs [0, n) in child processes, `parallel` at once, BATCH per process: Z3's WebAssembly
 * build was seen to hang or slow down after a hundred queries in one process, and two
 * processes use both cores. Results print in catalogue order. A batch whose process dies is
 * run again once from where it stopped; what is still missing then is reported as unknown.
 */
async function runBatches(n: number, batch: number, parallel: number, argv: (a: number, b: number) => string[], meta: { name: string; width: number; group: string }[], show: (r: Result) => void): Promise<Result[]> {
  const results: (Result | undefined)[] = new Array(n);
  let shown = 0;
  const flush = (): void => {
    while (shown < n && results[shown]) show(results[shown++]!);
  };
  const bin = new URL('../../bin/bpfsynth.js', import.meta.url).pathname;
  const runBatch = (a: number, b: number): Promise<number> => new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv(a, b)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '', i = a;
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) results[i++] = fromJson(JSON.parse(line));
      }
      flush();
    });
    child.on('close', () => resolve(i));
  });
  const queue: [number, number][] = [];
  for (let a = 0; a < n; a += batch) queue.push([a, Math.min(n, a + batch)]);
  const worker = async (): Promise<void> => {
    for (let q = queue.shift(); q; q = queue.shift()) {
      let done = await runBatch(q[0], q[1]);
      if (done < q[1]) done = await runBatch(done, q[1]);
      for (let i = done; i < q[1]; i++) results[i] ??= { ...meta[i], result: 'unknown', ms: 0, reason: 'the solver process stopped' };
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  flush();
  return results as Result[];
}
