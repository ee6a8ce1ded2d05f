// Kernel oracle throughput: program loads per second (log levels 0/1/2), test_run calls per
// second, and the full-64 harness. Needs root; returns no rows otherwise.
import { bareProgram } from '../src/isa/program.ts';
import { encodeBytes } from '../src/isa/insn.ts';
import { fromOp } from '../src/isa/op.ts';
import { kernelAvailable, closeFd } from '../src/kernel/syscall.ts';
import { loadProgram, loadRaw } from '../src/kernel/load.ts';
import { testRun, Full64Runner } from '../src/kernel/testrun.ts';

export type BenchRow = { name: string; value: number; unit: string; note?: string };

/** Calls of f per second over about `ms` milliseconds. */
function rate(f: () => void, ms = 700): number {
  for (let i = 0; i < 50; i++) f(); // warm up
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 100; i++) f();
    n += 100;
    t = performance.now();
  }
  return Math.round((n * 1000) / (t - t0));
}

export async function bench(): Promise<BenchRow[]> {
  const a = kernelAvailable();
  if (!a.ok) return [];
  const rows: BenchRow[] = [];
  // r0 = 0; r0 += 1 ... (8 insns) ; exit: a small straight-line program
  const insns = [
    ...fromOp({ kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 0 } }),
    ...Array.from({ length: 8 }, (_, i) => fromOp({ kind: 'alu', op: 'add', width: 64, dst: 0, src: { imm: i } })).flat(),
    ...fromOp({ kind: 'exit' }),
  ];
  const code = encodeBytes(insns);
  const note = `${insns.length}-insn xdp program, load + close`;
  for (const logLevel of [0, 1, 2] as const) {
    const v = rate(() => {
      const r = loadRaw('xdp', code, 'GPL', { logLevel });
      if (r.fd < 0) throw new Error(`load failed: errno ${r.errno}`);
      closeFd(r.fd);
    });
    rows.push({ name: `kernel load/s (log_level ${logLevel})`, value: v, unit: 'loads/s', note });
  }
  const prog = bareProgram(insns, 'xdp');
  rows.push({
    name: 'kernel loadProgram/s (log_level 0, with prog info)',
    value: rate(() => loadProgram(prog).close()),
    unit: 'loads/s',
    note,
  });
  const loaded = loadProgram(prog);
  const data = new Uint8Array(64);
  rows.push({ name: 'kernel test_run/s', value: rate(() => testRun(loaded.fd!, { data })), unit: 'runs/s', note: '64-byte packet, repeat 1' });
  const inKernel = testRun(loaded.fd!, { data, repeat: 100000 });
  rows.push({ name: 'kernel test_run in-kernel time per run', value: inKernel.duration, unit: 'ns', note: 'repeat 100000, as the kernel reports' });
  loaded.close();
  const o = Full64Runner.open(prog);
  if (o.ok) {
    rows.push({ name: 'kernel Full64Runner.run/s', value: rate(() => o.runner.run({ data })), unit: 'runs/s', note: 'test_run + r0 map write/read, no user maps' });
    o.runner.close();
  }
  return rows;
}

// `npx tsx bench/kernel.ts` prints the rows.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
