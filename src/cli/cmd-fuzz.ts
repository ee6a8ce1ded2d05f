// `bpfsynth fuzz <target>`: differential fuzzing against the running kernel, or replay of a
// recording of the kernel's answers.
import type { Command } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { InputError, UsageError } from './errors.ts';

const TARGETS = ['domains'] as const;

export const fuzzCmd: Command = {
  name: 'fuzz',
  summary: 'differential fuzzing against the kernel (domains)',
  usage: `usage: bpfsynth fuzz domains [--count N] [--seed S] [--record FILE] [--replay FILE] [--json]

domains   generate programs that build two scalars through random ALU operations and
          branches, load each in the kernel at log_level 2 and compare the register states the
          verifier logs with our tnum/bounds domain, step by step.

  --count N       cases to generate (default 1000)
  --seed S        generator seed (default 1); the same seed gives the same cases
  --record FILE   also write the kernel's answers as JSON lines (gzip if FILE ends in .gz)
  --replay FILE   compare against a recording instead of the live kernel (no root needed)
  --json          print the summary as JSON

The last line reads 'fuzz domains: N cases, K mismatches'; the exit code is 1 when K > 0.
A mismatch is shrunk and printed as the program with both answers.`,
  options: {
    count: { type: 'string' }, seed: { type: 'string' }, record: { type: 'string' }, replay: { type: 'string' }, json: { type: 'boolean' },
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
    const { fuzzDomains, replayDomains } = await import('../../fuzz/domains/run.ts');
    let report;
    if (replay) {
      try {
        report = replayDomains(replay, (d) => progress(d, 0));
      } catch (e) {
        throw new InputError(`${replay}: ${(e as Error).message}`);
      }
    } else {
      const { kernelAvailable } = await import('../kernel/syscall.ts');
      const k = kernelAvailable();
      if (!k.ok) throw new InputError(`the kernel is not available (${k.reason}); use --replay with a recording`);
      const { runKernel } = await import('../../fuzz/domains/kernel.ts');
      const { Recorder } = await import('../../fuzz/record.ts');
      const rec = recordPath ? new Recorder(recordPath) : undefined;
      report = fuzzDomains({ count, seed, runKernel, record: rec ? (r) => rec.add(r) : undefined, onProgress: progress });
      rec?.save();
    }
    if (tty) process.stderr.write('\n');
    for (const e of report.examples) console.log(e);
    if (flag(args, 'json')) console.log(JSON.stringify({ target, cases: report.cases, mismatches: report.mismatches, seconds: report.seconds }));
    console.log(`fuzz ${target}: ${report.cases} cases, ${report.mismatches} mismatches`);
    return report.mismatches > 0 ? 1 : 0;
  },
};
