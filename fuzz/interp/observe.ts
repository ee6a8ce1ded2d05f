// One run's outcome, as comparable data: r0, the packet afterwards, every map's contents, and
// what the program printed (bpf_trace_printk) or put in its ring (bpf_ringbuf_output).
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
  /** ringbuf_output records as "map:hex", map by map, each map's in ring order (kernel: only when its rings were read). */
  ringbuf?: string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const entries = (list: readonly (readonly [Uint8Array, Uint8Array])[]): string[] => list.map(([k, v]) => `${hex(k)}=${hex(v)}`).sort();

/** One ring record as compared: "map:hex". */
export const ringRecord = (map: string, data: Uint8Array): string => `${map}:${hex(data)}`;

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
  const rings = r.output.flatMap((o) => (o.kind === 'ringbuf' ? [o] : []));
  // a ring keeps its own order only: group by map, as reading the kernel's rings one by one does
  const ringbuf = names.flatMap((name, i) => rings.filter((o) => o.map === i).map((o) => ringRecord(name, o.data)));
  return { kind: 'exit', r0: `0x${r.r0.toString(16)}`, packet: hex(r.packet), maps, ...(printk.length ? { printk } : {}), ...(ringbuf.length ? { ringbuf } : {}) };
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
  if (kernel.ringbuf) {
    const a = kernel.ringbuf, b = ours.ringbuf ?? [];
    const i = a.findIndex((x, j) => x !== b[j]);
    const at = i >= 0 ? i : a.length < b.length ? a.length : -1;
    // records can be hundreds of bytes and a ring holds many: name the first that differs
    if (at >= 0) out.push(`ringbuf: kernel ${a.length} records, interp ${b.length}; #${at}: kernel ${a[at] ?? '(none)'}\n        interp ${b[at] ?? '(none)'}`);
  }
  return out;
}
