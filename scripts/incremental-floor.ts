// How close the incremental re-check is to the least an exact resume must run. For each corpus
// program's bench candidates (bench/search-mutants.ts seed 1: 256, or 32 where a check processes
// over 500 instructions), the candidate's and the baseline's full explorations are recorded step
// by step (the instruction and the whole state before each step, as text) and compared:
// - run: instructions the resumed re-check runs (processed, less those skipped by resuming and
//   those spared by a rejoin);
// - least: instructions from the step before the first one whose state differs (0 when the
//   exploration is the baseline's at every step): what a re-check that resumes from the baseline,
//   even with a snapshot before every step, and never rejoins must still run;
// - identical: candidates whose exploration is the baseline's at every step.
// Counts only (no timing), so it may run beside other work.
//
//   node --import tsx scripts/incremental-floor.ts [NAME-FILTER]
// Prints a markdown table, means per candidate.
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import type { Program } from '../src/isa/program.ts';
import { verify, run, freshCtx, cfgOrReject } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { searchCandidates } from '../bench/search-mutants.ts';

/** A state as text: bigints as decimals, without the frames' copy-on-write flag (how a copy was made, not what it holds). */
const asText = (k: string, v: unknown): unknown => (k === 'shared' ? undefined : typeof v === 'bigint' ? v.toString() : v);

/** The exploration of p step by step ("pc:state" before each step); empty when the static checks reject it. */
export function steps(p: Program): string[] {
  const cfg = cfgOrReject(p, true);
  if ('ok' in cfg) return [];
  const out: string[] = [];
  run(p, cfg, {}, freshCtx(p.insns.length), (c, pc) => void out.push(`${pc}:${JSON.stringify(c.path.state, asText)}`));
  return out;
}

/** Per candidate means: instructions processed, run by the re-check, the least an exact resume runs; candidates identical throughout. */
export interface Floor {
  candidates: number;
  processed: number;
  run: number;
  least: number;
  identical: number;
}

export function floorOf(p: Program): Floor | undefined {
  const ms = searchCandidates(p, verify(p).processed > 500 ? 32 : 256, 1, false);
  if (!ms.length) return undefined;
  const base = steps(p);
  const inc = new Incremental(p);
  let processed = 0, ran = 0, least = 0, identical = 0;
  for (const m of ms) {
    const skipped = inc.stats.skippedInsns, joined = inc.stats.joinedInsns;
    const v = inc.check(m.prog, m.oldToNew);
    processed += v.processed;
    ran += v.processed - (inc.stats.skippedInsns - skipped) - (inc.stats.joinedInsns - joined);
    const mine = steps(m.prog);
    let d = 0;
    while (d < mine.length && d < base.length && mine[d] === base[d]) d++;
    if (mine.length && d === mine.length && d === base.length) {
      identical++;
      continue;
    }
    // the step before d left the first differing state: it is the first a resume must run
    least += Math.max(0, v.processed - Math.max(0, d - 1));
  }
  const k = ms.length;
  return { candidates: k, processed: processed / k, run: ran / k, least: least / k, identical };
}

function main(): void {
  const filter = process.argv[2] ?? '';
  const dir = new URL('../corpus/', import.meta.url);
  console.log('| program | candidates | processed, mean | run today, mean | least without a rejoin, mean | identical |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.o') && x.includes(filter)).sort()) {
    const r = floorOf(readObject(readFileSync(new URL(f, dir))).link());
    if (r) console.log(`| ${f.replace(/\.o$/, '')} | ${r.candidates} | ${r.processed.toFixed(0)} | ${r.run.toFixed(1)} | ${r.least.toFixed(1)} | ${r.identical} |`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
