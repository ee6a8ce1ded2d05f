// `bpfsynth optimize`: K2-style superoptimization of one program of an object.
import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import { InputError, UsageError, located } from './errors.ts';
import { checkOutputPath, readInput, writeAtomic } from './io.ts';
import { readBpfObject, progTypeArg } from './source.ts';
import { optimize, WINDOWS_FROM } from '../search/optimize.ts';
import { optimizeAll } from './optimize-all.ts';
import { checkWritten, formatCheck, unsafeInput, type Check, type FinalCheck } from '../search/final-check.ts';
import { PRIVILEGES, type Privilege } from '../search/privilege.ts';
import type { VerifierConfig } from '../verifier/config.ts';
import { EquivService } from '../smt/isolated.ts';
import { runningKernelFlavor } from '../kernel/flavor.ts';
import { perf, sizeOfPerf } from '../search/cost.ts';
import { BUILTIN_MODEL, loadCostModel } from '../search/calibration.ts';
import { describeConfirmation, selectMeasured, type Confirmation, type Selection } from '../search/measured.ts';
import { describeRatio } from './cmd-kernel-bench.ts';
import type { RatioEstimate } from '../kernel/ratio.ts';
import { writeOptimized, sharedFuncs } from '../search/output.ts';
import { relocateForTarget } from '../isa/core.ts';
import { Original, undeleted } from '../search/candidate.ts';
import { availableParallelism } from 'node:os';
import { describeTarget, firstMissing, formatKernelVersion, parseTarget, TargetError, type Target } from '../isa/target.ts';
import { formatOp } from '../isa/disasm.ts';
import { inlineStart } from '../search/inline-start.ts';
import type { BpfObject } from '../isa/object.ts';
import type { Program } from '../isa/program.ts';

