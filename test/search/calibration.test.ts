// The calibration file: where it lives, how it is checked, and that the search's latency model
// takes it when present and says which table it uses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_MODEL, defaultCalibrationPath, loadCostModel, parseCalibration } from '../../src/search/calibration.ts';
import { COST_CLASSES } from '../../src/kernel/calibrate.ts';
import { latency, BUILTIN_COSTS } from '../../src/search/cost.ts';
import { toOps } from '../../src/isa/op.ts';
import { assemble } from '../../src/isa/asm.ts';

const t = suite('search/calibration');
const dir = mkdtempSync(join(tmpdir(), 'bpfsynth-cal-'));
const cal = (cost: (c: string) => number) => ({
  version: 1, host: 'h', cpu: 'c', kernel: '6.18', date: '2026-12-04T20:00:00.000Z', unitNs: 0.25, copies: 256, rounds: 20, timing: 'bpf_stats',
  classes: Object.fromEntries(COST_CLASSES.map((k) => [k, { ns: 1, low: 1, high: 1, cost: cost(k) }])),
});

t('the cache path follows XDG_CACHE_HOME', () => {
  const old = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = '/x/cache';
  assert.is(defaultCalibrationPath(), '/x/cache/bpfsynth/calibration.json');
  process.env.XDG_CACHE_HOME = join(dir, 'empty');
  assert.is(loadCostModel(), BUILTIN_MODEL); // no file: the built-in table, and it says so
  assert.is(BUILTIN_MODEL.source, 'built-in table');
  if (old === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = old;
});

t('a calibration file becomes the cost table, named in the source', () => {
  const f = join(dir, 'c.json');
  writeFileSync(f, JSON.stringify(cal((k) => (k === 'atomic' ? 25 : 1))));
  const m = loadCostModel(f);
  assert.ok(m.calibrated);
  assert.match(m.source, /calibrated on h \(6\.18\)/);
  const atomic = toOps(assemble('lock *(u64 *)(r10 -8) += r1').insns)[0]!;
  assert.is(latency(atomic, m.table), 25);
  assert.is(latency(atomic, BUILTIN_COSTS), 8);
});

t('bad files: one-line errors naming the file', () => {
  assert.throws(() => parseCalibration('{', 'f.json'), /^f\.json: not JSON/);
  assert.throws(() => parseCalibration('{"version":2}', 'f.json'), /f\.json: not a bpfsynth calibration/);
  assert.throws(() => parseCalibration(JSON.stringify(cal((k) => (k === 'div' ? 0 : 1))), 'f.json'), /class 'div' has no positive cost/);
});

t.run();
