// Helper prototypes (struct bpf_func_proto) for the helpers the model knows: argument kinds,
// return kind, whether the helper may change packet data (bpf_helper_changes_pkt_data), and
// which program types may call it (measured on the 6.18 kernel: "program of this type cannot
// use helper"). A helper may have several prototypes for different program types (the first
// whose types include the program's applies).
import type { ProgType } from './program.ts';
import { helperId } from './helpers.ts';
import type { HelperArgs } from './flow.ts';

export type ArgKind =
  | 'anything'
  | 'map' // ARG_CONST_MAP_PTR
  | 'key' // ARG_PTR_TO_MAP_KEY
  | 'value' // ARG_PTR_TO_MAP_VALUE
  | 'mem' // ARG_PTR_TO_MEM | MEM_RDONLY (read by the helper)
  | 'mem_or_null' // ... | PTR_MAYBE_NULL
  | 'uninit' // ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE (written by the helper)
  | 'uninit_aligned8' // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED, 8 bytes
  | 'write_aligned4' // ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED, 4 bytes (read and written)
  | 'size' // ARG_CONST_SIZE
  | 'size0' // ARG_CONST_SIZE_OR_ZERO
  | 'ctx' // ARG_PTR_TO_CTX
  | 'ctx_or_null' // ARG_PTR_TO_CTX_OR_NULL
  | 'alloc_size' // ARG_CONST_ALLOC_SIZE_OR_ZERO (a known constant: the size of the memory returned)
  | 'ringbuf_release' // ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE
  | 'sock_release' // ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE
  | 'sock_common' // ARG_PTR_TO_SOCK_COMMON
  | 'dynptr_uninit_local' | 'dynptr_uninit_ringbuf' // ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_* | MEM_UNINIT: the helper makes one
  | 'dynptr' // ARG_PTR_TO_DYNPTR | MEM_RDONLY: an initialised dynptr of any kind
  | 'dynptr_release_ringbuf'; // ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | OBJ_RELEASE

export type RetKind = 'integer' | 'map_value_or_null' | 'map_value' | 'void'
  | 'ringbuf_mem_or_null' // RET_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RINGBUF, an acquired reference
  | 'sock_or_null' | 'sock_common_or_null' // RET_PTR_TO_SOCKET(_COMMON)_OR_NULL, acquired by the lookups
  | 'dynptr_mem_or_null' // RET_PTR_TO_DYNPTR_MEM_OR_NULL: a slice of the dynptr argument
  | 'sock_cast_or_null' // RET_PTR_TO_SOCKET_OR_NULL of a pointer cast: holds the argument's reference
  | 'listener_or_null' // RET_PTR_TO_SOCKET_OR_NULL holding no reference
  | 'tcp_sock_or_null'; // RET_PTR_TO_TCP_SOCK_OR_NULL of a pointer cast

export interface Proto {
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly ret: RetKind;
  readonly changesPkt?: boolean;
  /** Program types allowed; undefined = every type. */
  readonly types?: readonly ProgType[];
  /** Map types allowed for the map argument (check_map_func_compatibility), by enum value. */
  readonly mapTypes?: readonly number[];
}

const NET_TC: ProgType[] = ['sched_cls', 'sched_act'];
const SK_LOOKUP: ProgType[] = ['sched_cls', 'sched_act', 'xdp'];
const TRACING: ProgType[] = ['kprobe', 'tracepoint', 'raw_tracepoint', 'perf_event'];

// every field present (undefined when not given), in one order: one V8 map for every proto (a
// spread of the extras gave them five, and the verifier reads them at every helper call)
const P = (name: string, args: ArgKind[], ret: RetKind, extra: Partial<Proto> = {}): Proto =>
  ({ name, args, ret, changesPkt: extra.changesPkt, types: extra.types, mapTypes: extra.mapTypes }) satisfies Record<keyof Proto, unknown>;

