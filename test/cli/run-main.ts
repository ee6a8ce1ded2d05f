// main() run in-process with console output captured, for CLI tests.
import { main } from '../../src/cli/main.ts';

export async function runMain(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const log = console.log, error = console.error, write = process.stdout.write;
  console.log = (...a: unknown[]) => { out += a.join(' ') + '\n'; };
  console.error = (...a: unknown[]) => { err += a.join(' ') + '\n'; };
  try {
    return { code: await main(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write; // a command that streams may have replaced it
  }
}
