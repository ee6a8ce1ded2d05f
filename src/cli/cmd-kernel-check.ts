// `bpfsynth kernel check FILE…`: the kernel's verdict beside the verifier model's, one program
// in detail or a veristat-style table over many.
import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import { UsageError, describe as describeError, located } from './errors.ts';
import { readInput } from './io.ts';
import { progTypeArg, readBpfObject } from './source.ts';
import { checkObject, summarize, type CheckRow, type Side } from './kernel-check-rows.ts';
import type { LogLevel } from '../kernel/load.ts';

export const kernelCheckCmd: Command = {
  name: 'kernel check',
  summary: "the kernel verifier's verdict beside the model's, per program (veristat-style table)",
  usage: `usage: bpfsynth kernel check FILE… [--section S] [--type T] [--btf FILE] [--all] [--log-level 1|2]
                             [--json | --csv]

Loads each program into the running kernel (root) as libbpf would (maps with inner templates,
frozen .rodata, .kconfig/.ksyms externs, expected_attach_type, attach_btf_id from the kernel's
BTF for tp_btf/fentry/lsm/iter, sleepable flags) and runs the verifier model on the same
instructions. One file: its first program (or --section) in detail, with the kernel's log.
Several files or --all: every program, one row each (program, type, insns, processed, states,
kernel verdict, model verdict, agree, time). Nothing is attached; every fd is closed.
CO-RE relocations are not applied (the program's note says so): both sides see the same code.

  --section S      only this program (name or section)
  --type T         program type instead of the sections' (applied before linking)
  --btf FILE       target BTF for CO-RE relocations (default: /sys/kernel/btf/vmlinux)
  --all            every program of every file, as a table
  --log-level N    kernel log level for the detail view (1 default, 2 every instruction)
  --json           rows and a summary as JSON
  --csv            rows as CSV
Exit status 0 when every compared program agrees, 1 otherwise.`,
  options: {
    section: { type: 'string' }, type: { type: 'string' }, btf: { type: 'string' }, all: { type: 'boolean' }, 'log-level': { type: 'string' },
    json: { type: 'boolean' }, csv: { type: 'boolean' },
  },
  positionals: [1, Infinity],
  async run(args) {
    const lvl = str(args, 'log-level') ?? '1';
    if (lvl !== '1' && lvl !== '2') throw new UsageError(`--log-level takes 1 or 2, not '${lvl}'`);
    if (flag(args, 'json') && flag(args, 'csv')) throw new UsageError('--json and --csv exclude each other');
    const flavor = (await import('../kernel/flavor.ts')).runningKernelFlavor();
    const files = args.positionals;
    const table = flag(args, 'all') || files.length > 1;
    const rows: CheckRow[] = [];
    const failures: { file: string; error: string }[] = [];
    const tty = process.stderr.isTTY && table;
    for (const [i, file] of files.entries()) {
      if (tty) process.stderr.write(`\r[${i + 1}/${files.length}] ${file.slice(-60).padEnd(60)}`);
      try {
        const obj = readBpfObject(readInput(file));
        const r = checkObject(file, obj, { logLevel: Number(lvl) as LogLevel, keepLog: !table, type: progTypeArg(str(args, 'type')), section: str(args, 'section'), btf: str(args, 'btf'), flavor });
        rows.push(...(table ? r : r.slice(0, 1)));
      } catch (e) {
        if (!table) throw located(file, e);
        const { message } = describeError(located(file, e));
        failures.push({ file, error: message });
        console.error(`bpfsynth: ${message}`);
      }
    }
    if (tty) process.stderr.write('\r'.padEnd(80) + '\r');
    if (!table && !rows.length) throw new UsageError(`${files[0]}: no program${str(args, 'section') ? ` named '${str(args, 'section')}'` : ''}`);
    const sum = summarize(rows);
    if (flag(args, 'json')) console.log(JSON.stringify({ rows, failures, summary: sum }));
    else if (flag(args, 'csv')) printCsv(rows);
    else if (table) printTable(rows, sum);
    else printDetail(rows[0]);
    return failures.length || sum.compared !== sum.agree ? 1 : 0;
  },
};

const verdictText = (s: Side): string => (s.verdict === 'not run' ? `not run (${s.why})` : s.verdict === 'accept' ? `accepted (processed ${s.processed} insns, ${s.states} states)` : `rejected: ${s.why}`);

function printDetail(r: CheckRow): void {
  if (r.log) console.log(r.log.trimEnd());
  console.log(`\n${r.file}: ${r.program} (${r.section}, ${r.type}, ${r.insns} insns)`);
  for (const n of r.notes ?? []) console.log(`  note: ${n}`);
  console.log(`  kernel: ${verdictText(r.kernel)}`);
  console.log(`  model:  ${verdictText(r.model)}`);
  console.log(`  ${r.agree === undefined ? 'not compared' : r.agree ? 'agree' : 'DISAGREE'}`);
}

const cell = (s: Side, k: 'processed' | 'states'): string => (s[k] === undefined ? '-' : String(s[k]));
const short = (s: Side): string => (s.verdict === 'not run' ? 'n/a' : s.verdict);

function printTable(rows: readonly CheckRow[], sum: ReturnType<typeof summarize>): void {
  const head = ['program', 'type', 'insns', 'processed k/m', 'states k/m', 'kernel', 'model', 'agree', 'time k/m (us)'];
  const body = rows.map((r) => [
    `${r.file.replace(/^.*\//, '')}:${r.program}`, r.type, String(r.insns),
    `${cell(r.kernel, 'processed')}/${cell(r.model, 'processed')}`, `${cell(r.kernel, 'states')}/${cell(r.model, 'states')}`,
    short(r.kernel), short(r.model), r.agree === undefined ? '-' : r.agree ? 'yes' : 'NO',
    `${r.kernel.us ?? '-'}/${r.model.us ?? '-'}`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cols: string[]): string => cols.map((c, i) => (i >= 2 && i !== 5 && i !== 6 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
  const pct = (a: number, b: number): string => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');
  console.log(`\n${sum.programs} programs; kernel ran ${sum.kernelRan} (accepted ${sum.kernelAccepted}), model ran ${sum.modelRan}; compared ${sum.compared}: agree ${sum.agree} (${pct(sum.agree, sum.compared)}), false accepts ${sum.falseAccepts}, false rejects ${sum.falseRejects}; processed exact ${sum.processedExact}/${sum.processedCompared} (${pct(sum.processedExact, sum.processedCompared)})`);
}

function printCsv(rows: readonly CheckRow[]): void {
  const q = (s: string | number | boolean | undefined): string => (s === undefined ? '' : /[",\n]/.test(String(s)) ? `"${String(s).replace(/"/g, '""')}"` : String(s));
  console.log('file,program,section,type,insns,kernel_verdict,kernel_processed,kernel_states,kernel_us,model_verdict,model_processed,model_states,model_us,agree,kernel_why,model_why');
  for (const r of rows) {
    console.log([r.file, r.program, r.section, r.type, r.insns, r.kernel.verdict, r.kernel.processed, r.kernel.states, r.kernel.us, r.model.verdict, r.model.processed, r.model.states, r.model.us, r.agree === undefined ? '' : r.agree, r.kernel.why, r.model.why].map(q).join(','));
  }
}
