// `bpfsynth calibrate`: measure per-instruction-class costs on this machine's JIT and store
// them where `optimize --objective latency` finds them.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { InputError, UsageError } from './errors.ts';
import { writeAtomic } from './io.ts';

export const calibrateCmd: Command = {
  name: 'calibrate',
  summary: "measure per-instruction-class costs on this machine's JIT for the latency objective",
  usage: `usage: bpfsynth calibrate [--out FILE] [--rounds N] [--copies N] [--json]

For each instruction class of the latency model (alu, mul, div, end, ldx, st, stx, atomic,
lddw, call, jmp) times an XDP program of N copies of one instruction of that class against
the same program without them, under the JIT with BPF_PROG_TEST_RUN, in interleaved rounds
(root). A class's cost is the median per-round difference / N, with a 95% distribution-free
interval, and in units of one ALU instruction. The result is stored as JSON in the cache
(\$XDG_CACHE_HOME/bpfsynth/calibration.json, default ~/.cache/...) or --out;
'optimize --objective latency' uses the cache's calibration when present (and says so).

  --out FILE    where to write the calibration (default: the cache file)
  --rounds N    interleaved rounds (default 20; at least 6)
  --copies N    instructions per class program (default 256)
  --json        print the calibration as JSON`,
  options: { out: { type: 'string' }, rounds: { type: 'string' }, copies: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [0, 0],
  async run(args) {
    const rounds = intOpt(args, 'rounds', 20);
    if (rounds < 6) throw new UsageError('--rounds must be at least 6');
    const copies = intOpt(args, 'copies', 256);
    if (copies < 1 || copies > 4096) throw new UsageError('--copies must be 1 … 4096');
    const { kernelAvailable } = await import('../kernel/syscall.ts');
    const k = kernelAvailable();
    if (!k.ok) throw new InputError(`the kernel is not available: ${k.reason} (nothing was measured)`);
    const { calibrate, COST_CLASSES } = await import('../kernel/calibrate.ts');
    const { defaultCalibrationPath } = await import('../search/calibration.ts');
    const tty = process.stderr.isTTY && !flag(args, 'json');
    const r = calibrate({ rounds, copies, onRound: tty ? (d, n) => process.stderr.write(`\rround ${d}/${n}`) : undefined });
    if (tty) process.stderr.write('\r\x1b[K');
    if (!r.ok) throw new InputError(`calibrate: ${r.reason}`);
    const out = str(args, 'out') ?? defaultCalibrationPath();
    mkdirSync(dirname(out), { recursive: true });
    writeAtomic(out, JSON.stringify(r.calibration, null, 2) + '\n');
    const c = r.calibration;
    if (flag(args, 'json')) console.log(JSON.stringify({ ...c, file: out }));
    else {
      console.log(`${c.cpu}, kernel ${c.kernel}: ${c.rounds} rounds, ${c.copies} copies per class, timed by ${c.timing}`);
      console.log(`${'class'.padEnd(15)}${'ns/insn'.padStart(9)}${'95% interval'.padStart(20)}${'cost'.padStart(8)}`);
      for (const name of COST_CLASSES) {
        const x = c.classes[name];
        console.log(`${name.padEnd(15)}${x.ns.toFixed(3).padStart(9)}${`${x.low.toFixed(3)} … ${x.high.toFixed(3)}`.padStart(20)}${x.cost.toFixed(2).padStart(8)}`);
      }
      for (const [name, x] of Object.entries(c.units ?? {})) {
        console.log(`${name.padEnd(15)}${x.ns.toFixed(3).padStart(9)}${`${x.low.toFixed(3)} … ${x.high.toFixed(3)}`.padStart(20)}${x.cost.toFixed(2).padStart(8)}`);
      }
      console.log(`cost unit: one dependent ALU instruction = ${c.unitNs.toFixed(3)} ns`);
      if (c.units) console.log(`the search's model counts in independent ALU instructions (${c.units.aluIndependent.ns.toFixed(3)} ns): most of a parser runs beside its dependent chain`);
      console.log(`wrote ${out}`);
    }
    return 0;
  },
};
