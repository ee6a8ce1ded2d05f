// A deployment target: what an optimized program must run on. Two axes:
//   ISA level  v1..v4, as llc's -mcpu: v2 adds jlt/jle/jslt/jsle; v3 adds the JMP32 class and
//              the atomics beyond add (llvm emits them from v3, which also turns alu32 on);
//              v4 adds sdiv/smod, movsx, sign-extending loads, bswap, gotol, load-acquire /
//              store-release. 32-bit ALU (class BPF_ALU) and BPF_ST are base instructions: the
//              kernel has run them since eBPF began (RFC 9669 puts them in base32); v3 only
//              made llvm use alu32 by default, so they are allowed at every level.
//   kernel     the release that must load it: gates instructions, helpers and lddw kinds by
//              the release that introduced them (kernel commits; bcc's kernel-versions.md).
// Parsed once from `--target` into plain data (it crosses to worker threads).
import { release } from 'node:os';
import type { Op } from './op.ts';
import { helperName } from './helpers.ts';
import { helperSince } from './helper-since.ts';

export type IsaLevel = 1 | 2 | 3 | 4;

export interface KernelVersion {
  readonly major: number;
  readonly minor: number;
}

export interface Target {
  readonly isa: IsaLevel;
  readonly kernel: KernelVersion;
  /** How it was chosen, for the report: e.g. "--target v2; kernel: the running kernel". */
  readonly origin: string;
}

/** What an instruction needs: the lowest ISA level and kernel release that have it. */
export interface Requirement {
  readonly isa: IsaLevel;
  readonly kernel: KernelVersion;
  /** The feature, in words ("sign-extending load"). */
  readonly what: string;
}

/** A bad --target (the CLI turns it into a usage error). */
export class TargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
  }
}

const k = (major: number, minor: number): KernelVersion => ({ major, minor });
export const kernelAtLeast = (a: KernelVersion, b: KernelVersion): boolean => a.major > b.major || (a.major === b.major && a.minor >= b.minor);
export const formatKernelVersion = (v: KernelVersion): string => `${v.major}.${v.minor}`;
export const describeTarget = (t: Target): string => `ISA v${t.isa}, kernel ${formatKernelVersion(t.kernel)}`;

/** The oldest release we accept as a target: eBPF programs of every kind load from here on. */
const OLDEST = k(3, 19);

/** Releases introducing each ISA level (jlt & co. 4.14, JMP32 5.1, cpu v4 6.6). */
const ISA_SINCE: Record<IsaLevel, KernelVersion> = { 1: OLDEST, 2: k(4, 14), 3: k(5, 1), 4: k(6, 6) };

/** The highest ISA level a kernel release runs. */
export function maxIsaFor(kernel: KernelVersion): IsaLevel {
  for (const level of [4, 3, 2] as const) if (kernelAtLeast(kernel, ISA_SINCE[level])) return level;
  return 1;
}

/** The running kernel's release ("6.18.0-1-amd64" → 6.18). */
export function runningKernel(text: string = release()): KernelVersion {
  const m = /^(\d+)\.(\d+)/.exec(text);
  if (!m) throw new TargetError(`cannot read a kernel version from the release '${text}'`);
  return k(Number(m[1]), Number(m[2]));
}

/**
 * Parse `--target`: comma-separated parts, each an ISA level (v1..v4) or a kernel release
 * (6.1, or kernel=6.1). A missing kernel is the running one; a missing ISA level is the
 * highest that kernel runs.
 */
export function parseTarget(text: string | undefined, running: KernelVersion = runningKernel()): Target {
  let isa: IsaLevel | undefined;
  let kernel: KernelVersion | undefined;
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const level = /^v([1-4])$/.exec(part);
    const version = /^(?:kernel=)?(\d+)\.(\d+)$/.exec(part);
    if (level) {
      if (isa !== undefined) throw new TargetError(`--target names two ISA levels (v${isa} and ${part})`);
      isa = Number(level[1]) as IsaLevel;
    } else if (version) {
      if (kernel) throw new TargetError(`--target names two kernels (${formatKernelVersion(kernel)} and ${part})`);
      kernel = k(Number(version[1]), Number(version[2]));
      if (!kernelAtLeast(kernel, OLDEST)) throw new TargetError(`--target kernel ${part} is older than ${formatKernelVersion(OLDEST)}, the oldest supported`);
    } else {
      throw new TargetError(`--target: '${part}' is neither an ISA level (v1..v4) nor a kernel release (6.1, kernel=5.15)`);
    }
  }
  const kernelOrigin = kernel ? 'given' : 'the running kernel';
  kernel ??= running;
  const top = maxIsaFor(kernel);
  if (isa !== undefined && isa > top) {
    throw new TargetError(`--target v${isa} needs kernel ${formatKernelVersion(ISA_SINCE[isa])} or later; the target kernel is ${formatKernelVersion(kernel)} (v${top} at most)`);
  }
  const origin = `ISA ${isa ? 'given' : `the highest kernel ${formatKernelVersion(kernel)} runs`}; kernel ${kernelOrigin}`;
  return { isa: isa ?? top, kernel, origin };
}

