// The trace stage of scripts/mutate-kill.ts: replay recorded kernel answers through the domain
// and report the first case where the model disagrees.
//
// Cases are numbered file after file (corners 0..1999, then the random cases) and replayed
// interleaved, one case of each file in turn, so a mutant that only the second file exposes is
// not made to wait for the whole first one. With `only` (the cases known to reach the active
// mutant, from the initial run's per-case coverage) the other cases are skipped and a file none
// of them is in is not even read.
import { readRecordingFile, recordedFlavor } from '../fuzz/record.ts';
import { bigintOps, compareObs, observeModel } from '../fuzz/domains/observe.ts';
import type { Recorded } from '../fuzz/domains/run.ts';
import { arenaOps, compiledOps } from '../fuzz/domains/backends.ts';
import type { DomainOps } from '../fuzz/domains/observe.ts';
import type { KernelFlavor } from '../src/domains/scalar.ts';
import type { KernelMeta } from '../src/kernel/flavor.ts';

/**
 * The backend a replay runs the domain on: the generic operators on bigints (what the domain
 * tests use), the compiled operators (src/domains/compiled.ts) or the generic operators on the
 * fixed-width arena (src/domains/fixed-scalar.ts), the verifier's two run-time paths.
 */
export type Backend = 'bigint' | 'compiled' | 'fixed';
export const BACKENDS: Record<Backend, (fl: KernelFlavor) => DomainOps> = { bigint: bigintOps, compiled: (fl) => compiledOps(fl), fixed: arenaOps };

/** Sorted, disjoint, inclusive ranges of case numbers. */
export type Ranges = [number, number][];

export function inRanges(r: Ranges, n: number): boolean {
  let lo = 0, hi = r.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (n < r[mid][0]) hi = mid - 1;
    else if (n > r[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Ranges from an ascending list of case numbers. */
export function toRanges(sorted: number[]): Ranges {
  const out: Ranges = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === n - 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

interface Loaded { path: string; meta?: KernelMeta; records: Recorded[]; base: number; ops: DomainOps }

/** Case counts per file, so numbering is known without reading every file. */
export interface TraceOptions {
  paths: readonly string[];
  /** Replay only these case numbers (undefined: all). */
  only?: Ranges;
  /** Called after each case with its number (coverage recording). */
  after?: (n: number) => void;
  /** Called before each case (coverage recording). */
  before?: (n: number) => void;
  /** Number of cases in each file, as recorded by the initial run (needed to skip a file unread). */
  sizes?: number[];
  /** The domain backend (default bigint). */
  backend?: Backend;
}

/** The first disagreement, as one line, or undefined; also the case count of each file read. */
export function replayTraces(o: TraceOptions): { bad?: string; sizes: number[] } {
  const files: Loaded[] = [];
  const sizes: number[] = [];
  let base = 0;
  for (const [k, path] of o.paths.entries()) {
    const size = o.sizes?.[k];
    const wanted = !o.only || size === undefined || o.only.some(([a, b]) => b >= base && a < base + size);
    if (wanted) {
      const { meta, records } = readRecordingFile<Recorded>(path);
      files.push({ path, meta, records, base, ops: BACKENDS[o.backend ?? 'bigint'](recordedFlavor(meta)) });
      sizes.push(records.length);
    } else sizes.push(size!);
    base += sizes[k];
  }
  const longest = Math.max(0, ...files.map((f) => f.records.length));
  for (let i = 0; i < longest; i++) {
    for (const f of files) {
      if (i >= f.records.length) continue;
      const n = f.base + i;
      if (o.only && !inRanges(o.only, n)) continue;
      const rec = f.records[i];
      o.before?.(n);
      let bad: string | undefined;
      try {
        const diff = compareObs(rec.case, rec.kernel, observeModel(rec.case, f.ops));
        bad = diff.length ? `${f.path} case ${i}: ${diff[0]}` : undefined;
      } catch (e) {
        bad = `${f.path} case ${i}: ${(e as Error).message}`;
      }
      o.after?.(n);
      if (bad) return { bad, sizes };
    }
  }
  return { sizes };
}
