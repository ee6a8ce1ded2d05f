// Which KernelFlavor the running kernel is. Builds that report the same release can differ in
// the verifier (6.18.44-fc-v657 and -v1252 do), so this asks the verifier itself: one tiny
// program per behaviour switch, loaded at log_level 2, its logged state read back.
import { release } from 'node:os';
import { LINUX_6_18, LINUX_6_18_SX64, type KernelFlavor } from '../domains/scalar.ts';
import { encodeBytes, type Insn } from '../isa/insn.ts';
import { fromOp, type Op } from '../isa/op.ts';
import { loadRaw } from './load.ts';
import { closeFd, kernelAvailable } from './syscall.ts';

/**
 * r6 = unknown with s32 ∈ [-5, 256] and the 64-bit bounds unknown; r6 = (s32)r6. A kernel that
 * bounds the sign extension by the 32-bit range logs smin=-5; one that looks only at the 64-bit
 * bounds logs smin=S32_MIN.
 */
const SX_PROBE: Op[] = [
  { kind: 'call', callKind: 'helper', imm: 5, off: 0 },
  { kind: 'alu', op: 'mov', width: 64, dst: 6, src: { reg: 0 } },
  { kind: 'jcond', op: 'jsgt', width: 32, dst: 6, src: { imm: 256 }, off: 2 },
  { kind: 'jcond', op: 'jslt', width: 32, dst: 6, src: { imm: -5 }, off: 1 },
  { kind: 'alu', op: 'movsx', width: 64, dst: 6, src: { reg: 6 }, ext: 32 },
  { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { imm: 0 } },
  { kind: 'exit' },
];

let detected: KernelFlavor | null | undefined;

/** The running kernel's flavor, or undefined when bpf() is not available (probed once per process). */
export function detectFlavor(): KernelFlavor | undefined {
  if (detected !== undefined) return detected ?? undefined;
  detected = null;
  if (!kernelAvailable().ok) return undefined;
  const insns: Insn[] = SX_PROBE.flatMap(fromOp);
  const r = loadRaw('socket_filter', encodeBytes(insns), 'GPL', { logLevel: 2 });
  if (r.fd >= 0) closeFd(r.fd);
  const line = r.log.split('\n').find((l) => l.startsWith('4: (bf) r6 = (s32)r6'));
  if (r.fd < 0 || !line) return undefined;
  detected = /smin=smin32=-5\b/.test(line) ? LINUX_6_18 : LINUX_6_18_SX64;
  return detected;
}

/** What a recording says about the kernel that made it. */
export interface KernelMeta {
  /** uname -r */
  readonly kernel: string;
  /** KernelFlavor name */
  readonly flavor: string;
}

export const kernelMeta = (fl: KernelFlavor): KernelMeta => ({ kernel: release(), flavor: fl.name });

/** The flavor that models the running kernel: probed when bpf() works, else LINUX_6_18. */
export const runningKernelFlavor = (): KernelFlavor => detectFlavor() ?? LINUX_6_18;
