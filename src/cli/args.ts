// Command-line parsing on node:util's parseArgs (strict: unknown flags are usage errors).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Positional arguments: [min, max]. */
  positionals: [number, number];
  run(args: Parsed): Promise<number> | number;
}

/** A command with subcommands (`bpfsynth kernel run …`): each subcommand parses its own options. */
export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: Command[];
}

/** The usage text of a group: its subcommands, one line each. */
export function groupUsage(g: CommandGroup): string {
  const w = Math.max(...g.subcommands.map((c) => c.name.length));
  return `usage: bpfsynth ${g.name} <subcommand> [options]

${g.summary}

subcommands:
${g.subcommands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Run 'bpfsynth ${g.name} <subcommand> --help' for a subcommand's options.`;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const;

export function parseCommand(cmd: Command, argv: string[]): Parsed | 'help' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${cmd.name}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}`, cmd.usage);
  }
  if (parsed.values.help) return 'help';
  const [min, max] = cmd.positionals;
  const n = parsed.positionals.length;
  if (n < min) throw new UsageError(`${cmd.name}: missing argument (see 'bpfsynth ${cmd.name} --help')`, cmd.usage);
  if (n > max) throw new UsageError(`${cmd.name}: unexpected argument '${parsed.positionals[max]}'`, cmd.usage);
  return parsed as Parsed;
}

export const str = (p: Parsed, k: string): string | undefined => p.values[k] as string | undefined;
export const flag = (p: Parsed, k: string): boolean => p.values[k] === true;

/** A non-negative integer option, with a usage error naming the flag. */
export function intOpt(p: Parsed, k: string, dflt: number): number {
  const v = str(p, k);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${k} takes a non-negative integer, not '${v}'`);
  return Number(v);
}
