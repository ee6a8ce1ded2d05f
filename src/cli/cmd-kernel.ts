// `bpfsynth kernel <subcommand>`: the running kernel as an oracle. Each subcommand is a Command
// of its own (own options, own --help); this file only lists them.
import type { Command, CommandGroup } from './args.ts';
import { kernelRunCmd } from './cmd-run.ts';
import { kernelCheckCmd } from './cmd-kernel-check.ts';

const SUBCOMMANDS: Command[] = [kernelRunCmd, kernelCheckCmd];

export const kernelCmd: CommandGroup = {
  name: 'kernel',
  summary: 'the real kernel as an oracle (kernel run …)',
  subcommands: SUBCOMMANDS,
};
