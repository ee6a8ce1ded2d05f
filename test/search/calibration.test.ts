// The calibration file: where it lives, how it is checked, and that the search's latency model
// takes it when present and says which table it uses.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_MODEL, defaultCalibrationPath, loadCostModel, parseCalibration } from '../../src/search/calibration.ts';
import { COST_CLASSES } from '../../src/kernel/calibrate.ts';
import { latency, BUILTIN_COSTS } from '../../src/search/cost.ts';
import { toOps } from '../../src/isa/op.ts';
import { assemble } from '../../src/isa/asm.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('search/calibration');
const dir = tempDir('bpfsynth-cal-');
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

t('a calibration with the off-path units counts in independent ALU instructions', () => {
  const f = join(dir, 'u.json');
  const c = cal(() => 1);
  // dependent ALU 0.16 ns, independent 0.05, stack load 0.07, atomic 6.0, call 3.0
  const ns: Record<string, number> = { alu: 0.16, ldx: 0.07, atomic: 6, call: 3, lddw: 0.001 };
  for (const k of COST_CLASSES) c.classes[k] = { ns: ns[k] ?? 0.1, low: 0, high: 1, cost: (ns[k] ?? 0.1) / 0.16 };
  writeFileSync(f, JSON.stringify({ ...c, unitNs: 0.16, units: { aluIndependent: { ns: 0.05, low: 0.04, high: 0.06, cost: 0.3 }, ldxPacket: { ns: 0.06, low: 0, high: 1, cost: 0.4 }, jmpTaken: { ns: 0.18, low: 0, high: 1, cost: 1.1 } } }));
  const m = loadCostModel(f);
  assert.is(m.unitNs, 0.05);
  assert.match(m.source, /unit: one independent ALU instruction/);
  assert.is(m.table.alu, 1);
  assert.is(m.table.ldx, 1.4);
  assert.is(m.table.atomic, 120);
  assert.is(m.table.call, 60);
  assert.is(m.table.lddw, 0.25); // floored: a slot is never free
  // without units (older files): the dependent unit, the file's costs as written
  writeFileSync(f, JSON.stringify(cal((k) => (k === 'atomic' ? 25 : 1))));
  assert.is(loadCostModel(f).table.atomic, 25);
  assert.is(loadCostModel(f).unitNs, 0.25);
});

t('bad files: one-line errors naming the file', () => {
  assert.throws(() => parseCalibration('{', 'f.json'), /^f\.json: not JSON/);
  assert.throws(() => parseCalibration('{"version":2}', 'f.json'), /f\.json: not a bpfsynth calibration/);
  assert.throws(() => parseCalibration(JSON.stringify(cal((k) => (k === 'div' ? 0 : 1))), 'f.json'), /class 'div' has no positive cost/);
});

t.run();
