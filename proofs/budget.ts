// Deterministic limits for proofs: every query is bounded by Z3's resource limit (rlimit), a
// count of Z3's own steps, never by wall-clock time, so a proof's verdict is the same on an idle
// and on a loaded machine. Each property runs in a Z3 instance of its own
// (src/bv/z3-instance.ts): its use ("rlimit count") is then the same on every run, in any order,
// on one machine (another machine may differ by a few units: 18 583 on CI for one claim we count 18 578).
// proofs/rlimits.json records per property its use and a limit of about HEADROOM × that use;
// `bpfsynth prove --write` measures both.
import { readFileSync } from 'node:fs';
import type { Solver } from 'z3-solver';
import { z3Check } from '../src/bv/z3.ts';

/** A limit is HEADROOM × the use rounded up to one significant digit, at least FLOOR. */
export const HEADROOM = 4;
export const FLOOR = 5_000_000;
/** For a property with no recorded use (a new one, or a deliberately broken variant in a test). */
export const DEFAULT_RLIMIT = 300_000_000;

export const RLIMITS_FILE = new URL('./rlimits.json', import.meta.url);

/** proofs/rlimits.json: every proved property's limit and its use under that limit, by budgetKey(). */
export interface RlimitTable {
  z3: string;
  properties: Record<string, { limit: number; used: number }>;
}

export const budgetKey = (name: string, width: number): string => `${width}-bit ${name}`;

let table: RlimitTable | undefined;

export function loadRlimits(): RlimitTable {
  if (!table) {
    try {
      table = JSON.parse(readFileSync(RLIMITS_FILE, 'utf8')) as RlimitTable;
    } catch {
      table = { z3: '', properties: {} };
    }
  }
  return table;
}

/** The resource limit of a property: its recorded limit, or DEFAULT_RLIMIT. */
export function limitFor(name: string, width: number): number {
  return loadRlimits().properties[budgetKey(name, width)]?.limit ?? DEFAULT_RLIMIT;
}

/** The limit for a measured use: HEADROOM × use, rounded up to one significant digit. */
export function limitForUse(used: number): number {
  const x = HEADROOM * used;
  const unit = 10 ** Math.floor(Math.log10(Math.max(1, x)));
  return Math.max(FLOOR, Math.ceil(x / unit) * unit);
}

interface Measured {
  name: string;
  width: number;
  result: string;
  rlimit?: number;
  limit?: number;
}

/**
 * Run a proof for the record. Its count does not depend on the limit it ran under (measured:
 * is_scalar_branch_taken jeq32 took 15 894 477 units under 1.6e7, 4e7 and 1e8), nor on what ran
 * before it (src/bv/z3-instance.ts), so one run measures it: under its recorded limit, or under
 * DEFAULT_RLIMIT when that was not enough, and the new limit is limitForUse of its count.
 */
export async function calibrated<R extends Measured>(run: (rlimit?: number) => Promise<R>): Promise<R> {
  let r = await run();
  if (r.result === 'limit') r = await run(DEFAULT_RLIMIT);
  if (r.result !== 'proved' || r.rlimit === undefined) return r;
  return { ...r, limit: limitForUse(r.rlimit) };
}

/** The table with the limit and use of every proved result put in (others kept as they were). */
export function withUsage(old: RlimitTable, z3: string, results: readonly Measured[]): RlimitTable {
  const props = { ...old.properties };
  for (const r of results) if (r.result === 'proved' && r.rlimit !== undefined && r.limit !== undefined) props[budgetKey(r.name, r.width)] = { limit: r.limit, used: r.rlimit };
  const sorted = Object.fromEntries(Object.keys(props).sort().map((k) => [k, props[k]]));
  return { z3, properties: sorted };
}

/** How a check is run: z3Check (on Z3's own thread) or a fresh instance's checkHere. */
export type SolverCheck = (solver: Solver<'main'>) => Promise<Checked['sat']> | Checked['sat'];

export interface Checked {
  sat: 'sat' | 'unsat' | 'unknown';
  /** Z3's work in the solver's context so far (the count is per context, so a fresh one counts this query alone). */
  used: number;
  limit: number;
}

/** check() under `limit` more resource units; `used` is the count of the solver's context so far (all its checks). */
export async function checkWithin(solver: Solver<'main'>, limit: number, check: SolverCheck = z3Check): Promise<Checked> {
  solver.set('rlimit', limit);
  const sat = await check(solver);
  const stats = solver.statistics();
  const used = stats.keys().includes('rlimit count') ? stats.get('rlimit count') : 0;
  stats.release();
  return { sat, used, limit };
}

/** The verdict of an UNKNOWN answer: 'limit' when Z3 ran out of its budget, else 'unknown'. */
export function undecided(reason: string, used: number, limit: number): { result: 'limit' | 'unknown'; reason: string } {
  return { result: /resource|rlimit|canceled/i.test(reason) || used >= limit ? 'limit' : 'unknown', reason };
}
