// How close the incremental re-check is to the least an exact resume must run. For each corpus
// program's bench candidates (bench/search-mutants.ts seed 1: 256, or 32 where a check processes
// over 500 instructions), the candidate's and the baseline's full explorations are recorded step
// by step (the instruction and a copy of the whole state before each step) and compared as the
// incremental checker's rejoin test compares states (rejoin.ts sameState):
// - run: instructions the resumed re-check runs (processed, less those skipped by resuming,
//   those spared by a rejoin and the baseline's register steps taken over, replay.ts);
// - least: instructions from the step before the first one whose state differs (0 when the
//   exploration is the baseline's at every step): what a re-check that resumes from the baseline,
//   even with a snapshot before every step, and neither rejoins nor takes steps over must still run;
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
import { sameState } from '../src/verifier/rejoin.ts';
import { type State, cloneState } from '../src/verifier/state.ts';
import { searchCandidates } from '../bench/search-mutants.ts';

/** One step of an exploration: the instruction and a copy of the state before it. */
export interface Step {
  pc: number;
  state: State;
}

/** The exploration of p step by step; empty when the static checks reject it. */
export function steps(p: Program): Step[] {
  const cfg = cfgOrReject(p, true);
  if ('ok' in cfg) return [];
  const out: Step[] = [];
  run(p, cfg, {}, freshCtx(p.insns.length), (c, pc) => void out.push({ pc, state: cloneState(c.path.state) }));
  return out;
}

/** How many steps the two explorations share from the start. */
export function sharedSteps(a: readonly Step[], b: readonly Step[]): number {
  let d = 0;
  while (d < a.length && d < b.length && a[d].pc === b[d].pc && sameState(a[d].state, b[d].state)) d++;
  return d;
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
    const skipped = inc.stats.skippedInsns, joined = inc.stats.joinedInsns, taken = inc.stats.takenInsns;
    const v = inc.check(m.prog, m.oldToNew);
    processed += v.processed;
    ran += v.processed - (inc.stats.skippedInsns - skipped) - (inc.stats.joinedInsns - joined) - (inc.stats.takenInsns - taken);
    const mine = steps(m.prog);
    const d = sharedSteps(mine, base);
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