const need = (isa: IsaLevel, kernel: KernelVersion, what: string): Requirement => ({ isa, kernel, what });
const BASE = need(1, OLDEST, 'base instruction');
/** cpu v4's instructions, all in 6.6 (the "cpu v4" series). */
const V4 = (what: string): Requirement => need(4, k(6, 6), what);

/**
 * lddw source kinds (BPF_PSEUDO_*) by the release that added them. A linked program names maps
 * by index (5, 6): the loader turns them into fds (1, 2) on kernels without fd_array, so an
 * index counts as the fd form; a map value (global data) needs 5.2 either way.
 */
const PSEUDO_SINCE: Record<number, [KernelVersion, string]> = {
  2: [k(5, 2), 'lddw of a map value (global data)'],
  3: [k(5, 10), 'lddw of a kernel symbol (BTF id)'],
  4: [k(5, 13), 'lddw of a function (callback)'],
  6: [k(5, 2), 'lddw of a map value (global data)'],
};

/** The lowest ISA level and kernel that have `op`. Helpers the table does not know need nothing more than the base. */
export function requirement(op: Op): Requirement {
  switch (op.kind) {
    case 'alu':
      if (op.op === 'sdiv' || op.op === 'smod') return V4(`signed ${op.op === 'sdiv' ? 'division' : 'modulo'}`);
      if (op.op === 'movsx') return V4('sign-extending move');
      return BASE;
    case 'end':
      return op.order === 'swap' ? V4('unconditional byte swap (bswap)') : BASE;
    case 'ja':
      return op.long ? V4('32-bit jump offset (gotol)') : BASE;
    case 'jcond':
      if (op.width === 32) return need(3, ISA_SINCE[3], '32-bit conditional jump (JMP32)');
      if (op.op === 'jlt' || op.op === 'jle' || op.op === 'jslt' || op.op === 'jsle') return need(2, ISA_SINCE[2], `${op.op} jump`);
      return BASE;
    case 'maygoto':
      // not an -mcpu feature: llvm emits it from inline assembly at any level
      return need(1, k(6, 9), 'may_goto');
    case 'call':
      if (op.callKind === 'local') return need(1, k(4, 16), 'BPF-to-BPF call');
      if (op.callKind === 'kfunc') return need(1, k(5, 13), 'kernel function call (kfunc)');
      {
        const since = helperSince(op.imm);
        return since ? need(1, since, `helper bpf_${helperName(op.imm)}#${op.imm}`) : BASE;
      }
    case 'lddw': {
      const p = PSEUDO_SINCE[op.pseudo];
      return p ? need(1, p[0], p[1]) : BASE;
    }
    case 'ldx':
      return op.signed ? V4('sign-extending load') : BASE;
    case 'atomic':
      if (op.op === 'load_acq' || op.op === 'store_rel') return need(4, k(6, 15), `atomic ${op.op === 'load_acq' ? 'load-acquire' : 'store-release'}`);
      if (op.op !== 'add' || op.fetch) return need(3, k(5, 12), `atomic ${op.op}${op.fetch && op.op !== 'xchg' && op.op !== 'cmpxchg' ? ' with fetch' : ''}`);
      return BASE;
    default:
      return BASE;
  }
}

/** Why `op` cannot run on the target, or undefined when it can. */
export function missingOn(t: Target, op: Op): string | undefined {
  const r = requirement(op);
  if (r.isa > t.isa) return `${r.what} needs ISA v${r.isa}; the target is v${t.isa}`;
  if (!kernelAtLeast(t.kernel, r.kernel)) return `${r.what} needs kernel ${formatKernelVersion(r.kernel)}; the target is ${formatKernelVersion(t.kernel)}`;
  return undefined;
}

export const allows = (t: Target, op: Op): boolean => missingOn(t, op) === undefined;

/** The first instruction of `ops` (slots; null for lddw's second half or a deleted slot) the target lacks. */
export function firstMissing(t: Target, ops: readonly (Op | null)[]): { pc: number; op: Op; reason: string } | undefined {
  for (let pc = 0; pc < ops.length; pc++) {
    const op = ops[pc];
    const reason = op ? missingOn(t, op) : undefined;
    if (op && reason) return { pc, op, reason };
  }
  return undefined;
}
