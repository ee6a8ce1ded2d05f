// A loadable unit: instructions plus what they refer to.
//
// Map references are kept in the instructions the way the kernel accepts them with an
// fd_array: lddw src=BPF_PSEUDO_MAP_IDX (5), imm = index into `maps`; or
// src=BPF_PSEUDO_MAP_IDX_VALUE (6), imm = index, second imm = offset into the value.
// So a Program is self-contained: the interpreter resolves the index to its own map,
// the kernel bridge creates the maps and passes their fds.
import type { Insn } from './insn.ts';
import type { CoreApplied } from './core.ts';
import { sectionDef } from './sections.ts';

/** enum bpf_prog_type values (include/uapi/linux/bpf.h, 6.18); names are the enum's, lower case, no prefix. */
export const PROG_TYPE_ID = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7,
  cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13, sk_skb: 14,
  cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17, cgroup_sock_addr: 18, lwt_seg6local: 19,
  lirc_mode2: 20, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23, raw_tracepoint_writable: 24,
  cgroup_sockopt: 25, tracing: 26, struct_ops: 27, ext: 28, lsm: 29, sk_lookup: 30, syscall: 31, netfilter: 32,
} as const;

/** Every program type the kernel has (the verifier model covers a subset: see MODELLED_TYPES). */
export type ProgType = keyof typeof PROG_TYPE_ID;
export const PROG_TYPES = Object.keys(PROG_TYPE_ID) as ProgType[];

/** Program types whose context and helpers the verifier model and the interpreter know. */
export const MODELLED_TYPES: ReadonlySet<ProgType> = new Set<ProgType>([
  'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event', 'cgroup_skb',
  'cgroup_sock', 'raw_tracepoint', 'lwt_in', 'sk_skb', 'syscall', 'sock_ops',
]);

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
  /** Map-in-map: the template the inner maps follow (libbpf creates it to make the outer map). */
  readonly inner?: MapDef;
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
  /** Set when CO-RE relocations were applied to `insns` (src/isa/core.ts): the compile-time code and each outcome. */
  readonly core?: CoreApplied;
  /** What loading needs beyond the type (from the section name, as libbpf does). */
  readonly load?: LoadNeeds;
  /** Things the reader could not carry out (e.g. CO-RE relocations not applied), one line each. */
  readonly notes?: readonly string[];
}

/** Load attributes a section implies (see sections.ts). */
export interface LoadNeeds {
  readonly expectedAttachType?: number;
  readonly sleepable?: boolean;
  readonly xdpFrags?: boolean;
  /** vmlinux BTF object to pass as attach_btf_id. */
  readonly attachTo?: { readonly kind: 'func' | 'typedef'; readonly name: string };
  /** Why the program cannot be loaded on its own, if it cannot. */
  readonly unloadable?: string;
}

/** Program type from an ELF section name, with libbpf's conventions (see sections.ts). */
export function progTypeOfSection(section: string): ProgType | undefined {
  return sectionDef(section)?.type;
}

/** Each function's slot range [start, end), in slot order. */
export function funcRanges(p: Program): { name: string; start: number; end: number }[] {
  const fs = [...p.funcs].sort((a, b) => a.start - b.start);
  return fs.map((f, i) => ({ name: f.name, start: f.start, end: fs[i + 1]?.start ?? p.insns.length }));
}

/**
 * p's fields in the interface's order, the optional ones present (undefined when p has none): one
 * V8 map for every program whatever made it. A reader's program comes with or without `notes`, and
 * `{ ...p, insns }` (the search's candidates, the benches') gets a map of its own, so a process
 * checking several programs met five and the verifier's reads of its program's type and maps
 * (every helper call, map access and null check) went megamorphic.
 */
export function oneLayout(p: Program): Program {
  // every key of Program required here, so that a field added to Program cannot be left out
  return {
    name: p.name, section: p.section, type: p.type, insns: p.insns, maps: p.maps, license: p.license, funcs: p.funcs, core: p.core, load: p.load, notes: p.notes,
  } satisfies Record<keyof Program, unknown>;
}

/** Build a Program from bare instructions (assembled text or raw bytecode). */
export function bareProgram(insns: readonly Insn[], type: ProgType = 'xdp', name = 'prog'): Program {
  return { name, section: type, type, insns, maps: [], license: 'GPL', funcs: [{ name, start: 0 }] };
}
