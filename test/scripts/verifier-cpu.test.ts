// scripts/verifier-cpu.ts's command line and --steady's pieces: the window driver of
// bench/settle.ts on made-up series, the sizes of windows and load batches, the printed line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { settleWindows } from '../../bench/settle.ts';
import { parseCpuArgs, perWindow, loadsPerBatch, steadyLine, USAGE, WINDOW_MS, MAX_WINDOWS } from '../../scripts/verifier-cpu.ts';

const t = suite('scripts/verifier-cpu');

t('parseCpuArgs: defaults, flags and programs', () => {
  assert.equal(parseCpuArgs(['xdp_loop']), { rounds: 8, batch: undefined, base: undefined, kernel: false, steady: false, help: false, names: ['xdp_loop'] });
  const a = parseCpuArgs(['--kernel', '--steady', '--rounds', '32', '--batch', '5', '--base', '/tmp/b', 'corpus', 'ksnoop.bpf.o/kprobe_entry']);
  assert.equal([a.kernel, a.steady, a.rounds, a.batch, a.base, a.names], [true, true, 32, 5, '/tmp/b', ['corpus', 'ksnoop.bpf.o/kprobe_entry']]);
  assert.is(parseCpuArgs(['--help']).help, true);
});

t('parseCpuArgs: bad input is a one-line error naming the option', () => {
  for (const [argv, re] of [
    [['--rounds', '0', 'x'], /--rounds must be a positive integer, not '0'/],
    [['--rounds', '3.5', 'x'], /--rounds/],
    [['--batch', 'many', 'x'], /--batch must be a positive integer, not 'many'/],
    [['--steddy', 'x'], /steddy/],
    [[], /no program named/],
  ] as [string[], RegExp][]) {
    try {
      parseCpuArgs(argv);
      assert.unreachable(`${argv.join(' ')} was accepted`);
    } catch (e) {
      const m = (e as Error).message;
      assert.match(m, re);
      assert.ok(m.startsWith('verifier-cpu: ') && !m.includes('\n'), m);
    }
  }
});

t('--help describes --steady', () => {
  assert.match(USAGE, /--steady/);
  assert.match(USAGE, /settled/);
});

t('window and load batch sizes', () => {
  // 30 checks of 0.2 ms: 6 ms a batch, 17 batches make the first window of >= 100 ms
  assert.is(perWindow(0.2, 30), Math.ceil(WINDOW_MS / 6));
  assert.is(perWindow(30, 1), 4);
  assert.is(perWindow(150, 1), 1);
  // loads of about the batch's time, at least one, at most the batch
  assert.is(loadsPerBatch(0.2, 0.17, 30), 30);
  assert.is(loadsPerBatch(0.2, 0.5, 30), 12);
  assert.is(loadsPerBatch(0.017, 1.6, 1000), 11);
  assert.is(loadsPerBatch(0.01, 100, 2), 1);
  fc.assert(fc.property(fc.double({ min: 1e-3, max: 100, noNaN: true }), fc.double({ min: 1e-3, max: 100, noNaN: true }), fc.integer({ min: 1, max: 5000 }), (c, l, b) => {
    const n = loadsPerBatch(c, l, b), w = perWindow(c, b);
    return Number.isInteger(n) && n >= 1 && n <= b && Number.isInteger(w) && w >= 1 && (w === 1 || (w - 1) * c * b < WINDOW_MS);
  }), { numRuns: 300 });
});

/** A made-up series: batch i's figure per series. */
const series = (...fs: ((i: number) => number)[]) => {
  let i = 0;
  return () => {
    const xs = fs.map((f) => f(i));
    i++;
    return xs;
  };
};

t('settleWindows: a level reached settles five windows later; the lowest batch of a window counts', () => {
  // falls until batch 20, then flat with every third batch twice as high (a compile, a neighbour)
  const s = settleWindows(series((i) => (i < 20 ? 1 + (20 - i) / 10 : 1) * (i % 3 === 0 ? 2 : 1)), 4, MAX_WINDOWS);
  assert.is(s.capped, false);
  assert.is(s.windows.length, 1);
  assert.ok(s.windows[0].every((w, k) => k === 0 || w <= s.windows[0][k - 1]), 'window lows never rise here');
  assert.is(s.windows[0].at(-1), 1);
  assert.is(s.batches, 4 * s.windows[0].length);
  // the last new low by more than 5% came five windows before the end
  const ws = s.windows[0], last = ws.length - 6;
  assert.ok(ws[last] < 0.95 * Math.min(...ws.slice(0, last)) || last === 0);
});

t('settleWindows: a series still falling is capped; two series settle together', () => {
  const c = settleWindows(series((i) => 100 * 0.9 ** i), 2, 12);
  assert.equal([c.capped, c.batches, c.windows[0].length], [true, 24, 12]);
  // the second series halves until batch 30 and settles five windows after: both must have
  const two = settleWindows(series(() => 1, (i) => (i < 30 ? 2 ** (30 - i) : 1)), 1, MAX_WINDOWS);
  assert.is(two.capped, false);
  assert.is(two.windows[0].length, two.windows[1].length);
  assert.is(two.batches, 36);
  // a slow fall (1% a window) is within the margin: settled after five windows
  assert.is(settleWindows(series((i) => 100 - i), 1, MAX_WINDOWS).batches, 6);
  assert.throws(() => settleWindows(series(() => 1), 0, 5), /per window/);
  assert.throws(() => settleWindows(series(() => 1), 1, 0), /cap/);
});

t('steadyLine: the figure, the checks it took, base and load when measured', () => {
  const settled = { windows: [[0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]], batches: 70, capped: false };
  const row = { name: 'xdp_csum_loop', check: [0.16], load: 0.18, batch: 30, loads: 34, rounds: 32, before: 3181, settled, perWindow: 10 };
  assert.is(steadyLine(row), 'xdp_csum_loop: steady 0.160 ms CPU per cold check after 3181 checks (2100 to settle in 7 windows of 10 batches); kernel load 0.180 ms, load / check 1.13 (min of 32 batches of 30, 34 loads after each)');
  const line = steadyLine({ ...row, check: [0.16, 0.2], load: undefined, loads: undefined, settled: { ...settled, windows: [settled.windows[0], settled.windows[0]], capped: true } });
  assert.match(line, /; base 0\.200 ms, this \/ base 0\.800 \(min of 32 batches of 30\)$/);
  assert.match(line, /, capped\)/);
  assert.not.match(line, /kernel/);
});

t.run();
