// Re-checks of two or more source trees compared in one process: a whole-process comparison of
// two trees is not reliable on a shared machine (a process's level moves by up to 1.7x with no
// change of code, BENCHMARKS "Incremental re-check, seventh pass"), an interleaved one is.
// Each tree (a directory holding src/, bench/ and corpus/, e.g. a `git archive` with node_modules
// linked) is imported whole; per program every tree's own Incremental re-checks the same bench
// candidates (search-mutants.ts, seed 1; 256, or --candidates N: a loop program's batch of 256
// takes seconds, and verifier-incremental.ts asks 32 where a check processes over 500), each
// first checked against that tree's full check; batches rotate through the trees (which goes
// first rotates too); after the warm-up rounds, the median of the timed rounds' CPU time per
// re-check. Give the first tree twice (two paths) for an A/A control. A tree's place in the list
// skews its reading whatever its code, and rotating the order does not remove it (2026-12-07, three
// copies of one tree: the first read 1.05–2.6x slow on the loop programs, the last up to 1.65x
// slow on small ones; cause not found): give a throwaway tree first, two copies of the base, and
// trust only a difference beyond the copies' own. `--deletions`: only the bench candidates that
// delete a slot, removed as the chain removes it (searchCandidates' `deletions`: a candidate of
// another length, re-checked with its renumbering). Usage:
//   node --import tsx bench/incremental-ab.ts [--warm N] [--rounds N] [--candidates N] [--deletions] TREE_A TREE_B [TREE...] [-- PROGRAM...]
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the command line asks for, or the one-line reason it is not understood. */
export interface AbArgs {
  trees: string[];
  programs: string[];
  warm: number;
  rounds: number;
  /** Candidates asked of searchCandidates per program. */
  candidates: number;
  /** Only the candidates that delete slots, removed (`--deletions`). */
  deletions: boolean;
}

/** The programs compared when none are named: the corpus programs whose re-checks are short. */
export const SMALL_PROGRAMS = ['core_task', 'kprobe_counter', 'socket_filter', 'tc_edit', 'tp_counter', 'xdp1', 'xdp_firewall', 'xdp_global_func', 'xdp_lb_hash', 'xdp_map_access', 'xdp_parse_drop', 'xdp_pktcntr', 'xdp_router', 'xdp_subprog', 'xdp_subprogs', 'xdp_swap_tx'];

/** The files a tree must hold to be compared (what this script imports from it). */
const NEEDED = ['src/isa/object.ts', 'src/verifier/analyze.ts', 'src/verifier/incremental.ts', 'bench/search-mutants.ts'];

/** Parse the arguments; `exists` tells whether a path exists (the file system, or a test's). */
export function parseAbArgs(argv: readonly string[], exists: (p: string) => boolean = existsSync): AbArgs | string {
  const out: AbArgs = { trees: [], programs: [], warm: 150, rounds: 30, candidates: 256, deletions: false };
  let i = 0;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i];
    if (a === '--warm' || a === '--rounds' || a === '--candidates') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '--warm' ? 0 : 1)) return `${a} needs a ${a === '--warm' ? 'non-negative' : 'positive'} integer, not ${argv[i] ?? 'nothing'}`;
      if (a === '--warm') out.warm = v;
      else if (a === '--rounds') out.rounds = v;
      else out.candidates = v;
    } else if (a === '--deletions') out.deletions = true;
    else if (a.startsWith('--')) return `unknown option ${a} (known: --warm, --rounds, --candidates, --deletions, --)`;
    else out.trees.push(a);
  }
  out.programs = argv.slice(i + 1);
  if (out.trees.length < 2) return `give at least two trees to compare (got ${out.trees.length})`;
  for (const t of out.trees) {
    const missing = NEEDED.find((f) => !exists(resolve(t, f)));
    if (missing) return `tree ${t} has no ${missing}`;
  }
  if (!out.programs.length) out.programs = SMALL_PROGRAMS.slice();
  for (const p of out.programs) if (!exists(resolve(out.trees[0], 'corpus', `${p}.o`))) return `no corpus program ${p} in ${out.trees[0]}/corpus`;
  return out;
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The verdict's fields a re-check must reproduce. */
const answer = (v: { ok: boolean; error?: unknown; processed: number; totalStates: number; peakStates: number; maxStatesPerInsn: number; stackDepths?: number[] }): string =>
  JSON.stringify([v.ok, v.error, v.processed, v.totalStates, v.peakStates, v.maxStatesPerInsn, v.stackDepths]);

async function main(a: AbArgs): Promise<void> {
  const load = async (t: string) => {
    const at = (f: string) => import(pathToFileURL(resolve(t, f)).href);
    const [obj, an, inc, sm] = await Promise.all(NEEDED.map(at));
    return { obj, an, inc, sm };
  };
  const mods = [];
  for (const t of a.trees) mods.push(await load(t));
  console.log(`| program | ${a.trees.map((t, k) => `tree ${k}: µs per re-check`).join(' | ')} | ${a.trees.slice(1).map((t, k) => `tree ${k + 1} / tree 0`).join(' | ')} |`);
  console.log(`|---|${a.trees.map(() => '---:').join('|')}|${a.trees.slice(1).map(() => '---:').join('|')}|`);
  for (const name of a.programs) {
    const sets = mods.map((m) => {
      const p = m.obj.readObject(readFileSync(resolve(a.trees[0], 'corpus', `${name}.o`))).link();
      const ms = (m.sm.searchCandidates(p, a.candidates, 1, a.deletions) as { prog: unknown; oldToNew?: Int32Array }[]).filter((c) => !a.deletions || c.oldToNew);
      const inc = new m.inc.Incremental(p);
      for (const x of ms) if (answer(inc.check(x.prog, x.oldToNew)) !== answer(m.an.verify(x.prog))) throw new Error(`${name}: a re-check differs from the full check`);
      return { inc, ms };
    });
    const times: number[][] = sets.map(() => []);
    for (let r = 0; r < a.warm + a.rounds; r++) {
      for (let k = 0; k < sets.length; k++) {
        const j = (k + r) % sets.length, s = sets[j];
        const c = process.cpuUsage();
        for (const x of s.ms) s.inc.check(x.prog, x.oldToNew);
        const d = process.cpuUsage(c);
        if (r >= a.warm) times[j].push((d.user + d.system) / s.ms.length);
      }
    }
    const m = times.map(median);
    console.log(`| ${name} | ${m.map((x) => x.toFixed(2)).join(' | ')} | ${m.slice(1).map((x) => (x / m[0]).toFixed(2)).join(' | ')} |`);
  }
  a.trees.forEach((t, k) => console.log(`tree ${k}: ${t}`));
  console.log(`${a.candidates} candidates asked per program${a.deletions ? ' (only those deleting slots kept)' : ''}, ${a.warm} warm-up rounds, medians of ${a.rounds}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const a = parseAbArgs(process.argv.slice(2));
  if (typeof a === 'string') {
    console.error(`incremental-ab: ${a}`);
    process.exit(2);
  }
  main(a).catch((e: unknown) => {
    console.error(`incremental-ab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
