// `bpfsynth kernel <subcommand>`: the running kernel as an oracle. Each subcommand is a Command
// of its own (own options, own --help); this file only lists them.
import type { Command, CommandGroup } from './args.ts';
import { kernelRunCmd } from './cmd-run.ts';
import { kernelCheckCmd } from './cmd-kernel-check.ts';
import { kernelBenchCmd } from './cmd-kernel-bench.ts';

const SUBCOMMANDS: Command[] = [kernelRunCmd, kernelCheckCmd, kernelBenchCmd];

export const kernelCmd: CommandGroup = {
  name: 'kernel',
  summary: 'the real kernel as an oracle (kernel run …)',
  subcommands: SUBCOMMANDS,
};
