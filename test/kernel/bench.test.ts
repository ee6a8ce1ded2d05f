// Timing under the JIT (kernel bench, calibrate): the round order, the refusal for types without
// test_run, and — with root — that a known heavy program is measured slower. No wall-clock
// asserts: only interleaved ratios whose expected size dwarfs any noise.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { benchPrograms, benchUnsupported, roundOrder } from '../../src/kernel/bench.ts';
import { neighbourCounts, orderStream, williamsRows } from '../../src/kernel/bench-order.ts';
import { classProgram, unitProgram } from '../../src/kernel/calibrate.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { assemble } from '../../src/isa/asm.ts';
import { fdCount } from './util.ts';

const t = suite('kernel/bench');
const avail = kernelAvailable();
const live = (name: string, fn: () => void) => t(name, () => {
  if (!avail.ok) {
    console.log(`  skipped (${name}): ${avail.reason}`);
    return;
  }
  fn();
});

const packet = new Uint8Array(64);
const xdp = (lines: string[]) => bareProgram(assemble([...lines, 'r0 = 2', 'exit'].join('\n')).insns, 'xdp');

t('round order: every program once per round, each first equally often (AB, BA, …)', () => {
  assert.equal([0, 1, 2, 3].map((r) => roundOrder(2, r)), [[0, 1], [1, 0], [0, 1], [1, 0]]);
  for (let n = 1; n <= 5; n++) {
    const firsts = new Array(n).fill(0);
    for (let r = 0; r < 2 * n; r++) {
      const o = roundOrder(n, r);
      assert.equal([...o].sort(), Array.from({ length: n }, (_, i) => i));
      firsts[o[0]]++;
    }
    assert.ok(firsts.every((f) => f === 2));
  }
});

