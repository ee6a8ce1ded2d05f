// A loadable unit: instructions plus what they refer to.
//
// Map references are kept in the instructions the way the kernel accepts them with an
// fd_array: lddw src=BPF_PSEUDO_MAP_IDX (5), imm = index into `maps`; or
// src=BPF_PSEUDO_MAP_IDX_VALUE (6), imm = index, second imm = offset into the value.
// So a Program is self-contained: the interpreter resolves the index to its own map,
// the kernel bridge creates the maps and passes their fds.
import type { Insn } from './insn.ts';

/** Program types we model; names follow the kernel's enum bpf_prog_type (lower case, no prefix). */
export type ProgType =
  | 'socket_filter' | 'kprobe' | 'sched_cls' | 'sched_act' | 'tracepoint' | 'xdp'
  | 'perf_event' | 'cgroup_skb' | 'cgroup_sock' | 'raw_tracepoint' | 'lwt_in' | 'sk_skb' | 'syscall';

/** enum bpf_prog_type values (include/uapi/linux/bpf.h). */
export const PROG_TYPE_ID: Record<ProgType, number> = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7,
  cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, sk_skb: 14, raw_tracepoint: 17, syscall: 31,
};

/** enum bpf_map_type values we know by name. */
export const MAP_TYPE = {
  hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6,
  stack_trace: 7, cgroup_array: 8, lru_hash: 9, lru_percpu_hash: 10, lpm_trie: 11,
  array_of_maps: 12, hash_of_maps: 13, devmap: 14, sockmap: 15, cpumap: 16, xskmap: 17,
  sockhash: 18, devmap_hash: 25, ringbuf: 27,
} as const;
export type MapTypeName = keyof typeof MAP_TYPE;

export function mapTypeName(id: number): string {
  for (const [k, v] of Object.entries(MAP_TYPE)) if (v === id) return k;
  return `type_${id}`;
}

export interface MapDef {
  readonly name: string;
  /** enum bpf_map_type. */
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Initial contents of a global-data map (.rodata/.data/.bss), when there is one. */
  readonly initial?: Uint8Array;
  /** Frozen read-only data (.rodata). */
  readonly readonly?: boolean;
}

export interface Program {
  /** Function (symbol) name. */
  readonly name: string;
  /** ELF section it came from, e.g. "xdp" or "tracepoint/syscalls/sys_enter_open". */
  readonly section: string;
  readonly type: ProgType;
  /** Instruction slots; bpf-to-bpf callees are appended after the entry function. */
  readonly insns: readonly Insn[];
  readonly maps: readonly MapDef[];
  readonly license: string;
  /** Slot indices where functions start (0 = entry). */
  readonly funcs: readonly { name: string; start: number }[];
}

/** Program type from an ELF section name, with libbpf's conventions (prefix match). */
export function progTypeOfSection(section: string): ProgType | undefined {
  const rules: [string, ProgType][] = [
    ['xdp', 'xdp'], ['tc', 'sched_cls'], ['classifier', 'sched_cls'], ['action', 'sched_act'],
    ['socket', 'socket_filter'], ['kprobe/', 'kprobe'], ['kretprobe/', 'kprobe'], ['uprobe', 'kprobe'],
    ['tracepoint/', 'tracepoint'], ['tp/', 'tracepoint'], ['raw_tracepoint/', 'raw_tracepoint'],
    ['raw_tp/', 'raw_tracepoint'], ['perf_event', 'perf_event'], ['cgroup_skb/', 'cgroup_skb'],
    ['cgroup/skb', 'cgroup_skb'], ['cgroup/sock', 'cgroup_sock'], ['lwt_in', 'lwt_in'], ['sk_skb', 'sk_skb'],
    ['syscall', 'syscall'],
  ];
  // libbpf: a leading '?' only turns off autoload; 'kprobe', 'tracepoint', 'raw_tp' may stand alone.
  if (section.startsWith('?')) section = section.slice(1);
  for (const [p, t] of rules) {
    if (section === p || (p.endsWith('/') && section === p.slice(0, -1)) || section.startsWith(p.endsWith('/') ? p : `${p}/`) || section.startsWith(`${p}.`)) return t;
    if (p.endsWith('/') && section.startsWith(p)) return t;
  }
  return undefined;
}

/** Each function's slot range [start, end), in slot order. */
export function funcRanges(p: Program): { name: string; start: number; end: number }[] {
  const fs = [...p.funcs].sort((a, b) => a.start - b.start);
  return fs.map((f, i) => ({ name: f.name, start: f.start, end: fs[i + 1]?.start ?? p.insns.length }));
}

/** Build a Program from bare instructions (assembled text or raw bytecode). */
export function bareProgram(insns: readonly Insn[], type: ProgType = 'xdp', name = 'prog'): Program {
  return { name, section: type, type, insns, maps: [], license: 'GPL', funcs: [{ name, start: 0 }] };
}
