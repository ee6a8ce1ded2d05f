// `bpfsynth optimize --all`: every program of an object, one after another, into one output
// object. Each program gets an even share of the budget and runs through the single-program
// command (same checks, same summary), reading the object the previous one wrote; a program
// that cannot be optimized stays as it was, with a one-line reason.
import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Parsed } from './args.ts';
import { str } from './args.ts';
import { InputError, UsageError, located } from './errors.ts';
import { checkOutputPath, readInput, writeAtomic } from './io.ts';
import { readBpfObject } from './source.ts';

export async function optimizeAll(args: Parsed, budgetMs: number, one: (args: Parsed) => Promise<number>): Promise<number> {
  const path = args.positionals[0];
  const out = str(args, 'output')!;
  if (str(args, 'section') !== undefined) throw new UsageError('optimize: --all and --section do not go together');
  checkOutputPath(out, path);
  let bytes: Uint8Array;
  let names: string[];
  try {
    bytes = readInput(path);
    names = readBpfObject(bytes).programs.map((p) => p.name);
  } catch (e) {
    throw located(path, e);
  }
  // a Ctrl-C between or during programs: no further program is searched. A `once` listener,
  // like the single-program command's, so that a second Ctrl-C gets the default (quit)
  let stopped = false;
  const onInterrupt = (): void => void (stopped = true);
  process.once('SIGINT', onInterrupt);
  const tmp = (i: number): string => join(dirname(out), `.${basename(out)}.all.${process.pid}.${i}.o`);
  const share = Math.max(1, Math.floor(budgetMs / Math.max(1, names.length)));
  const kept: string[] = [];
  try {
    writeAtomic(tmp(0), bytes);
    let current = tmp(0);
    for (let i = 0; i < names.length; i++) {
      if (stopped) {
        kept.push(names[i]);
        process.stderr.write(`${names[i]}: kept unchanged (interrupted before its search)\n`);
        continue;
      }
      const next = tmp(i + 1);
      const values = { ...args.values, all: undefined, 'all-output': out, section: names[i], output: next, budget: `${share}ms` };
      try {
        await one({ ...args, positionals: [current], values });
        current = next;
      } catch (e) {
        // a usage error is the same for every program; anything else concerns this one
        if (e instanceof UsageError) throw e;
        kept.push(names[i]);
        const why = ((e as Error).message ?? String(e)).split('\n')[0].split(current).join(path);
        process.stderr.write(`${names[i]}: kept unchanged (${why})\n`);
      }
    }
    writeAtomic(out, new Uint8Array(readFileSync(current)));
    process.stderr.write(`${names.length} programs: ${names.length - kept.length} searched, ${kept.length} kept unchanged; wrote ${out}\n`);
    // as with one program whose result failed its checks: OUT holds the input, and the exit says so
    if (names.length && kept.length === names.length) throw new InputError(`${path}: no program could be optimized (each kept unchanged, reasons above)`);
    return 0;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    for (let i = 0; i <= names.length; i++) rmSync(tmp(i), { force: true });
  }
}
