// Errors a user can act on. Anything thrown that is one of these is printed as one line
// (`bpfsynth: <where>: <what>`) with no stack trace; anything else is a bug and is reported
// as one too, with the stack only under --debug.
import { ElfError } from '../isa/elf.ts';
import { AsmError } from '../isa/asm.ts';
import { InsnError } from '../isa/op.ts';
import { DecodeError } from '../isa/insn.ts';

/** Wrong use of the command line: exit 2. */
export class UsageError extends Error {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A problem with the user's input or environment: exit 1. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Prefix an input-related error with where it happened (a file name, "stdin"…). */
export function located(where: string, e: unknown): unknown {
  if (e instanceof Error && e.message.startsWith(`${where}:`)) return e instanceof InputError ? e : new InputError(e.message);
  if (e instanceof ElfError || e instanceof DecodeError || e instanceof InputError) return new InputError(`${where}: ${e.message}`);
  if (e instanceof AsmError) return new InputError(`${where}:${e.message}`);
  if (e instanceof InsnError) return new InputError(`${where}: instruction ${e.index}: ${e.message}`);
  return e;
}

/** Exit code and message for any error. */
export function describe(e: unknown): { code: number; message: string } {
  if (e instanceof UsageError) return { code: 2, message: e.message };
  if (e instanceof InputError) return { code: 1, message: e.message };
  if (e instanceof ElfError || e instanceof AsmError || e instanceof DecodeError) return { code: 1, message: e.message };
  if (e instanceof InsnError) return { code: 1, message: `instruction ${e.index}: ${e.message}` };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall && err.path) {
    const what = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory' }[err.code] ?? err.code;
    return { code: 1, message: `${err.path}: ${what}` };
  }
  return { code: 70, message: `internal error: ${(e as Error)?.message ?? String(e)} (run with --debug for details)` };
}
