// Context access rules per program type: the kernel's <type>_is_valid_access (net/core/filter.c,
// kernel/trace/bpf_trace.c) for the fields and sizes a program may read or write, and what a
// read yields (a scalar, or a packet pointer for data / data_end / data_meta).
import type { ProgType } from '../isa/program.ts';
import type { RegType } from './regs.ts';

export type CtxResult = false | RegType;

// struct xdp_md
const XDP_SIZE = 24;
const XDP_EGRESS_IFINDEX = 20;
// struct __sk_buff offsets
const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb0: 48, cb4end: 68,
  hash: 68, tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, remote_ip4: 92,
  local_ip4: 96, remote_ip6: 100, local_ip6: 116, remote_port: 132, local_port: 136, data_meta: 140,
  flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176, tstamp_type: 180,
  hwtstamp: 184, size: 192,
};
const PT_REGS_SIZE = 21 * 8; // x86-64 struct pt_regs
const PERF_MAX_TRACE_SIZE = 8192;

/** off lies in the field [start, start + size). */
const inField = (off: number, start: number, size: number): boolean => off >= start && off < start + size;

/** bpf_ctx_narrow_access_ok for a 4-byte default field. */
const narrowOk = (off: number, size: number, dflt: number): boolean => size <= dflt && (off & (dflt - 1)) + size <= dflt;

function xdpAccess(off: number, size: number, write: boolean): CtxResult {
  if (write) return false;
  if (off < 0 || off >= XDP_SIZE || off % size !== 0 || size !== 4) return false;
  // egress_ifindex only for devmap programs (expected_attach_type BPF_XDP_DEVMAP; we load with 0)
  if (off === XDP_EGRESS_IFINDEX) return false;
  if (off === 0) return 'pkt';
  if (off === 4) return 'pkt_end';
  if (off === 8) return 'pkt_meta';
  return 'scalar';
}

/** bpf_skb_is_valid_access. */
function skbAccess(off: number, size: number, write: boolean): CtxResult {
  if (off < 0 || off >= SKB.size || off % size !== 0) return false;
  if (inField(off, SKB.cb0, 20)) return off + size > SKB.cb4end ? false : 'scalar';
  if (inField(off, SKB.remote_ip6, 16) || inField(off, SKB.local_ip6, 16) || inField(off, SKB.remote_ip4, 4) ||
      inField(off, SKB.local_ip4, 4) || inField(off, SKB.data, 4) || inField(off, SKB.data_meta, 4) || inField(off, SKB.data_end, 4)) {
    return size === 4 ? 'scalar' : false;
  }
  if (inField(off, SKB.flow_keys, 8)) return false;
  if (inField(off, SKB.hwtstamp, 8)) return write || size !== 8 ? false : 'scalar';
  if (inField(off, SKB.tstamp, 8)) return size === 8 ? 'scalar' : false;
  if (inField(off, SKB.sk, 8)) return false; // sock_common_or_null: not modelled; any narrower part is refused
  if (off >= SKB.tstamp_type && off < SKB.hwtstamp) return false;
  if (write) return size === 4 ? 'scalar' : false;
  return narrowOk(off, size, 4) ? 'scalar' : false;
}

function socketFilterAccess(off: number, size: number, write: boolean): CtxResult {
  if (inField(off, SKB.tc_classid, 4) || inField(off, SKB.data, 4) || inField(off, SKB.data_meta, 4) ||
      inField(off, SKB.data_end, 4) || (off >= SKB.family && off < SKB.local_port + 4) || inField(off, SKB.tstamp, 8) ||
      inField(off, SKB.wire_len, 4) || inField(off, SKB.hwtstamp, 8)) return false;
  if (write && !inField(off, SKB.cb0, 20)) return false;
  return skbAccess(off, size, write);
}

function tcAccess(off: number, size: number, write: boolean): CtxResult {
  if (write) {
    const ok = inField(off, SKB.mark, 4) || inField(off, SKB.tc_index, 4) || inField(off, SKB.priority, 4) ||
      inField(off, SKB.tc_classid, 4) || inField(off, SKB.cb0, 20) || inField(off, SKB.tstamp, 8) || inField(off, SKB.queue_mapping, 4);
    if (!ok) return false;
  }
  if (off >= SKB.family && off < SKB.local_port + 4) return false;
  if (off === SKB.tstamp_type) return size === 1 ? 'scalar' : false;
  const r = skbAccess(off, size, write);
  if (!r) return false;
  if (inField(off, SKB.data, 4)) return 'pkt';
  if (inField(off, SKB.data_end, 4)) return 'pkt_end';
  if (inField(off, SKB.data_meta, 4)) return 'pkt_meta';
  return r;
}

function cgroupSkbAccess(off: number, size: number, write: boolean): CtxResult {
  if (inField(off, SKB.tc_classid, 4) || (off >= SKB.family && off < SKB.local_port + 4 && false)) return false;
  if (write) {
    const ok = inField(off, SKB.mark, 4) || inField(off, SKB.priority, 4) || inField(off, SKB.cb0, 20);
    if (!ok) return false;
  }
  const r = skbAccess(off, size, write);
  if (!r) return false;
  if (inField(off, SKB.data, 4)) return 'pkt';
  if (inField(off, SKB.data_end, 4)) return 'pkt_end';
  if (inField(off, SKB.data_meta, 4)) return false;
  return r;
}

