// `bpfsynth selftest`: the kernel's verifier selftests as the model's conformance suite.
import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import { UsageError, InputError } from './errors.ts';
import { writeAtomic } from './io.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { runningKernelFlavor } from '../kernel/flavor.ts';
import { LINUX_6_18, flavorNamed } from '../domains/scalar.ts';
import { DEFAULT_OBJ_DIR } from '../selftest/objects.ts';
import { answersByKey, DEFAULT_RECORD, readRecording, mergeRecording, UNPRIV_RECORD } from '../selftest/record.ts';
import { runSuite } from '../selftest/run.ts';
import { lastLine, summarize } from '../selftest/classify.ts';
import { featureCounts, featureTable, judgedRow } from '../selftest/table.ts';

export const selftestCmd: Command = {
  name: 'selftest',
  summary: "run the kernel's verifier selftests against the model",
  usage: `usage: bpfsynth selftest [--filter RE] [--unpriv] [--json] [--replay | --record] [--all]

Runs the Linux verifier selftests (tools/testing/selftests/bpf/progs, built by
scripts/selftests/build.sh into ${DEFAULT_OBJ_DIR}) through the verifier model and compares
each verdict with the running kernel's (root), or with the kernel's answers recorded in
${DEFAULT_RECORD} (--replay, and always without root). A test the kernel does not satisfy
(its verdict, __msg or __retval differ from the annotation) is listed apart and not held
against the model. __msg patterns are looked for in the model's log, __retval is checked
against the interpreter. Prints the disagreements, the gaps by feature and a last line
  selftests: N agree, N false accepts, N false rejects, N message mismatches, N skipped
Exit status 1 when the model accepts a program the kernel rejects.

  --filter RE    only tests whose 'file.c:name' or description matches RE
  --unpriv       also the unprivileged runs (__success_unpriv / __failure_unpriv): the
                 kernel loads them without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN/CAP_NET_ADMIN
                 (recorded in ${UNPRIV_RECORD}), the model with --privilege unpriv;
                 each privilege level gets its own summary line before the total
  --json         one JSON object: summary, features and every run
  --replay       use the recorded kernel answers even when bpf() works
  --record       write the kernel's answers to ${DEFAULT_RECORD} (needs root)
  --all          list agreeing runs too
  --objects DIR  built selftest objects (default ${DEFAULT_OBJ_DIR})`,
  options: {
    filter: { type: 'string' }, unpriv: { type: 'boolean' }, json: { type: 'boolean' }, replay: { type: 'boolean' },
    record: { type: 'boolean' }, all: { type: 'boolean' }, objects: { type: 'string' },
  },
  positionals: [0, 0],
  run(args) {
    let filter: RegExp | undefined;
    const f = str(args, 'filter');
    if (f !== undefined) {
      try {
        filter = new RegExp(f);
      } catch (e) {
        throw new UsageError(`--filter: ${(e as Error).message}`);
      }
    }
    if (flag(args, 'replay') && flag(args, 'record')) throw new UsageError('--replay and --record exclude each other');
    const live = !flag(args, 'replay') && kernelAvailable().ok;
    if (flag(args, 'record') && !live) {
      const k = kernelAvailable();
      throw new InputError(`--record needs the kernel: ${k.ok ? 'disabled by --replay' : k.reason}`);
    }
    let kernel: 'live' | ReturnType<typeof answersByKey> = 'live';
    let source = 'running kernel';
    // the model verifies as the kernel that answers (or answered) does
    let flavor = LINUX_6_18;
    if (!live) {
      const rec = readRecording();
      if (!rec) throw new InputError(`${DEFAULT_RECORD}: no recorded kernel answers and bpf() is not available`);
      kernel = new Map([...answersByKey(rec), ...answersByKey(readRecording(UNPRIV_RECORD))]);
      source = `recorded answers of ${rec.kernel} (${DEFAULT_RECORD})`;
      if (rec.flavor) flavor = flavorNamed(rec.flavor);
    } else flavor = runningKernelFlavor();
    const dir = str(args, 'objects') ?? DEFAULT_OBJ_DIR;
    const tty = process.stderr.isTTY && !flag(args, 'json');
    const r = runSuite({
      dir, filter, unpriv: flag(args, 'unpriv'), kernel, flavor,
      onProgress: tty ? (d, n) => { if (d % 50 === 0 || d === n) process.stderr.write(`\r${d}/${n} runs`); } : undefined,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    if (!r.specs.length) throw new InputError(`${dir}: no selftest objects (run scripts/selftests/build.sh)`);
    if (flag(args, 'record')) {
      for (const [mode, path] of [['priv', DEFAULT_RECORD], ['unpriv', UNPRIV_RECORD]] as const) {
        const asked = r.asked.filter((a) => a.mode === mode);
        if (!asked.length) continue;
        writeAtomic(path, mergeRecording(asked, flavor.name, path).text);
        console.error(`recorded ${asked.length} kernel answers in ${path}`);
      }
    }
    const s = summarize(r.judged);
    const byMode = flag(args, 'unpriv')
      ? { priv: summarize(r.judged.filter((j) => j.mode === 'priv')), unpriv: summarize(r.judged.filter((j) => j.mode === 'unpriv')) }
      : undefined;
    if (flag(args, 'json')) {
      console.log(JSON.stringify({ kernel: source, summary: s, ...(byMode ? { byPrivilege: byMode } : {}), features: featureCounts(r.judged), runs: r.judged }, null, 1));
    } else {
      console.log(`kernel: ${source}`);
      const shown = flag(args, 'all') ? r.judged : r.judged.filter((j) => j.outcome !== 'agree');
      for (const j of shown) console.log(judgedRow(j));
      console.log(featureTable(r.judged));
      console.log(`verdict agreement ${(100 * s.verdictAgreement).toFixed(1)}% of ${s.compared} runs the kernel satisfies; __msg matched ${(100 * s.msgMatchRate).toFixed(1)}%; ${s.retvalMismatches} retval mismatches; ${s.kernelDeviates} runs the kernel does not satisfy (set apart)`);
      if (byMode) {
        for (const [mode, m] of Object.entries(byMode)) {
          console.log(`${mode === 'priv' ? 'privileged  ' : 'unprivileged'} ${lastLine(m)} (verdict agreement ${(100 * m.verdictAgreement).toFixed(1)}% of ${m.compared}, __msg ${(100 * m.msgMatchRate).toFixed(1)}%)`);
        }
      }
      console.log(lastLine(s));
    }
    return s.falseAccepts ? 1 : 0;
  },
};
