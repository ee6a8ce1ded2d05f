// `bpfsynth check FILE`: the verifier model's verdict on a program (no root needed).
import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import { loadSource, progTypeArg } from './source.ts';
import { verify } from '../verifier/analyze.ts';
import { flavorNamed, type KernelFlavor } from '../domains/scalar.ts';
import { InputError, UsageError } from './errors.ts';
import { MODELLED_TYPES } from '../isa/program.ts';
import { toReport, verdictLine } from '../verifier/report.ts';

export const check: Command = {
  name: 'check',
  summary: 'check a program with the verifier model (Linux 6.18, root)',
  usage: `usage: bpfsynth check FILE… [--section S] [--type T] [--btf FILE] [--states] [--json] [--privilege root|unpriv]

Runs the model of the kernel's verifier on one program of FILE (a BPF object, assembly .s,
or hex / raw bytecode as for 'disasm') and says whether the kernel would accept it. Exit
status 0 when safe, 1 when not; the reason is printed as 'FILE: insn N: <message>' with the
kernel's wording. With several files, one verdict each (a JSON array with --json); exit 1
when any is not safe.

  --section S      program (name or section) to link from an object
  --type T         program type: for bare instructions (default xdp), or instead of the
                   section's (applied before linking)
  --btf FILE       target BTF for CO-RE relocations (default: /sys/kernel/btf/vmlinux)
  --states         print the per-instruction states like the kernel's log_level 2
  --json           machine-readable verdict
  --privilege P    root (default) or unpriv: model a loader without CAP_BPF/CAP_PERFMON
                   (pointer leaks and comparisons, Spectre masking bounds, uninitialised
                   stack, loops); --unprivileged is the same as unpriv
  --flavor F       model kernel flavor F (6.18, 6.18-sx64, 6.12); default: the running
                   kernel's when bpf() works (probed), else 6.18`,
  options: {
    section: { type: 'string' }, type: { type: 'string' }, states: { type: 'boolean' }, json: { type: 'boolean' },
    unprivileged: { type: 'boolean' }, privilege: { type: 'string' }, btf: { type: 'string' }, raw: { type: 'boolean' }, hex: { type: 'boolean' }, flavor: { type: 'string' },
  },
  positionals: [1, Infinity],
  async run(args) {
    const flavorName = str(args, 'flavor');
    let flavor: KernelFlavor;
    if (flavorName !== undefined) {
      try {
        flavor = flavorNamed(flavorName);
      } catch (e) {
        throw new UsageError(`--flavor: ${(e as Error).message}`);
      }
    } else flavor = (await import('../kernel/flavor.ts')).runningKernelFlavor();
    const kind = flag(args, 'raw') ? 'raw' : flag(args, 'hex') ? 'hex' : 'auto';
    const type = progTypeArg(str(args, 'type'));
    const states = flag(args, 'states');
    const privilege = str(args, 'privilege') ?? (flag(args, 'unprivileged') ? 'unpriv' : 'root');
    if (privilege !== 'root' && privilege !== 'unpriv') throw new UsageError(`--privilege must be root or unpriv, not '${privilege}'`);
    if (flag(args, 'unprivileged') && privilege === 'root') throw new UsageError('--unprivileged contradicts --privilege root');
    const reports: unknown[] = [];
    let allSafe = true;
    for (const path of args.positionals) {
      const { where, program } = loadSource(path, { kind, section: str(args, 'section'), type, btf: str(args, 'btf') });
      if (!MODELLED_TYPES.has(program.type)) throw new InputError(`${where}: program type ${program.type} is not modelled by the verifier model (modelled: ${[...MODELLED_TYPES].join(', ')})`);
      const v = verify(program, { flavor, states, privileged: privilege === 'root' });
      allSafe &&= v.ok;
      if (flag(args, 'json')) reports.push({ file: where, program: program.name, type: program.type, ...toReport(v), ...(states ? { log: v.log } : {}) });
      else {
        if (states && v.log) console.log(v.log.join('\n'));
        console.log(verdictLine(where, v));
      }
    }
    if (flag(args, 'json')) console.log(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2));
    return allSafe ? 0 : 1;
  },
};
