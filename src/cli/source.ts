// Turning a user's FILE argument into instructions: an ELF object, raw bytecode (--raw),
// hex text (--hex, or stdin by default), or assembly text (.s/.asm).
import { readObject, type BpfObject } from '../isa/object.ts';
import { decodeBytes } from '../isa/insn.ts';
import { assemble } from '../isa/asm.ts';
import { PROG_TYPES, bareProgram, type Program, type ProgType } from '../isa/program.ts';
import { runningKernelExterns } from '../kernel/externs.ts';
import { InputError, UsageError, located } from './errors.ts';
import { relocateForTarget } from '../isa/core.ts';
import { isElf, parseHex, readInput } from './io.ts';

export type SourceKind = 'auto' | 'raw' | 'hex' | 'asm';

export interface Loaded {
  where: string;
  object?: BpfObject;
  program: Program;
}

export function progTypeArg(v: string | undefined): ProgType | undefined {
  if (v === undefined) return undefined;
  if (!PROG_TYPES.includes(v as ProgType)) throw new UsageError(`--type must be one of ${PROG_TYPES.join(', ')}`);
  return v as ProgType;
}

/** Read FILE (or '-' for stdin) as an object and link one program, or as bare instructions. */
export function loadSource(path: string, opts: { kind?: SourceKind; section?: string; type?: ProgType; btf?: string }): Loaded {
  const where = path === '-' ? 'stdin' : path;
  let bytes: Uint8Array;
  try {
    bytes = readInput(path);
  } catch (e) {
    throw located(where, e);
  }
  const kind = opts.kind ?? 'auto';
  try {
    if (kind === 'raw') return { where, program: bareProgram(decodeBytes(bytes), opts.type) };
    if (kind === 'hex') return { where, program: bareProgram(decodeBytes(parseHex(text(bytes), where)), opts.type) };
    if (kind === 'asm') return { where, program: bareProgram(assemble(text(bytes)).insns, opts.type) };
    if (isElf(bytes)) {
      const object = readBpfObject(bytes);
      // --type decides before linking: a section whose name says nothing still links.
      // CO-RE: relocated for the target (--btf FILE, else the running kernel) before anything runs it
      const program = relocateForTarget(object, object.link(opts.section, { type: opts.type }), opts.btf);
      return { where, object, program };
    }
    if (/\.(s|asm|S)$/.test(path)) return { where, program: bareProgram(assemble(text(bytes)).insns, opts.type) };
    if (path === '-' || /^[\s0-9a-fA-Fx]*$/.test(text(bytes.subarray(0, 4096)))) {
      return { where, program: bareProgram(decodeBytes(parseHex(text(bytes), where)), opts.type) };
    }
    throw new InputError('not an ELF object, assembly (.s) or hex text; use --raw for raw bytecode');
  } catch (e) {
    throw located(where, e);
  }
}

/** An object with its externs resolved against the running kernel (Kconfig, BTF, kallsyms). */
export const readBpfObject = (bytes: Uint8Array): BpfObject => readObject(bytes, { externs: runningKernelExterns });

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
