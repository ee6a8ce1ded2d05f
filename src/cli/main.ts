// bpfsynth's command line: `bpfsynth <command> [options]`.
import { groupUsage, parseCommand, type Command, type CommandGroup } from './args.ts';
import { UsageError, describe } from './errors.ts';
import { info } from './cmd-info.ts';
import { disasmCmd } from './cmd-disasm.ts';
import { asmCmd } from './cmd-asm.ts';
import { fuzzCmd } from './cmd-fuzz.ts';
import { proveCmd } from './cmd-prove.ts';
import { optimizeCmd } from './cmd-optimize.ts';
import { check as checkCmd } from './cmd-check.ts';
import { branchCmd, scalarCmd, tnumCmd } from './cmd-domain.ts';
import { conformanceCmd, runCmd } from './cmd-run.ts';
import { kernelCmd } from './cmd-kernel.ts';
import { selftestCmd } from './cmd-selftest.ts';
import { calibrateCmd } from './cmd-calibrate.ts';

const COMMANDS: (Command | CommandGroup)[] = [optimizeCmd, checkCmd, info, disasmCmd, asmCmd, runCmd, kernelCmd, calibrateCmd, conformanceCmd, tnumCmd, scalarCmd, branchCmd, proveCmd, fuzzCmd, selftestCmd];

const VERSION = '0.1.0';

function mainUsage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: bpfsynth <command> [options]

bpfsynth: eBPF bytecode tools: read, run, check, prove and optimize BPF programs.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}

Run 'bpfsynth <command> --help' for a command's options. --debug shows stack traces.`;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const sub = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
      console.log(sub ? ('subcommands' in sub ? groupUsage(sub) : sub.usage) : mainUsage());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      console.log(`bpfsynth ${VERSION}`);
      return 0;
    }
    const found = COMMANDS.find((c) => c.name === name);
    if (!found) throw new UsageError(`unknown command '${name}' (see 'bpfsynth --help')`);
    let cmd: Command, args = rest;
    if ('subcommands' in found) {
      const [subName, ...subArgs] = rest;
      if (subName === undefined || subName === '--help' || subName === '-h') {
        console.log(groupUsage(found));
        return subName === undefined ? 2 : 0;
      }
      const sub = found.subcommands.find((c) => c.name === `${found.name} ${subName}`);
      if (!sub) throw new UsageError(`${found.name}: unknown subcommand '${subName}' (have: ${found.subcommands.map((c) => c.name.split(' ').pop()).join(', ')})`);
      cmd = sub;
      args = subArgs;
    } else cmd = found;
    const parsed = parseCommand(cmd, args);
    if (parsed === 'help') {
      console.log(cmd.usage);
      return 0;
    }
    return await cmd.run(parsed);
  } catch (e) {
    const { code, message } = describe(e);
    console.error(`bpfsynth: ${message}`);
    if (debug && e instanceof Error) console.error(e.stack);
    return code;
  }
}

// Run when executed directly (bin/bpfsynth.js or tsx src/cli/main.ts).
const invoked = process.argv[1] ?? '';
if (/(src[\\/]cli[\\/]main\.ts|bin[\\/]bpfsynth(\.js)?)$/.test(invoked) || process.env.BPFSYNTH_MAIN === '1') {
  // output piped into `head` and the like: stop quietly when the reader goes away
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