const LIST: Proto[] = [
  P('map_lookup_elem', ['map', 'key'], 'map_value_or_null'),
  P('map_update_elem', ['map', 'key', 'value', 'anything'], 'integer'),
  P('map_delete_elem', ['map', 'key'], 'integer'),
  P('probe_read', ['uninit', 'size0', 'anything'], 'integer', { types: TRACING }),
  P('ktime_get_ns', [], 'integer'),
  P('trace_printk', ['mem', 'size'], 'integer'),
  P('get_prandom_u32', [], 'integer'),
  P('get_smp_processor_id', [], 'integer'),
  P('skb_store_bytes', ['ctx', 'anything', 'mem', 'size', 'anything'], 'integer', { changesPkt: true, types: NET_TC }),
  P('l3_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', { changesPkt: true, types: NET_TC }),
  P('l4_csum_replace', ['ctx', 'anything', 'anything', 'anything', 'anything'], 'integer', { changesPkt: true, types: NET_TC }),
  P('tail_call', ['ctx', 'map', 'anything'], 'void', { mapTypes: [3] }),
  P('get_current_pid_tgid', [], 'integer'),
  P('get_current_uid_gid', [], 'integer'),
  P('get_current_comm', ['uninit', 'size'], 'integer'),
  P('redirect', ['anything', 'anything'], 'integer', { types: ['xdp', 'sched_cls', 'sched_act'] }),
  P('perf_event_output', ['ctx', 'map', 'anything', 'mem', 'size0'], 'integer', { mapTypes: [4] }),
  P('skb_load_bytes', ['ctx', 'anything', 'uninit', 'size'], 'integer', { types: ['sched_cls', 'sched_act', 'socket_filter', 'cgroup_skb'] }),
  P('csum_diff', ['mem_or_null', 'size0', 'mem_or_null', 'size0', 'anything'], 'integer', { types: ['xdp', 'sched_cls', 'sched_act'] }),
  P('get_hash_recalc', ['ctx'], 'integer', { types: NET_TC }),
  P('skb_change_head', ['ctx', 'anything', 'anything'], 'integer', { changesPkt: true, types: NET_TC }),
  P('skb_pull_data', ['ctx', 'anything'], 'integer', { changesPkt: true, types: NET_TC }),
  P('xdp_adjust_head', ['ctx', 'anything'], 'integer', { changesPkt: true, types: ['xdp'] }),
  P('redirect_map', ['map', 'anything', 'anything'], 'integer', { types: ['xdp'], mapTypes: [14, 16, 17, 25] }),
  P('xdp_adjust_meta', ['ctx', 'anything'], 'integer', { changesPkt: true, types: ['xdp'] }),
  P('xdp_adjust_tail', ['ctx', 'anything'], 'integer', { changesPkt: true, types: ['xdp'] }),
  P('probe_read_user', ['uninit', 'size0', 'anything'], 'integer'),
  P('probe_read_kernel', ['uninit', 'size0', 'anything'], 'integer'),
  P('probe_read_user_str', ['uninit', 'size0', 'anything'], 'integer'),
  P('probe_read_kernel_str', ['uninit', 'size0', 'anything'], 'integer'),
  P('ringbuf_output', ['map', 'mem', 'size0', 'anything'], 'integer', { mapTypes: [27] }),
  // kernel/bpf/ringbuf.c: reserve acquires a reference that submit or discard releases
  P('ringbuf_reserve', ['map', 'alloc_size', 'anything'], 'ringbuf_mem_or_null', { mapTypes: [27] }),
  P('ringbuf_submit', ['ringbuf_release', 'anything'], 'void'),
  P('ringbuf_discard', ['ringbuf_release', 'anything'], 'void'),
  P('ringbuf_query', ['map', 'anything'], 'integer', { mapTypes: [27] }),
  // dynptrs (kernel/bpf/helpers.c, ringbuf.c): a ring-buffer dynptr holds a reference from
  // reserve_dynptr to submit_dynptr / discard_dynptr, whether the reservation worked or not
  P('ringbuf_reserve_dynptr', ['map', 'anything', 'anything', 'dynptr_uninit_ringbuf'], 'integer', { mapTypes: [27] }),
  P('ringbuf_submit_dynptr', ['dynptr_release_ringbuf', 'anything'], 'void'),
  P('ringbuf_discard_dynptr', ['dynptr_release_ringbuf', 'anything'], 'void'),
  P('strtol', ['mem', 'size', 'anything', 'uninit_aligned8'], 'integer'),
  P('strtoul', ['mem', 'size', 'anything', 'uninit_aligned8'], 'integer'),
  P('check_mtu', ['ctx', 'anything', 'write_aligned4', 'anything', 'anything'], 'integer', { types: NET_TC }),
  P('check_mtu', ['ctx', 'anything', 'write_aligned4', 'anything', 'anything'], 'integer', { types: ['xdp'] }),
  P('dynptr_from_mem', ['uninit', 'size0', 'anything', 'dynptr_uninit_local'], 'integer'),
  P('dynptr_read', ['uninit', 'size0', 'dynptr', 'anything', 'anything'], 'integer'),
  P('dynptr_write', ['dynptr', 'anything', 'mem', 'size0', 'anything'], 'integer'),
  P('dynptr_data', ['dynptr', 'anything', 'alloc_size'], 'dynptr_mem_or_null'),
  // net/core/filter.c: socket lookups acquire a reference that sk_release gives back
  P('sk_lookup_tcp', ['ctx', 'mem', 'size', 'anything', 'anything'], 'sock_or_null', { types: SK_LOOKUP }),
  P('sk_lookup_udp', ['ctx', 'mem', 'size', 'anything', 'anything'], 'sock_or_null', { types: SK_LOOKUP }),
  P('skc_lookup_tcp', ['ctx', 'mem', 'size', 'anything', 'anything'], 'sock_common_or_null', { types: SK_LOOKUP }),
  P('sk_release', ['sock_release'], 'integer', { types: SK_LOOKUP }),
  P('sk_fullsock', ['sock_common'], 'sock_cast_or_null', { types: [...NET_TC, 'cgroup_skb'] }),
  P('tcp_sock', ['sock_common'], 'tcp_sock_or_null', { types: [...NET_TC, 'cgroup_skb', 'sock_ops'] }),
  P('get_listener_sock', ['sock_common'], 'listener_or_null', { types: [...NET_TC, 'cgroup_skb'] }),
  P('ktime_get_boot_ns', [], 'integer'),
  P('xdp_load_bytes', ['ctx', 'anything', 'uninit', 'size'], 'integer', { types: ['xdp'] }),
  P('xdp_store_bytes', ['ctx', 'anything', 'mem', 'size'], 'integer', { types: ['xdp'] }),
  P('fib_lookup', ['ctx', 'mem', 'size', 'anything'], 'integer', { types: ['xdp', 'sched_cls', 'sched_act'] }),
  P('get_stackid', ['ctx', 'map', 'anything'], 'integer', { types: TRACING, mapTypes: [7] }),
  // do_refine_retval_range bounds r0 to [-MAX_ERRNO, size] in the kernel; unknown here (wider: sound)
  P('get_stack', ['ctx', 'uninit', 'size0', 'anything'], 'integer', { types: TRACING }),
  // in bpf_base_func_proto, but refused to tracing programs (measured: verifier_helper_restricted.c)
  P('ktime_get_coarse_ns', [], 'integer', { types: ['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'cgroup_sock', 'lwt_in', 'sk_skb', 'syscall'] }),
  // cgroup storage: never NULL (the flags, which must be 0, are checked in call.ts)
  P('get_local_storage', ['map', 'anything'], 'map_value', { types: ['cgroup_skb', 'cgroup_sock'], mapTypes: [19, 21] }),
  P('jiffies64', [], 'integer'),
  P('get_numa_node_id', [], 'integer'),
  P('get_current_task', [], 'integer'),
  // measured on 6.18: tc programs get the skb form, every other type the current task's (no argument)
  P('get_cgroup_classid', ['ctx'], 'integer', { types: NET_TC }),
  P('get_cgroup_classid', [], 'integer'),
  P('get_route_realm', ['ctx'], 'integer', { types: NET_TC }),
  // helpers met in real-world objects (kernel/trace/bpf_trace.c prototypes); measured on 6.18:
  // perf_event_read(_value) and current_task_under_cgroup are offered to every modelled type
  P('get_stack', ['ctx', 'uninit', 'size0', 'anything'], 'integer', { types: TRACING }),
  P('current_task_under_cgroup', ['map', 'anything'], 'integer', { mapTypes: [8] }),
  P('perf_event_read', ['map', 'anything'], 'integer', { mapTypes: [4] }),
  P('perf_event_read_value', ['map', 'anything', 'uninit', 'size'], 'integer', { mapTypes: [4] }),
  P('perf_prog_read_value', ['ctx', 'uninit', 'size'], 'integer', { types: ['perf_event'] }),
  // sock_ops (net/core/filter.c: bpf_sock_ops_*_proto)
  P('setsockopt', ['ctx', 'anything', 'anything', 'mem', 'size'], 'integer', { types: ['sock_ops'] }),
  P('getsockopt', ['ctx', 'anything', 'anything', 'uninit', 'size'], 'integer', { types: ['sock_ops'] }),
  P('sock_ops_cb_flags_set', ['ctx', 'anything'], 'integer', { types: ['sock_ops'] }),
  // socket cookies of the context's socket (net/core/filter.c: the ctx-argument prototypes; the
  // tracing one takes a BTF socket and is not here)
  P('csum_update', ['ctx', 'anything'], 'integer', { types: NET_TC }),
  P('get_socket_cookie', ['ctx'], 'integer', { types: ['socket_filter', 'sched_cls', 'sched_act', 'cgroup_sock_addr', 'cgroup_sock', 'sock_ops', 'sk_skb'] }),
  P('get_netns_cookie', ['ctx_or_null'], 'integer', { types: ['cgroup_sock_addr', 'cgroup_sock', 'sock_ops'] }),
];

const BY_ID = new Map<number, Proto[]>();
for (const p of LIST) {
  const id = helperId(p.name);
  if (id === undefined) throw new Error(`helper ${p.name} has no id`);
  BY_ID.set(id, [...(BY_ID.get(id) ?? []), p]);
}

/** The prototype of helper `id` for a program of `type` (when no variant allows the type: the first, whose types then refuse it). */
export function protoOf(id: number, type?: ProgType): Proto | undefined {
  const ps = BY_ID.get(id);
  if (!ps) return undefined;
  // one variant (most helpers): it is the answer whether or not it allows the type (no search,
  // no closure: the verifier asks at every helper call)
  if (ps.length === 1) return ps[0];
  return (type && ps.find((p) => !p.types || p.types.includes(type))) || ps[0];
}

/** Bit mask of argument registers a helper reads (r1 = bit 1); unknown helpers: r1–r5. */
export function argCount(id: number, type?: ProgType): number {
  const p = protoOf(id, type);
  const n = p ? p.args.length : 5;
  return ((1 << (n + 1)) - 1) & ~1;
}

/** argCount for one program type as the flow core's HelperArgs, memoised (the search asks per candidate). */
const argsByType = new Map<ProgType | undefined, HelperArgs>();
export function helperArgsFor(type: ProgType | undefined): HelperArgs {
  let f = argsByType.get(type);
  if (!f) {
    const masks = new Map<number, number>();
    f = (id) => {
      let m = masks.get(id);
      if (m === undefined) masks.set(id, (m = argCount(id, type)));
      return m;
    };
    argsByType.set(type, f);
  }
  return f;
}
