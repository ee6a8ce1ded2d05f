// `bpfsynth fuzz <target>`: differential fuzzing against the running kernel, or replay of a
// recording of the kernel's answers.
import type { Command } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { InputError, UsageError } from './errors.ts';
import { flavorNamed } from '../domains/scalar.ts';

const TARGETS = ['domains', 'interp', 'verifier'] as const;

export const fuzzCmd: Command = {
  name: 'fuzz',
  summary: 'differential fuzzing against the kernel (domains, interp, verifier)',
  usage: `usage: bpfsynth fuzz domains|interp|verifier [--count N] [--seed S] [--record FILE] [--replay FILE] [--json] [--verbose]

domains   generate programs that build two scalars through random ALU operations and
          branches, load each in the kernel at log_level 2 and compare the register states the
          verifier logs with our tnum/bounds domain, step by step.

interp    generate programs the verifier accepts (every instruction group, branches, loops,
          a bpf-to-bpf call, packet access, context fields, map lookups/updates/deletes,
          csum_diff, bpf_trace_printk, bpf_ringbuf_output), of types xdp, tc, socket_filter
          (with LD_ABS/LD_IND and skb_load_bytes) and raw_tracepoint; run each on 1-3 packets
          (raw_tracepoint: argument bytes) with the kernel's BPF_PROG_TEST_RUN (all 64 bits of
          r0) and in our interpreter; compare r0, the packet, every map, the ringbuf records
          (read through mmap, drained after every run) and, when tracefs is mounted and
          writable, the trace_printk messages (read from its trace file).

verifier  near-miss programs (mutants of the corpus and of generated programs): our verifier
          model's verdict against the kernel's; where both accept, every register state the
          kernel's log_level 2 log prints (after each instruction, at branch targets) is
          compared with the model's state at the same point of the same path: scalars exactly
          (var_off and the eight bounds), pointers by type, offset and range. A state mismatch
          is one (instruction visit, register) pair that differs.

  --count N       cases (interp: programs) to generate (default 1000)
  --seed S        generator seed (default 1); the same seed gives the same cases
  --record FILE   also write the kernel's answers as JSON lines (gzip if FILE ends in .gz)
  --replay FILE   compare against a recording instead of the live kernel (no root needed)
  --json          print the summary as JSON
  --corners       domains: the targeted precision corners (u64 ranges across 2^63 and up to
                  2^64 - 1 with 32-bit ranges inside, constant shifts by 0, w-1, w, w+1)
  --verbose       verifier: print the first 20 state mismatches (kernel's text and ours) and
                  their programs, instead of 3

The last line reads 'fuzz domains: N cases, K mismatches' or 'fuzz interp: N programs,
M runs, K mismatches' or 'fuzz verifier: N programs, A agree, FA false-accepts, FR
false-rejects, S state mismatches (P% of C register states equal)'; the exit code is 1 when
K > 0 (verifier: FA > 0). Mismatches print as the program (kernel
syntax) with both answers; domain mismatches are shrunk first.`,
  options: {
    count: { type: 'string' }, seed: { type: 'string' }, record: { type: 'string' }, replay: { type: 'string' }, json: { type: 'boolean' },
    verbose: { type: 'boolean' }, corners: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run(args) {
    const target = args.positionals[0];
    if (!TARGETS.includes(target as (typeof TARGETS)[number])) throw new UsageError(`fuzz: unknown target '${target}' (have: ${TARGETS.join(', ')})`);
    const count = intOpt(args, 'count', 1000);
    const seed = intOpt(args, 'seed', 1);
    const replay = str(args, 'replay');
    const recordPath = str(args, 'record');
    if (replay && recordPath) throw new UsageError('--record and --replay exclude each other');
    const tty = process.stderr.isTTY;
    const t0 = performance.now();
    const progress = (done: number, bad: number): void => {
      if (tty) process.stderr.write(`\r${done} cases, ${bad} mismatches, ${(done / ((performance.now() - t0) / 1000)).toFixed(0)} cases/s `);
    };
    if (target === 'interp') return fuzzInterpCmd(args, count, seed, replay, recordPath, progress, tty);
    if (target === 'verifier') return fuzzVerifierCmd(args, count, seed, replay, recordPath, tty);
    const { fuzzDomains, replayDomains } = await import('../../fuzz/domains/run.ts');
    let report;
    if (replay) {
      try {
        report = replayDomains(replay, (d) => progress(d, 0));
      } catch (e) {
        throw new InputError(`${replay}: ${(e as Error).message}`);
      }
    } else {
      const { runKernel } = await import('../../fuzz/domains/kernel.ts');
      const { Recorder } = await import('../../fuzz/record.ts');
      const meta = await needKernel();
      const rec = recordPath ? new Recorder(recordPath, meta) : undefined;
      report = fuzzDomains({ flavor: flavorNamed(meta.flavor), count, seed, corners: flag(args, 'corners'), runKernel, record: rec ? (r) => rec.add(r) : undefined, onProgress: progress });
      rec?.save();
    }
    if (tty) process.stderr.write('\n');
    for (const e of report.examples) console.log(e);
    if (flag(args, 'json')) console.log(JSON.stringify({ target, cases: report.cases, mismatches: report.mismatches, seconds: report.seconds }));
    console.log(`fuzz ${target}: ${report.cases} cases, ${report.mismatches} mismatches`);
    return report.mismatches > 0 ? 1 : 0;
  },
};

/** Checks bpf() works, models the running kernel's flavor, and returns what a recording should say about it. */
async function needKernel(): Promise<import('../kernel/flavor.ts').KernelMeta> {
  const { kernelAvailable } = await import('../kernel/syscall.ts');
  const k = kernelAvailable();
  if (!k.ok) throw new InputError(`the kernel is not available (${k.reason}); use --replay with a recording`);
  const { kernelMeta, runningKernelFlavor } = await import('../kernel/flavor.ts');
  return kernelMeta(runningKernelFlavor());
}

async function fuzzInterpCmd(args: Parameters<Command['run']>[0], count: number, seed: number, replay: string | undefined, recordPath: string | undefined, progress: (d: number, b: number) => void, tty: boolean): Promise<number> {
  const { fuzzInterp, replayInterp } = await import('../../fuzz/interp/run.ts');
  let report;
  if (replay) {
    try {
      report = replayInterp(replay, progress);
    } catch (e) {
      throw new InputError(`${replay}: ${(e as Error).message}`);
    }
  } else {
    const meta = await needKernel();
    const { kernelRecord, printkSupport } = await import('../../fuzz/interp/kernel.ts');
    const { Recorder } = await import('../../fuzz/record.ts');
    const pk = printkSupport();
    if (!pk.ok) console.log(`note: trace_printk messages are not compared: ${pk.reason}`);
    const rec = recordPath ? new Recorder(recordPath, meta) : undefined;
    report = fuzzInterp({ count, seed, kernel: kernelRecord, record: rec ? (r) => rec.add(r) : undefined, onProgress: progress });
    rec?.save();
  }
  if (tty) process.stderr.write('\n');
  for (const e of report.examples) console.log(e);
  if (report.rejected) console.log(`note: the kernel rejected ${report.rejected} generated programs (a generator bug: they are not counted as runs)`);
  console.log(`runs by program type: ${Object.entries(report.byType).map(([k, v]) => `${k} ${v}`).join(', ')}; printk compared in ${report.printkRuns} runs; ringbuf compared in ${report.ringbufRuns} runs (${report.ringbufRecords} records)`);
  if (flag(args, 'json')) console.log(JSON.stringify({ target: 'interp', programs: report.programs, runs: report.runs, mismatches: report.mismatches, rejected: report.rejected, printkRuns: report.printkRuns, ringbufRuns: report.ringbufRuns, ringbufRecords: report.ringbufRecords, byType: report.byType, seconds: report.seconds }));
  console.log(`fuzz interp: ${report.programs} programs, ${report.runs} runs, ${report.mismatches} mismatches`);
  return report.mismatches > 0 || report.rejected > 0 ? 1 : 0;
}

async function fuzzVerifierCmd(args: Parameters<Command['run']>[0], count: number, seed: number, replay: string | undefined, recordPath: string | undefined, tty: boolean): Promise<number> {
  const { fuzzVerifier, replayVerifier, stateAgreement } = await import('../../fuzz/verifier/run.ts');
  type Report = ReturnType<typeof replayVerifier>;
  const verbose = flag(args, 'verbose');
  const keepDiffs = verbose ? 20 : 3;
  const t0 = performance.now();
  const progress = (r: Report): void => {
    if (tty && r.programs % 50 === 0) {
      process.stderr.write(`\r${r.programs} programs, ${r.falseAccepts} FA, ${r.falseRejects} FR, ${r.stateMismatches} state mismatches, ${(r.programs / ((performance.now() - t0) / 1000)).toFixed(0)} programs/s `);
    }
  };
  let r: Report;
  if (replay) {
    try {
      r = replayVerifier(replay, { keepDiffs }, progress);
    } catch (e) {
      throw new InputError(`${replay}: ${(e as Error).message}`);
    }
  } else {
    const meta = await needKernel();
    const { kernelVerdict } = await import('../../fuzz/verifier/kernel.ts');
    const { Recorder } = await import('../../fuzz/record.ts');
    const rec = recordPath ? new Recorder(recordPath, meta) : undefined;
    r = fuzzVerifier({ flavor: flavorNamed(meta.flavor), count, seed, kernel: (p) => kernelVerdict(p), record: rec ? (x) => rec.add(x) : undefined, keepDiffs, onProgress: progress });
    rec?.save();
  }
  if (tty) process.stderr.write('\n');
  for (const e of r.examples) console.log(e);
  for (const [why, n] of Object.entries(r.reasons).sort((a, b) => b[1] - a[1]).slice(0, verbose ? 30 : 5)) console.log(`${n}× ${why}`);
  const shown = new Set<string>();
  for (const d of r.diffs) {
    console.log(`state mismatch (${d.source}): insn ${d.pc} R${d.reg}, ${d.where}\n  kernel: ${d.kernel}\n  model:  ${d.model}`);
    if (verbose && !shown.has(d.code)) {
      shown.add(d.code);
      console.log(`  program: ${d.code}`);
    }
  }
  const pct = (100 * stateAgreement(r)).toFixed(3);
  if (flag(args, 'json')) console.log(JSON.stringify({ target: 'verifier', ...r, stateAgreement: stateAgreement(r), examples: undefined, diffs: undefined }));
  console.log(`states: ${r.statesCompared} register states compared in ${r.programsWithStates} programs both accept, ${r.statesEqual} equal; ${r.statesUncompared} more printed on paths the model walked differently; ${r.countDiffs} programs with different processed counts; ${r.seconds.toFixed(1)} s`);
  console.log(`fuzz verifier: ${r.programs} programs, ${r.agree} agree, ${r.falseAccepts} false-accepts, ${r.falseRejects} false-rejects, ${r.stateMismatches} state mismatches (${pct}% of ${r.statesCompared} register states equal)`);
  return r.falseAccepts > 0 ? 1 : 0;
}