t('balanced order: every program after every other equally often; the rotation gave each one fixed predecessor', () => {
  for (let n = 2; n <= 6; n++) {
    const rows = williamsRows(n);
    for (const row of rows) assert.equal([...row].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    // within the rows, each ordered pair of distinct programs is adjacent equally often
    const pairs = new Map<string, number>();
    for (const row of rows) for (let i = 1; i < n; i++) pairs.set(`${row[i - 1]}>${row[i]}`, (pairs.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
    assert.is(pairs.size, n * (n - 1), `n=${n}`);
    assert.is(new Set(pairs.values()).size, 1, `n=${n}`);
  }
  // a bench's call groups (40 rounds × 2 inputs × 3 tries, A, B, control, harness) back to back,
  // rows joined: each program's three possible predecessors within 25% of each other
  const next = orderStream(4, 1);
  const bal = neighbourCounts(4, 240, () => next());
  for (let j = 0; j < 4; j++) {
    const before = bal.map((row, i) => (i === j ? -1 : row[j])).filter((c) => c >= 0);
    assert.ok(Math.min(...before) >= 0.75 * Math.max(...before), `program ${j}: ${before}`);
  }
  // the old rotation: program 0 ran after program 3 (the harness) in nearly every call
  const rot = neighbourCounts(4, 240, (g) => roundOrder(4, Math.floor(g / 6)));
  assert.ok(rot[3][0] > 3 * (rot[1][0] + rot[2][0]), `${rot.map((r) => r[0])}`);
});

t('types without test_run or without repeat are refused with the reason, before loading anything', () => {
  assert.match(benchUnsupported(bareProgram([], 'kprobe'))!, /not available for kprobe/);
  assert.match(benchUnsupported(bareProgram([], 'tracepoint'))!, /not available for tracepoint/);
  assert.match(benchUnsupported(bareProgram([], 'raw_tracepoint'))!, /no repeat/);
  assert.is(benchUnsupported(bareProgram([], 'xdp')), undefined);
  const r = benchPrograms([bareProgram([], 'kprobe')], [{ presets: [], inputs: [packet] }]);
  assert.equal(r, { ok: false, reason: 'kernel test_run: not available for kprobe' });
});

live('64 divisions are measured slower than none, by far more than the noise; fds are all closed', () => {
  const before = fdCount();
  const r = benchPrograms([classProgram('baseline', 0), classProgram('div', 64)], [{ presets: [], inputs: [packet] }], { rounds: 10, harness: true, control: true });
  assert.ok(r.ok, !r.ok ? r.reason : '');
  if (!r.ok) return;
  const x = r.ratios[1]!;
  assert.is(x.verdict, 'slower');
  assert.ok(x.low > 1.2, `ratio ${x.low}…${x.high}`); // ~64 × 3 ns over a ~50 ns harness
  assert.ok(r.programs[1].jitedLen > r.programs[0].jitedLen);
  assert.ok(r.harnessNs! > 0);
  // the A/A control: a second load set of the baseline, timed in the same 10 rounds; identical
  // code cannot differ by the 64 divisions' margin
  assert.is(r.control?.n, 10);
  assert.ok(r.control!.median > 0.8 && r.control!.median < 1.25, `control ${r.control!.median}`);
  // a fresh load set per round by default: the intervals' unit is the round
  assert.equal(r.copyOfRound, Array.from({ length: 10 }, (_, k) => k));
  assert.is(x.n, 10);
  assert.is(fdCount(), before); // one load per round: 10 copies of 4 programs, all closed
});

live('the off-path unit programs load; taken branches cost more than untaken ones, independent ALU less than dependent', () => {
  const pk = new Uint8Array(64);
  const r = benchPrograms([unitProgram('baseline', 128), unitProgram('jmpTaken', 128), classProgram('baseline', 128), classProgram('jmp', 128), unitProgram('aluIndependent', 128), classProgram('alu', 128)], [{ presets: [], inputs: [pk] }], { rounds: 12 });
  assert.ok(r.ok, !r.ok ? r.reason : '');
  if (!r.ok) return;
  const net = (i: number, base: number) => r.programs[i].rounds.map((t, k) => t - r.programs[base].rounds[k]).sort((a, b) => a - b)[6];
  // 128 taken branches against 128 untaken: a fetch redirect each (measured 0.18 vs 0.07 ns)
  assert.ok(net(1, 0) > net(3, 2), `taken ${net(1, 0)} ns, untaken ${net(3, 2)} ns`);
  assert.ok(net(4, 0) < net(5, 2), `independent ${net(4, 0)} ns, dependent ${net(5, 2)} ns`);
});

live('fewer copies than rounds: each reused in turn, the interval over the copies; fds all closed', () => {
  const before = fdCount();
  const r = benchPrograms([classProgram('baseline', 0), classProgram('div', 64)], [{ presets: [], inputs: [packet] }], { rounds: 14, copies: 7, control: true });
  assert.ok(r.ok, !r.ok ? r.reason : '');
  if (!r.ok) return;
  assert.equal(r.copyOfRound, [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6]);
  assert.equal([r.ratios[1]!.n, r.ratios[1]!.rounds, r.control!.n], [7, 14, 7]);
  assert.is(r.ratios[1]!.verdict, 'slower');
  assert.is(fdCount(), before);
  // fewer than 6 copies cannot give a 95% interval: refused with the reason, nothing left open
  const few = benchPrograms([classProgram('baseline', 0)], [{ presets: [], inputs: [packet] }], { rounds: 10, copies: 5, control: true });
  assert.equal(few, { ok: false, reason: '5 load sets are too few for a 95% interval (need at least 6)' });
  assert.is(fdCount(), before);
});

live('an input test_run refuses is left out and counted', () => {
  const r = benchPrograms([xdp([])], [{ presets: [], inputs: [packet, new Uint8Array(4)] }], { rounds: 6, repeat: 100 });
  assert.ok(r.ok);
  if (r.ok) assert.equal([r.inputs, r.skippedInputs], [1, 1]);
});

t.run();