function duration(s: string | undefined): number {
  if (s === undefined) return 60_000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (!m) throw new UsageError(`--budget takes a duration like 60s, 500ms or 2m, not '${s}'`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

export const optimizeCmd: Command = {
  name: 'optimize',
  summary: 'make a program smaller or faster, validated, as a new object',
  usage: `usage: bpfsynth optimize IN.o -o OUT.o [--section S | --all] [--type T] [--budget 60s] [--seed N] [--chains N]
                         [--iterations N] [--objective size|latency] [--measure-top K] [--measure-rounds N]
                         [--confirm-rounds N]
                         [--calibration FILE] [--btf FILE] [--target T]
                         [--assume-exclusive-maps] [--privilege root|unpriv] [--windows auto|on|off] [--no-inline] [--json]

Stochastic search (K2's Metropolis-Hastings) over the program's straight-line instructions,
with K2's moves plus idiom rewrites (atomic add, constant and merged stores, merged loads,
wide block moves).
Candidates pass two cheap pre-filters (registers read before any path defines them; ALU the
kernel forbids on pointers), then run on ~60 test inputs in the interpreter (frames truncated
on both sides of each bounds check among them). A new best must pass the verifier model, Z3
equivalence and, when the kernel is there, the kernel verifier and BPF_PROG_TEST_RUN on every
test. Deleted instructions are really removed (jumps, relocations, symbols and .BTF.ext fixed),
never padded with 'goto +0'. The written object is read back and checked again; a result that
fails any check is not written (OUT.o then gets the unchanged input, and the reason is printed;
the refused result goes to OUT.refused.o, its candidate to OUT.refused.json, to reproduce).
OUT's directory must exist and be writable, and OUT must not be IN: checked before the search.
Ctrl-C stops the search and writes the best result validated so far (after the same final
checks); a second Ctrl-C quits without writing.

  -o, --output OUT    where to write the object (required)
  --section S         program or section (default: the first program)
  --all               every program of the object, in turn, into one OUT (the budget split
                      evenly; a program that cannot be optimized is kept, with the reason)
  --type T            program type instead of the section's (applied before linking)
  --budget T          search time (default 60s; 500ms, 10s, 2m)
  --seed N            random seed (default 1): chain i uses seed + i
  --chains N          chains searching at once, one per worker thread (default: min(2, CPUs))
                      (more than the CPUs: a warning, and as many as there are CPUs)
  --iterations N      stop each chain after N candidates: with a seed, the search is repeatable
  --objective O       size (instruction count, default; equal sizes ranked by latency) or
                      latency (estimated cost per instruction class: a calibration from
                      'bpfsynth calibrate' when one is in the cache, else the built-in table)
  --measure-top K     time the K best distinct validated variants against the original in
                      the kernel (default 4; 0: do not time). latency: the fastest whose gain
                      is significant (95% interval below 1) if fresh rounds confirm it (below),
                      else the smallest not slower; size: the smallest not measured slower
                      beyond the noise
  --measure-rounds N  interleaved rounds of that timing (default 60; at least 6)
  --confirm-rounds N  latency: the winner timed again against the original in N new rounds
                      with an A/A control, and written only if its interval there is below 1
                      and below the control's (the best of K timed at 95% is often a chance
                      winner). Default: as --measure-rounds; 0: no confirmation (the winner of
                      the first timing is written unconfirmed); else at least 6
  --calibration FILE  a calibration to use instead of the cache's
  --allow-unsafe-input  optimize a program the kernel (without root: the verifier model)
                      rejects; otherwise that is an error (exit 1)
  --btf FILE          target BTF for CO-RE relocations (default: /sys/kernel/btf/vmlinux).
                      The search runs on the relocated program with relocated instructions
                      left alone, and must also prove the result with the relocated values
                      moved; the output keeps the compile-time values and the relocations
  --target T          what the output must run on: an ISA level v1..v4 (as llc's -mcpu) and/or
                      a kernel release (6.1 or kernel=6.1), comma-separated, e.g. v2 or
                      v3,kernel=5.15. Default: the running kernel and the highest ISA level it
                      runs (printed). The search makes only instructions the target has (v4:
                      also sign-extending loads and moves), an input using one it lacks is an
                      error, and the final check refuses a result that does
  --assume-exclusive-maps
                      no one else writes the maps while the program runs: allows rewrites
                      valid only then (merging or caching map reads, plain <-> atomic updates,
                      changed map-helper arguments). The output is labelled with this
                      condition. Default: maps are shared; the search leaves map accesses and
                      the values flowing to and from map state unchanged
  --windows W         auto (default), on or off: search windows instead of the whole program:
                      short straight-line regions, heaviest first (test visits x cost), each
                      run only on the machine states the tests reach it with, so a candidate
                      costs the window, not the program; each window's replacement is proved
                      alone in Z3 (live-out registers, stack, packet, maps) while the search
                      goes on, verdicts cached; the assembled program is then validated whole
                      as always. auto: for programs of 400 instructions or more; --chains is
                      not used (one search)
  --privilege P       the loader the result is for: root (default) or unpriv (no CAP_BPF,
                      CAP_PERFMON, CAP_SYS_ADMIN): the verifier model checks every candidate
                      with the unprivileged rules, and as root the kernel also loads each
                      validated candidate and the written result unprivileged (the check
                      'kernel verifier (unprivileged)'; not run without root). The input must
                      load unprivileged too, or it is an error (--allow-unsafe-input)
  --no-inline         do not start from the program with its bpf-to-bpf calls inlined. By
                      default each call of a callee that can be inlined safely (a leaf with no
                      tail call or callback, writing no r6-r9 the caller reads after the call,
                      r10 used only as a base or in 'rX = r10; rX += K', the frames together
                      within 512 bytes) is replaced by the callee's body, its stack moved below
                      the caller's; the result is checked against the input (verifier model,
                      interpreter and kernel test_run on tests, kernel verifier, Z3 with calls
                      run in frames of their own) and, when all passed (size objective: and it
                      is smaller), the search starts from it and it is written if the search
                      finds nothing better
  --json              machine-readable summary`,
  options: { output: { type: 'string', short: 'o' }, section: { type: 'string' }, budget: { type: 'string' }, seed: { type: 'string' }, chains: { type: 'string' }, iterations: { type: 'string' }, objective: { type: 'string' }, json: { type: 'boolean' }, 'measure-top': { type: 'string' }, 'measure-rounds': { type: 'string' }, 'confirm-rounds': { type: 'string' }, calibration: { type: 'string' }, 'allow-unsafe-input': { type: 'boolean' }, all: { type: 'boolean' }, type: { type: 'string' }, btf: { type: 'string' }, target: { type: 'string' }, 'assume-exclusive-maps': { type: 'boolean' }, privilege: { type: 'string' }, windows: { type: 'string' }, 'no-inline': { type: 'boolean' } },
  positionals: [1, 1],
  async run(args) {
    const path = args.positionals[0];
    const out = str(args, 'output');
    if (!out) throw new UsageError('optimize: missing -o OUT.o');
    const objective = (str(args, 'objective') ?? 'size') as 'size' | 'latency';
    if (objective !== 'size' && objective !== 'latency') throw new UsageError(`--objective must be size or latency, not '${objective}'`);
    const seedText = str(args, 'seed') ?? '1';
    if (!/^\d+$/.test(seedText)) throw new UsageError(`--seed takes a non-negative integer, not '${seedText}'`);
    const budgetMs = duration(str(args, 'budget'));
    const privilege = (str(args, 'privilege') ?? 'root') as Privilege;
    if (!PRIVILEGES.includes(privilege)) throw new UsageError(`--privilege must be ${PRIVILEGES.join(' or ')}, not '${privilege}'`);
    const count = (name: string, dflt: number): number => {
      const text = str(args, name);
      if (text === undefined) return dflt;
      if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--${name} takes a positive integer, not '${text}'`);
      return Number(text);
    };
    const cpus = availableParallelism();
    let chains = count('chains', Math.min(2, cpus));
    if (chains > cpus) {
      // more chains than CPUs only time-slice: each searches slower, none searches more
      process.stderr.write(`warning: --chains ${chains} is more than the ${cpus} CPU${cpus > 1 ? 's' : ''} here: using ${cpus}\n`);
      chains = cpus;
    }
    const iterations = str(args, 'iterations') === undefined ? undefined : count('iterations', 0);
    const target = targetArg(str(args, 'target'));
    // the model checks candidates as the kernel that validates them
    const config: VerifierConfig = { flavor: runningKernelFlavor(), privileged: privilege === 'root', target };
    const exclusiveMaps = flag(args, 'assume-exclusive-maps');
    const windowsText = str(args, 'windows') ?? 'auto';
    if (!['auto', 'on', 'off'].includes(windowsText)) throw new UsageError(`--windows: expected auto, on or off, got '${windowsText}'`);
    const windows = windowsText === 'auto' ? 'auto' as const : windowsText === 'on';
    const mapsLabel = exclusiveMaps
      ? 'exclusive (--assume-exclusive-maps): valid only if nothing else writes the maps while the program runs'
      : 'shared: map accesses and the values flowing to and from map state left unchanged';
    const topText = str(args, 'measure-top');
    if (topText !== undefined && !/^\d+$/.test(topText)) throw new UsageError(`--measure-top takes a non-negative integer, not '${topText}'`);
    const measureTop = topText === undefined ? 4 : Number(topText);
    const roundsText = str(args, 'measure-rounds');
    if (roundsText !== undefined && !(/^\d+$/.test(roundsText) && Number(roundsText) >= 6)) throw new UsageError(`--measure-rounds takes an integer of at least 6, not '${roundsText}'`);
    const measureRounds = roundsText === undefined ? 60 : Number(roundsText);
    const confirmText = str(args, 'confirm-rounds');
    if (confirmText !== undefined && !(/^\d+$/.test(confirmText) && (Number(confirmText) === 0 || Number(confirmText) >= 6))) throw new UsageError(`--confirm-rounds takes 0 or an integer of at least 6, not '${confirmText}'`);
    const confirmRounds = confirmText === undefined ? measureRounds : Number(confirmText);
    let model = BUILTIN_MODEL;
    if (objective === 'latency' || str(args, 'calibration')) {
      try {
        model = loadCostModel(str(args, 'calibration'));
      } catch (e) {
        throw new InputError((e as Error).message);
      }
    }
    // every program in turn, each through this command (the chains already capped)
    if (flag(args, 'all')) return optimizeAll({ ...args, values: { ...args.values, chains: String(chains) } }, budgetMs, async (a) => optimizeCmd.run(a));
    // under --all, the object this program's result goes into (OUT is then a step's file)
    const shownOut = str(args, 'all-output') ?? out;
    // a bad output path fails now, not after the search
    checkOutputPath(out, path);
    let bytes: Uint8Array;
    let obj: BpfObject;
    let program: Program;
    try {
      bytes = readInput(path);
      obj = readBpfObject(bytes);
      program = relocateForTarget(obj, obj.link(str(args, 'section'), { type: progTypeArg(str(args, 'type')) }), str(args, 'btf'));
    } catch (e) {
      throw located(path, e);
    }
    // read a written object back as the loader will see it (CO-RE applied for the same target)
    const reread = (b: Uint8Array): typeof program => {
      const o = readBpfObject(b);
      return relocateForTarget(o, o.link(program.name, { type: program.type }), str(args, 'btf'));
    };
    // an input the target lacks an instruction of: no output could run there either
    // the search's slots of the input: decoded here once, the search and the writer reuse them
    const missing = firstMissing(target, Original.of(program).ops);
    if (missing) throw new InputError(`${path}: ${program.name}: instruction ${missing.pc} (${formatOp(missing.op)}): ${missing.reason} (--target)`);
    // an input the kernel (or, without it, the model) rejects: nothing to validate against
    const unsafe = unsafeInput(program, config);
    if (unsafe && !flag(args, 'allow-unsafe-input')) throw new InputError(`${path}: ${unsafe} (--allow-unsafe-input to optimize it anyway)`);
    const tty = process.stderr.isTTY && !flag(args, 'json');
    // Ctrl-C: the chains stop and the best validated result goes through the final checks.
    // `once` gives SIGINT back to its default afterwards, so a second Ctrl-C ends the process
    // at once, even inside a long synchronous step, and nothing is written
    const stop = new Int32Array(new SharedArrayBuffer(4));
    let interrupted = false;
    const onInterrupt = (): void => {
      interrupted = true;
      Atomics.store(stop, 0, 1);
      process.stderr.write(`${tty ? '\n' : ''}interrupted: stopping the search, then checking and writing the best result so far (Ctrl-C again quits without writing)\n`);
    };
    process.once('SIGINT', onInterrupt);
    if (!flag(args, 'json')) process.stderr.write(`target: ${describeTarget(target)} (${target.origin})\n`);
    const windowed = windows === true || (windows === 'auto' && program.insns.length >= WINDOWS_FROM);
    if (!flag(args, 'json')) process.stderr.write(`searching ${program.name}: ${budgetMs / 1000}s, ${windowed ? `windows (${program.insns.length} insns${windows === 'auto' ? `, --windows auto: from ${WINDOWS_FROM}` : ''})` : `${chains} chain${chains > 1 ? 's' : ''}`}${iterations ? `, at most ${iterations} candidates each` : ''} (Ctrl-C stops early and keeps the best validated result)\n`);
    // one Z3 process for the search and the final check, closed when the command ends
    const equiv = new EquivService();
    try {
      // the calls inlined, checked: the start of the search when every check passed
      const input = program;
      const start = flag(args, 'no-inline') ? undefined : await inlineStart(obj, program, objective, equiv, config);
      if (start?.taken) {
        program = start.program!;
        obj = start.obj!;
        bytes = start.bytes!;
      }
      if (start && !flag(args, 'json') && start.note !== 'no bpf-to-bpf calls') process.stderr.write(`inlining: ${start.note}\n`);
      const r = await optimize(program, {
        budgetMs, seed: Number(seedText), objective, chains, maxIterations: iterations,
        keepFuncs: sharedFuncs(obj, program.name), costs: model.table, stop, config, exclusiveMaps, equiv, windows,
        onProgress: (s) => {
          if (!tty) return;
          const rej = Object.entries(s.rejectedValidation).map(([k, v]) => `${k} ${v}`).join(', ');
          const shown = (p: number) => (objective === 'size' ? sizeOfPerf(p) : +p.toFixed(1));
          process.stderr.write(`\r${(s.elapsedMs / 1000).toFixed(1)}s  ${Math.round(s.iterations / (s.elapsedMs / 1000))} it/s  best ${shown(s.bestPerf)} (from ${shown(s.originalPerf)})  rejected: tests ${s.rejectedTests}${rej ? `, ${rej}` : ''}   `);
        },
      });
      if (tty) process.stderr.write('\n');
      // the search ended by Ctrl-C (a press after it does not change what was searched)
      const stoppedEarly = interrupted;
      // measured selection: the best few validated variants timed against the original
      let selection: Selection | undefined;
      if (r.improved && measureTop > 0) {
        selection = selectMeasured(program, r.variants, r.tests, objective, {
          topK: measureTop,
          rounds: measureRounds,
          confirmRounds,
          onRound: tty ? (d, n, phase) => process.stderr.write(`\r${phase === 'selection' ? 'timing variants' : 'confirming the fastest'}: round ${d}/${n}`) : undefined,
        });
        if (tty) process.stderr.write('\r\x1b[K');
        const v = selection.variant;
        if (!v) r.improved = false;
        else Object.assign(r, { candidate: v.candidate, oldToNew: v.oldToNew, program: { ...program, insns: v.insns } });
      }
      let written = bytes;
      let note = r.validation;
      let final: FinalCheck | undefined;
      /** Where the refused candidate was written, when the final check refused it. */
      let refused: string | undefined;
      let after = r.stats.originalPerf;
      if (r.improved) {
        // write, read back, and check the object as written
        const candidate = writeOptimized(obj, r.candidate);
        const again = reread(candidate);
        final = await checkWritten(r.candidate, again.insns, r.tests, config, equiv);
        if (final.ok) {
          written = candidate;
          after = r.stats.bestPerf;
          const z3 = final.checks.find((c) => c.check === 'Z3 equivalence')!;
          note = `${r.validation}; object re-read and re-checked (${final.checks.filter((c) => c.ran && c !== z3).map((c) => c.check).join(', ')}; ${z3.detail} of the written program)`;
        } else {
          // kept so the refusal can be reproduced (scripts/reprove-refused.ts): which proof path
          // accepted it during the search, and which refused it here
          refused = `${out}.refused`;
          writeAtomic(`${refused}.o`, candidate);
          writeAtomic(`${refused}.json`, JSON.stringify({ input: path, program: program.name, type: program.type, failure: final.failure, validatedBy: r.stats.validatedBy.at(-1), checks: final.checks, candidate: r.candidate.toWire() }));
          note = `the written object failed the final check (${final.failure}): the ${start?.taken ? 'inlined program (checked on its own)' : 'input'} is written unchanged; the refused candidate is in ${refused}.o and ${refused}.json`;
        }
      }
      // what was proved against the search's start holds against the input through the inlining's own checks
      if (start?.taken) {
        note = r.improved
          ? `${note}; the search started from the inlined program, checked against the input: ${start.note}`
          : `the inlined program (the search found nothing better from it): ${start.note}`;
      }
      writeAtomic(out, written);
      const latencyOf = (p: typeof program): number => +perf(undeleted(Original.of(p).ops), 'latency', model.table).toFixed(2);
      const finalProgram = written === bytes ? program : reread(written);
      const summary = {
        input: path, output: shownOut, program: program.name, privilege,
        target: { isa: `v${target.isa}`, kernel: formatKernelVersion(target.kernel), origin: target.origin },
        maps: { assumption: exclusiveMaps ? 'exclusive' : 'shared', detail: mapsLabel },
        insnsBefore: input.insns.length, insnsAfter: finalProgram.insns.length,
        latencyBefore: latencyOf(input), latencyAfter: latencyOf(finalProgram),
        ...(start && input.funcs.length > 1 ? { inlining: { taken: start.taken, note: start.note, inlined: start.inlined, refused: start.refused, checks: start.checks } } : {}),
        interrupted: stoppedEarly, seconds: +(r.stats.elapsedMs / 1000).toFixed(2), bestAtSeconds: +(r.stats.bestAtMs / 1000).toFixed(2),
        iterations: r.stats.iterations, iterationsPerSecond: Math.round(r.stats.iterations / (r.stats.elapsedMs / 1000)),
        ...(r.windows ? { windows: r.windows } : {}),
        chains, rejectedByTests: r.stats.rejectedTests, rejected: r.stats.rejectedValidation,
        z3Queries: r.z3.queries, z3MedianMs: r.z3.medianMs, validation: note,
        ...(refused ? { refusedCandidate: { object: `${refused}.o`, candidate: `${refused}.json` } } : {}),
        checks: validationList(final, selection, unsafe),
        latencyModel: model.source,
        measured: selection?.measured ?? false,
        measurement: selection?.note ?? (measureTop === 0 ? 'not measured (--measure-top 0)' : r.improved ? 'not measured' : 'not measured (nothing to choose from)'),
        ...(selection?.measured ? {
          nsPerRunBefore: +selection.originalNs!.toFixed(2),
          timedVariants: selection.timed.map((t) => ({ insns: t.insns, nsPerRun: +t.nsPerRun.toFixed(2), ratio: +t.ratio.median.toFixed(5), low: +t.ratio.low.toFixed(5), high: +t.ratio.high.toFixed(5), verdict: t.ratio.verdict, chosen: t.chosen })),
          confirmation: confirmationJson(selection.confirmation, objective, confirmRounds),
        } : {}),
      };
      void after;
      if (flag(args, 'json')) console.log(JSON.stringify(summary));
      else {
        const rows: [string, string, string][] = [
          ['', 'before', 'after'],
          ['instructions', String(summary.insnsBefore), String(summary.insnsAfter)],
          ['est. latency', String(summary.latencyBefore), String(summary.latencyAfter)],
        ];
        // the confirming rounds' figures when they confirmed the choice (the first timing's favour a winner)
        const ns = selection?.chosenNs;
        if (selection?.measured && ns && written !== bytes) rows.push(['ns/run', ns.before.toFixed(2), ns.after.toFixed(2)]);
        console.log(`${program.name} (${program.section})${privilege === 'unpriv' ? ', for an unprivileged loader' : ''}`);
        console.log(`  target: ${describeTarget(target)}`);
        console.log(`  maps: ${mapsLabel}`);
        for (const [a, b, c] of rows) console.log(`  ${a.padEnd(14)}${b.padStart(8)}${c.padStart(8)}`);
        if (stoppedEarly) console.log('search interrupted by Ctrl-C: the result is the best validated before it');
        console.log(`search: ${summary.seconds}s, ${r.windows ? 'windows' : `${chains} chain${chains > 1 ? 's' : ''}`}, ${summary.iterations} candidates (${summary.iterationsPerSecond}/s), best found at ${summary.bestAtSeconds}s`);
        console.log(`rejected: ${summary.rejectedByTests} by tests, ${Object.entries(summary.rejected).map(([k, v]) => `${v} by ${k}`).join(', ') || 'none otherwise'}`);
        if (r.windows) console.log(`windows: ${r.windows.searched} of ${r.windows.windows} searched; window proofs ${r.windows.proofs.started} (${r.windows.proofs.proved} proved, ${r.windows.proofs.refuted} refuted, ${r.windows.proofs.unknown} undecided), ${r.windows.proofs.cacheHits} answered from the cache, ${r.windows.answeredWhileSearching} answered while the search went on`);
        console.log(`Z3: ${summary.z3Queries} equivalence queries, median ${summary.z3MedianMs} ms`);
        if (start?.taken) {
          console.log(`inlining: ${start.note}`);
          for (const c of start.checks) console.log(`  ${formatCheck(c)}`);
        }
        console.log(`validated by: ${note}`);
        for (const c of summary.checks) console.log(`  ${formatCheck(c)}`);
        console.log(`latency model: ${model.source}`);
        if (selection?.measured && selection.ratio && written !== bytes) console.log(`measured: ${describeRatio(selection.ratio)}`);
        console.log(`measurement: ${summary.measurement}`);
        if (selection?.measured && objective === 'latency') console.log(`confirmation: ${selection.confirmation ? describeConfirmation(selection.confirmation) : 'not run (no variant significantly faster in the first timing)'}`);
        console.log(shownOut === out ? `wrote ${out}` : `kept for ${shownOut}`);
      }
      if (written === bytes && r.improved) throw new InputError(note);
      return 0;
    } finally {
      process.removeListener('SIGINT', onInterrupt);
      await equiv.close();
    }
  },
};

/** --target, parsed once (a bad one is a usage error). */
function targetArg(text: string | undefined): Target {
  try {
    return parseTarget(text);
  } catch (e) {
    if (e instanceof TargetError) throw new UsageError(e.message);
    throw e;
  }
}

/** The confirmation in the JSON summary: what ran (rounds, inputs, intervals) or why nothing did. */
function confirmationJson(c: Confirmation | undefined, objective: string, rounds: number): Record<string, unknown> {
  if (objective !== 'latency') return { ran: false, reason: 'size objective: no confirmation' };
  if (!c) return { ran: false, reason: 'no variant significantly faster in the first timing', roundsAsked: rounds };
  const est = (r: RatioEstimate) => ({ ratio: +r.median.toFixed(5), low: +r.low.toFixed(5), high: +r.high.toFixed(5), verdict: r.verdict });
  return {
    ran: c.ran, insns: c.insns, confirmed: c.confirmed, ...(c.reason ? { reason: c.reason } : {}),
    ...(c.ran ? { rounds: c.rounds, inputs: c.inputs, nsPerRunBefore: +c.originalNs!.toFixed(2), nsPerRunAfter: +c.nsPerRun!.toFixed(2), ...est(c.ratio!), control: est(c.control!) } : {}),
  };
}

/** The validation list: each check of the written program, run or not, and the timing. */
function validationList(final: FinalCheck | undefined, selection: Selection | undefined, unsafe: string | undefined): Check[] {
  const out: Check[] = final ? [...final.checks] : [];
  if (unsafe) out.unshift({ check: 'kernel verifier', ran: true, ok: false, detail: `input: ${unsafe} (--allow-unsafe-input)` });
  if (selection) out.push({ check: 'kernel latency', ran: selection.measured, ...(selection.measured ? { ok: true } : {}), detail: selection.note });
  return out;
}
