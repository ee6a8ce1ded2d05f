// Incremental re-check against the kernel's load, per corpus program: the bench mutant (the slot
// at 2/3 becomes `goto +0`) re-checked by a cached Incremental, a full check of the same mutant,
// and BPF_PROG_LOAD of the original (root only, log off, maps created and closed). The three run
// in interleaved rounds in this one process, so the shared machine's load drifts over all of
// them alike; the minimum of each is reported. Usage: node --import tsx bench/verifier-incremental.ts [rounds] [name-filter]
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { fromOp } from '../src/isa/op.ts';
import type { Program } from '../src/isa/program.ts';
import { verify } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { loadProgram } from '../src/kernel/load.ts';

/** The bench's candidate: the instruction at 2/3 of the program becomes `goto +0`. */
export function benchMutant(p: Program): Program {
  let i = Math.floor((p.insns.length * 2) / 3);
  while (i > 0 && (p.insns[i].code === 0x18 || p.insns[i - 1].code === 0x18)) i--;
  return { ...p, insns: p.insns.map((x, j) => (j === i ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
}

/** Minimum microseconds of each of fs over `rounds` interleaved rounds (after 3 warm-up rounds). */
function minUs(fs: (() => void)[], rounds: number): number[] {
  for (let r = 0; r < 3; r++) for (const f of fs) f();
  const best = fs.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    fs.forEach((f, k) => {
      const t = performance.now();
      f();
      best[k] = Math.min(best[k], (performance.now() - t) * 1000);
    });
  }
  return best;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 200);
  const filter = process.argv[3] ?? '';
  const dir = new URL('../corpus/', import.meta.url);
  const kernel = kernelAvailable().ok;
  const load0 = loadavg()[0];
  console.log('| program | insns | processed | full check µs | incremental µs | kernel load µs | load / incremental |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.o') && x.includes(filter)).sort()) {
    const p = readObject(readFileSync(new URL(f, dir))).link();
    const m = benchMutant(p);
    const inc = new Incremental(p);
    const full = verify(m), again = inc.check(m);
    if (full.processed !== again.processed || full.ok !== again.ok) throw new Error(`${f}: incremental and full checks differ`);
    const big = full.processed > 5000 ? Math.max(7, rounds >> 4) : rounds;
    const fs = [() => void verify(m), () => void inc.check(m)];
    if (kernel) fs.push(() => void loadProgram(p, { info: false }).close());
    const [c, i, k = NaN] = minUs(fs, big);
    const fmt = (x: number) => (Number.isNaN(x) ? 'not run' : x.toFixed(0));
    console.log(`| ${f.replace(/\.o$/, '')} | ${p.insns.length} | ${full.processed} | ${fmt(c)} | ${fmt(i)} | ${fmt(k)} | ${Number.isNaN(k) ? 'not run' : (k / i).toFixed(1)} |`);
  }
  console.log(`load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; kernel ${kernel ? 'timed' : `not run (${(kernelAvailable() as { reason?: string }).reason ?? 'no bpf()'})`}`);
}
