// One run's outcome, as comparable data: r0, the packet afterwards, every map's contents.
import type { RunResult } from '../../src/interp/index.ts';
import type { Full64Result } from '../../src/kernel/testrun.ts';

export interface RunObs {
  /** 'exit' with results, or how it failed. */
  kind: 'exit' | 'fault' | 'error';
  r0?: string;
  packet?: string;
  /** map name → sorted "key=value" hex pairs. */
  maps?: Record<string, string[]>;
  message?: string;
  /** bpf_trace_printk messages in order (kernel: only when tracefs was read for the run). */
  printk?: string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const entries = (list: readonly (readonly [Uint8Array, Uint8Array])[]): string[] => list.map(([k, v]) => `${hex(k)}=${hex(v)}`).sort();

export function fromKernel(r: Full64Result): RunObs {
  if (!r.ok) return { kind: 'error', message: `test_run failed: ${r.errno}` };
  const maps: Record<string, string[]> = {};
  for (const m of r.maps) maps[m.name] = entries(m.entries);
  return { kind: 'exit', r0: `0x${r.r0!.toString(16)}`, packet: hex(r.dataOut ?? new Uint8Array()), maps };
}

export function fromInterp(r: RunResult, names: readonly string[]): RunObs {
  if (r.kind === 'fault') return { kind: 'fault', message: `${r.reason} at insn ${r.pc}: ${r.message}` };
  const maps: Record<string, string[]> = {};
  r.maps.forEach((m, i) => (maps[names[i]] = entries(m.entries())));
  const printk = r.output.flatMap((o) => (o.kind === 'printk' ? [o.text] : []));
  return { kind: 'exit', r0: `0x${r.r0.toString(16)}`, packet: hex(r.packet), maps, ...(printk.length ? { printk } : {}) };
}

export function compareRun(kernel: RunObs, ours: RunObs): string[] {
  const out: string[] = [];
  if (kernel.kind !== ours.kind) return [`outcome: kernel ${kernel.kind}${kernel.message ? ` (${kernel.message})` : ''}, interp ${ours.kind}${ours.message ? ` (${ours.message})` : ''}`];
  if (kernel.r0 !== ours.r0) out.push(`r0: kernel ${kernel.r0}, interp ${ours.r0}`);
  if (kernel.packet !== ours.packet) out.push(`packet: kernel ${kernel.packet}\n        interp ${ours.packet}`);
  for (const name of Object.keys(kernel.maps ?? {})) {
    const a = kernel.maps![name].join(' '), b = (ours.maps?.[name] ?? []).join(' ');
    if (a !== b) out.push(`map ${name}: kernel [${a}]\n        interp [${b}]`);
  }
  if (kernel.printk) {
    const a = JSON.stringify(kernel.printk), b = JSON.stringify(ours.printk ?? []);
    if (a !== b) out.push(`printk: kernel ${a}\n        interp ${b}`);
  }
  return out;
}
