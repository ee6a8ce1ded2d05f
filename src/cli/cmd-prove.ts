// `bpfsynth prove`: run the Z3 proofs of the domains and report.
import type { Command } from './args.ts';
import { flag, intOpt, str } from './args.ts';
import { UsageError } from './errors.ts';
import { writeAtomic } from './io.ts';

export const proveCmd: Command = {
  name: 'prove',
  summary: 'prove the domain operators sound with Z3',
  usage: `usage: bpfsynth prove [NAME…] [--width 8|16|32|64] [--timeout S] [--list] [--json] [--write]

Runs the Z3 proofs of the tnum and scalar-bounds domains: soundness of every operator (the
code that runs, instantiated over Z3 bit-vectors), tnum mul at 64 bits by induction over its
loop, fully unrolled 8-bit cross-checks of both muls, optimality of tnum add and sub, and
soundness of the scalar ALU transfer functions. NAME selects properties whose name contains it.

  --width W     width of the width-generic tnum properties (default 64)
  --timeout S   per-property time limit in seconds (default 120)
  --list        list the properties instead of proving them
  --json        one JSON object per result
  --write       write proofs/REPORT.md and proofs/report.json

A counterexample is printed as concrete inputs in kernel notation and replayed with the
concrete backend. Exit code 1 when any property is not proved.`,
  options: { width: { type: 'string' }, timeout: { type: 'string' }, list: { type: 'boolean' }, json: { type: 'boolean' }, write: { type: 'boolean' } },
  positionals: [0, 100],
  async run(args) {
    const width = intOpt(args, 'width', 64);
    if (![8, 16, 32, 64].includes(width)) throw new UsageError('--width must be 8, 16, 32 or 64');
    const timeout = intOpt(args, 'timeout', 120) * 1000;
    const { catalogue, reportMarkdown } = await import('../../proofs/suite.ts');
    const { formatResult } = await import('../../proofs/runner.ts');
    const names = args.positionals;
    const jobs = catalogue(width).filter((j) => !names.length || names.some((n) => j.name.includes(n) || j.group.includes(n)));
    if (!jobs.length) throw new UsageError(`no property matches ${names.join(', ')} (see --list)`);
    if (flag(args, 'list')) {
      for (const j of jobs) console.log(`${j.group.padEnd(16)} ${String(j.width).padStart(2)}-bit  ${j.name}`);
      return 0;
    }
    const t0 = performance.now();
    const results = [];
    for (const j of jobs) {
      const r = { ...(await j.run(timeout)), group: j.group };
      results.push(r);
      console.log(flag(args, 'json') ? JSON.stringify({ ...r, counterexample: r.counterexample && Object.fromEntries(Object.entries(r.counterexample).map(([k, v]) => [k, `0x${v.toString(16)}`])) }) : formatResult(r));
    }
    const seconds = (performance.now() - t0) / 1000;
    const bad = results.filter((r) => r.result !== 'proved').length;
    if (flag(args, 'write')) {
      const z3 = (await import('z3-solver/package.json', { with: { type: 'json' } })).default.version as string;
      writeAtomic('proofs/REPORT.md', reportMarkdown(results, z3, seconds));
      writeAtomic('proofs/report.json', JSON.stringify({ z3, seconds, results: results.map((r) => ({ ...r, counterexample: r.counterexample && Object.fromEntries(Object.entries(r.counterexample).map(([k, v]) => [k, `0x${v.toString(16)}`])) })) }, null, 1) + '\n');
    }
    if (!flag(args, 'json')) console.log(`prove: ${results.length - bad} proved, ${bad} not proved, ${seconds.toFixed(1)} s`);
    void str;
    return bad ? 1 : 0;
  },
};