/** lwt_is_valid_access: no socket fields, meta data or time stamps; mark, priority and cb written. */
function lwtAccess(off: number, size: number, write: boolean): CtxResult {
  if (inField(off, SKB.tc_classid, 4) || (off >= SKB.family && off < SKB.local_port + 4) || inField(off, SKB.data_meta, 4) ||
      inField(off, SKB.tstamp, 8) || inField(off, SKB.wire_len, 4) || inField(off, SKB.hwtstamp, 8)) return false;
  if (write && !(inField(off, SKB.mark, 4) || inField(off, SKB.priority, 4) || inField(off, SKB.cb0, 20))) return false;
  const r = skbAccess(off, size, write);
  if (!r) return false;
  if (inField(off, SKB.data, 4)) return 'pkt';
  if (inField(off, SKB.data_end, 4)) return 'pkt_end';
  return r;
}

/** Read-only flat contexts: kprobe (pt_regs), tracepoint (from offset 8), raw tracepoint (u64 args). */
function flatAccess(off: number, size: number, write: boolean, lo: number, hi: number): CtxResult {
  if (write || off < lo || off >= hi || off % size !== 0 || off + size > hi) return false;
  return 'scalar';
}

/** pe_prog_is_valid_access: struct bpf_perf_event_data = pt_regs, u64 sample_period, u64 addr. */
function perfEventAccess(off: number, size: number, write: boolean): CtxResult {
  if (write || off < 0 || off >= PT_REGS_SIZE + 16 || off % size !== 0) return false;
  if (off >= PT_REGS_SIZE) return narrowOk(off, size, 8) ? 'scalar' : false;
  return size === 8 ? 'scalar' : false;
}

/** is_valid_access for a program type; false = `invalid bpf_context access`. */
export function ctxAccess(type: ProgType, off: number, size: number, write: boolean): CtxResult {
  switch (type) {
    case 'xdp': return xdpAccess(off, size, write);
    case 'socket_filter': return socketFilterAccess(off, size, write);
    case 'sched_cls': case 'sched_act': return tcAccess(off, size, write);
    case 'cgroup_skb': return cgroupSkbAccess(off, size, write);
    case 'kprobe': return flatAccess(off, size, write, 0, PT_REGS_SIZE);
    case 'perf_event': return perfEventAccess(off, size, write);
    case 'tracepoint': return flatAccess(off, size, write, 8, PERF_MAX_TRACE_SIZE);
    case 'raw_tracepoint': return flatAccess(off, size, write, 0, 12 * 8);
    case 'cgroup_sock': return cgroupSockAccess(off, size, write);
    case 'lwt_in': return lwtAccess(off, size, write);
    default: return false;
  }
}

/** Program types that may read and write packet data directly (may_access_direct_pkt_data). */
export function pktAccess(type: ProgType, write: boolean): boolean {
  switch (type) {
    case 'sched_cls': case 'sched_act': case 'xdp': case 'sk_skb': return true;
    case 'lwt_in': case 'cgroup_skb': return !write;
    default: return false;
  }
}

/** LD_ABS / LD_IND allowed (may_access_skb). */
export const skbLoads = (type: ProgType): boolean => type === 'socket_filter' || type === 'sched_cls' || type === 'sched_act';

/** Programs whose r0 at exit must be a scalar (in a range): the kernel's check_return_code. */
export function retRange(type: ProgType): [bigint, bigint] | undefined {
  switch (type) {
    case 'cgroup_skb': return [0n, 1n];
    case 'cgroup_sock': return [0n, 1n];
    default: return undefined;
  }
}

/** struct bpf_sock: offsets of the fields whose access rules differ. */
const SOCK = { size: 80, mark: 16, priority: 20, srcIp4: 24, srcIp6: 28, srcPort: 44, dstPort: 48, dstIp4: 52 };

/**
 * sock_filter_is_valid_access for cgroup/sock (expected_attach_type 0 becomes
 * BPF_CGROUP_INET_SOCK_CREATE): bound_dev_if, mark and priority read and written whole; the
 * source address and port (post_bind only) refused; the rest read, 4 bytes or narrower where
 * bpf_sock_is_valid_access allows it.
 */
function cgroupSockAccess(off: number, size: number, write: boolean): CtxResult {
  if (off < 0 || off >= SOCK.size || off % size !== 0) return false;
  if (off === 0 || off === SOCK.mark || off === SOCK.priority) return size === 4 ? 'scalar' : false;
  if (off >= SOCK.srcIp4 && off < SOCK.srcPort + 4) return false;
  if (write) return false;
  if (off >= SOCK.dstPort && off < SOCK.dstPort + 4) {
    if (off >= SOCK.dstPort + 2) return false; // the padding after dst_port
    return size === 4 || narrowOk(off, size, 2) ? 'scalar' : false;
  }
  // family, type, protocol, dst_ip4, dst_ip6, state, rx_queue_mapping: narrow reads allowed
  const narrow = [4, 8, 12].includes(off & ~3) || (off >= SOCK.dstIp4 && off < SOCK.size);
  return narrow ? (narrowOk(off, size, 4) ? 'scalar' : false) : size === 4 ? 'scalar' : false;
}
