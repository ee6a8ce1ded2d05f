// The verifier model on the largest real-world programs we have (corpus/realworld: xdp-tools'
// xdpfilt_*_all, libbpf-tools' ksnoop kprobes), against the kernel's BPF_PROG_LOAD of the same
// relocated program in this process (log off; maps created and closed, as bench/verifier.ts).
// Model runs are cold (domain results cache cleared) after two warm-up checks that compile the
// operators; the model and the load are timed in interleaved rounds so that the shared machine's
// load drifts over both. Processed counts: the model's, and the kernel's from one load at log level 1.
import { readFileSync } from 'node:fs';
import { readBpfObject } from '../src/cli/source.ts';
import { relocateForTarget } from '../src/isa/core.ts';
import { fromOp } from '../src/isa/op.ts';
import type { Program } from '../src/isa/program.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { loadProgram } from '../src/kernel/load.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { verify } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { clearMemo, defaultSession } from '../src/verifier/memo.ts';
import type { BenchRow } from './types.ts';

const PROGRAMS: readonly [file: string, program: string][] = [
  ['xdp-tools/xdpfilt_alw_all.o', 'xdpfilt_alw_all'],
  ['xdp-tools/xdpfilt_dny_all.o', 'xdpfilt_dny_all'],
  ['libbpf-tools/ksnoop.bpf.o', 'kprobe_entry'],
  ['libbpf-tools/ksnoop.bpf.o', 'kprobe_return'],
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

/** The candidate bench/verifier.ts times incrementally: the slot at 2/3 becomes `goto +0`. */
function mutant(p: Program): Program {
  let i = Math.floor((p.insns.length * 2) / 3);
  while (i > 0 && (p.insns[i].code === 0x18 || p.insns[i - 1].code === 0x18)) i--;
  return { ...p, insns: p.insns.map((x, j) => (j === i ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const kernel = kernelAvailable().ok;
  const flavor = runningKernelFlavor();
  defaultSession(flavor).tier = 'compiled';
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  for (const [file, name] of PROGRAMS) {
    const obj = readBpfObject(readFileSync(new URL(`../corpus/realworld/objects/${file}`, import.meta.url)));
    const p = relocateForTarget(obj, obj.link(name));
    const v = verify(p, { flavor });
    verify(p, { flavor });
    const inc = new Incremental(p, { flavor });
    const m = mutant(p);
    inc.check(m);
    let kProcessed: number | undefined;
    if (kernel) {
      const r = loadProgram(p, { logLevel: 1, info: false });
      kProcessed = Number(/processed (\d+) insns/.exec(r.log)?.[1] ?? NaN);
      r.close();
    }
    const model: number[] = [], incr: number[] = [], load: number[] = [];
    for (let r = 0; r < rounds; r++) {
      model.push(ms(() => { clearMemo(); verify(p, { flavor }); }));
      incr.push(ms(() => inc.check(m)));
      if (kernel) load.push(ms(() => loadProgram(p, { info: false }).close()));
    }
    const k = kernel ? median(load) : NaN, c = median(model), i = median(incr);
    rows.push({
      name: `check ${name} (${file.split('/')[0]})`, value: c, unit: 'ms',
      note: `${p.insns.length} insns; processed model ${v.processed}${kProcessed !== undefined ? `, kernel ${kProcessed}` : ''}; incremental ${i.toFixed(1)} ms${kernel ? `; kernel load ${k.toFixed(1)} ms; load / check ${(k / c).toFixed(2)}, load / incremental ${(k / i).toFixed(2)}` : '; kernel not run (no bpf())'}`,
    });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) console.log(`${r.name}: ${r.value.toFixed(1)} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
