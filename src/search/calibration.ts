// Where a calibration lives and how the search reads it: a JSON file in the user's cache
// directory (or one given), turned into the latency model's cost table.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { COST_CLASSES, type Calibration } from '../kernel/calibrate.ts';
import { BUILTIN_COSTS, type CostTable } from './cost.ts';

/** $XDG_CACHE_HOME/bpfsynth/calibration.json (default ~/.cache). */
export function defaultCalibrationPath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'bpfsynth', 'calibration.json');
}

export interface CostModel {
  readonly table: CostTable;
  /** What the table is, for the output: "built-in table" or "calibrated on HOST at DATE (FILE)". */
  readonly source: string;
  readonly calibrated: boolean;
  /** ns of one cost unit on the calibrated machine (absent for the built-in table). */
  readonly unitNs?: number;
}

export const BUILTIN_MODEL: CostModel = { table: BUILTIN_COSTS, source: 'built-in table', calibrated: false };

/** Parse a calibration file's text; an error names the file and what is wrong. */
export function parseCalibration(text: string, where: string): Calibration {
  let c: Calibration;
  try {
    c = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  if (c?.version !== 1 || typeof c.classes !== 'object') throw new Error(`${where}: not a bpfsynth calibration (version 1)`);
  for (const k of COST_CLASSES) {
    const v = c.classes[k]?.cost;
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`${where}: class '${k}' has no positive cost`);
  }
  return c;
}

/** The cost model: the given file, else the cache's calibration when present, else the built-in table. */
export function loadCostModel(path?: string): CostModel {
  const file = path ?? defaultCalibrationPath();
  if (!path && !existsSync(file)) return BUILTIN_MODEL;
  const c = parseCalibration(readFileSync(file, 'utf8'), file);
  const src = `calibrated on ${c.host} (${c.kernel}) at ${c.date.slice(0, 16)}Z (${file})`;
  const indep = c.units?.aluIndependent?.ns;
  if (indep && indep > 0) {
    // In units of an *independent* ALU instruction: a deleted instruction off the critical path
    // (most of them) saves about that, not a dependent one's latency (the old unit over-predicted
    // 4-5x). ALU stays 1; every other class is its measured ns over the independent unit's.
    const table = Object.fromEntries(COST_CLASSES.map((k) => [k, k === 'alu' ? 1 : +Math.max(0.25, c.classes[k].ns / indep).toFixed(3)])) as CostTable;
    return { table, source: `${src}, unit: one independent ALU instruction`, calibrated: true, unitNs: indep };
  }
  const table = Object.fromEntries(COST_CLASSES.map((k) => [k, c.classes[k].cost])) as CostTable;
  return { table, source: src, calibrated: true, unitNs: c.unitNs };
}
