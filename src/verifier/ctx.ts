// Context access rules per program type: the kernel's <type>_is_valid_access (net/core/filter.c,
// kernel/trace/bpf_trace.c) for the fields and sizes a program may read or write, and what a
// read yields (a scalar, or a packet pointer for data / data_end / data_meta).
import type { ProgType } from '../isa/program.ts';
import type { RegType } from './regs.ts';
import { PT_REGS_SIZE, SK_BUFF, SK_BUFF_CB_BYTES, SK_BUFF_SIZE, XDP_MD, XDP_MD_SIZE } from '../isa/uapi.ts';

export type CtxResult = false | RegType;

// __sk_buff with the bounds of cb[] and of the whole struct, as the rules below name them
const SKB = { ...SK_BUFF, cb0: SK_BUFF.cb, cb4end: SK_BUFF.cb + SK_BUFF_CB_BYTES, size: SK_BUFF_SIZE };
const PERF_MAX_TRACE_SIZE = 8192;

/** off lies in the field [start, start + size). */
const inField = (off: number, start: number, size: number): boolean => off >= start && off < start + size;

/** bpf_ctx_narrow_access_ok for a 4-byte default field. */
const narrowOk = (off: number, size: number, dflt: number): boolean => size <= dflt && (off & (dflt - 1)) + size <= dflt;

function xdpAccess(off: number, size: number, write: boolean): CtxResult {
  if (write) return false;
  if (off < 0 || off >= XDP_MD_SIZE || off % size !== 0 || size !== 4) return false;
  // egress_ifindex only for devmap programs (expected_attach_type BPF_XDP_DEVMAP; we load with 0)
  if (off === XDP_MD.egress_ifindex) return false;
  if (off === XDP_MD.data) return 'pkt';
  if (off === XDP_MD.data_end) return 'pkt_end';
  if (off === XDP_MD.data_meta) return 'pkt_meta';
  return 'scalar';
}

/** bpf_skb_is_valid_access. */
function skbAccess(off: number, size: number, write: boolean): CtxResult {
  if (off < 0 || off >= SKB.size || off % size !== 0) return false;
  if (inField(off, SKB.cb0, SK_BUFF_CB_BYTES)) return off + size > SKB.cb4end ? false : 'scalar';
  if (inField(off, SKB.remote_ip6, 16) || inField(off, SKB.local_ip6, 16) || inField(off, SKB.remote_ip4, 4) ||
      inField(off, SKB.local_ip4, 4) || inField(off, SKB.data, 4) || inField(off, SKB.data_meta, 4) || inField(off, SKB.data_end, 4)) {
    return size === 4 ? 'scalar' : false;
  }
  if (inField(off, SKB.flow_keys, 8)) return false;
  if (inField(off, SKB.hwtstamp, 8)) return write || size !== 8 ? false : 'scalar';
  if (inField(off, SKB.tstamp, 8)) return size === 8 ? 'scalar' : false;
  // the socket pointer is read whole (a narrower part is refused) and may be NULL
  if (inField(off, SKB.sk, 8)) return !write && off === SKB.sk && size === 8 ? 'sock_common_or_null' : false;
  if (off >= SKB.tstamp_type && off < SKB.hwtstamp) return false;
  if (write) return size === 4 ? 'scalar' : false;
  return narrowOk(off, size, 4) ? 'scalar' : false;
}

function socketFilterAccess(off: number, size: number, write: boolean): CtxResult {
  if (inField(off, SKB.tc_classid, 4) || inField(off, SKB.data, 4) || inField(off, SKB.data_meta, 4) ||
      inField(off, SKB.data_end, 4) || (off >= SKB.family && off < SKB.local_port + 4) || inField(off, SKB.tstamp, 8) ||
      inField(off, SKB.wire_len, 4) || inField(off, SKB.hwtstamp, 8)) return false;
  if (write && !inField(off, SKB.cb0, SK_BUFF_CB_BYTES)) return false;
  return skbAccess(off, size, write);
}

function tcAccess(off: number, size: number, write: boolean): CtxResult {
  if (write) {
    const ok = inField(off, SKB.mark, 4) || inField(off, SKB.tc_index, 4) || inField(off, SKB.priority, 4) ||
      inField(off, SKB.tc_classid, 4) || inField(off, SKB.cb0, SK_BUFF_CB_BYTES) || inField(off, SKB.tstamp, 8) || inField(off, SKB.queue_mapping, 4);
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
    const ok = inField(off, SKB.mark, 4) || inField(off, SKB.priority, 4) || inField(off, SKB.cb0, SK_BUFF_CB_BYTES);
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
export function ctxAccess(type: ProgType, off: number, size: number, write: boolean, attach?: number): CtxResult {
  switch (type) {
    // bpf_prog_load_fixup_attach_type: cgroup_sock loaded with attach type 0 is INET_SOCK_CREATE
    case 'cgroup_sock': return sockAccess(off, size, write, attach || SOCK_CREATE) ? 'scalar' : false;
    case 'sock_ops': return sockOpsAccess(off, size, write);
    case 'xdp': return xdpAccess(off, size, write);
    case 'socket_filter': return socketFilterAccess(off, size, write);
    case 'sched_cls': case 'sched_act': return tcAccess(off, size, write);
    case 'cgroup_skb': return cgroupSkbAccess(off, size, write);
    case 'kprobe': return flatAccess(off, size, write, 0, PT_REGS_SIZE);
    case 'perf_event': return perfEventAccess(off, size, write);
    case 'tracepoint': return flatAccess(off, size, write, 8, PERF_MAX_TRACE_SIZE);
    case 'raw_tracepoint': return flatAccess(off, size, write, 0, 12 * 8);
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
    case 'sock_ops': return [0n, 1n];
    default: return undefined;
  }
}

// struct bpf_sock (uapi/linux/bpf.h), the context of cgroup_sock programs.
const SOCK = { bound_dev_if: 0, family: 4, type: 8, protocol: 12, mark: 16, priority: 20, src_ip4: 24, src_ip6: 28, src_port: 44, dst_port: 48, dst_ip4: 52, dst_ip6: 56, state: 72, rx_queue_mapping: 76, size: 80 } as const;
// enum bpf_attach_type values that widen cgroup_sock access (sections.ts ATTACH)
const SOCK_CREATE = 2, SOCK_RELEASE = 34, INET4_POST_BIND = 12, INET6_POST_BIND = 13;

/** bpf_sock_is_valid_access: a read of struct bpf_sock (a cgroup_sock context or a looked-up socket). */
export function bpfSockAccess(off: number, size: number): boolean {
  if (off < 0 || off >= SOCK.size || off % size !== 0) return false;
  let ok: boolean;
  if (off === SOCK.state || off === SOCK.family || off === SOCK.type || off === SOCK.protocol || off === SOCK.src_port ||
      off === SOCK.rx_queue_mapping || inField(off, SOCK.src_ip4, 4) || inField(off, SOCK.src_ip6, 16) ||
      inField(off, SOCK.dst_ip4, 4) || inField(off, SOCK.dst_ip6, 16)) ok = narrowOk(off, size, 4);
  else if (inField(off, SOCK.dst_port, 2)) ok = narrowOk(off, size, size === 4 ? 4 : 2);
  else if (inField(off, SOCK.dst_port + 2, 2)) ok = size === 4; // the 4-byte read of the 2-byte field, kept for old programs
  else ok = size === 4;
  return ok;
}

/** bpf_sock_common_is_valid_access: a sock_common has no type, protocol, mark or priority. */
/** struct bpf_tcp_sock: 4-byte fields up to icsk_retransmits, bytes_received and bytes_acked 8 bytes (bpf_tcp_sock_is_valid_access). */
const TCP_SOCK = { bytesReceived: 80, bytesAcked: 88, end: 112 };
export const bpfTcpSockAccess = (off: number, size: number): boolean => {
  if (off < 0 || off >= TCP_SOCK.end || off % size !== 0) return false;
  return off === TCP_SOCK.bytesReceived || off === TCP_SOCK.bytesAcked ? size === 8 : size === 4;
};

export const bpfSockCommonAccess = (off: number, size: number): boolean =>
  !(off >= SOCK.type && off < SOCK.priority + 4) && bpfSockAccess(off, size);

/** sock_filter_is_valid_access: bpf_sock_is_valid_access, then what the attach type allows. */
function sockAccess(off: number, size: number, write: boolean, attach: number | undefined): boolean {
  if (!bpfSockAccess(off, size)) return false;
  // __sock_filter_check_attach_type
  if (off === SOCK.bound_dev_if || off === SOCK.mark || off === SOCK.priority) return attach === SOCK_CREATE || attach === SOCK_RELEASE;
  if (inField(off, SOCK.src_ip4, 4)) return attach === INET4_POST_BIND && !write;
  if (inField(off, SOCK.src_ip6, 16)) return attach === INET6_POST_BIND && !write;
  if (inField(off, SOCK.src_port, 4)) return (attach === INET4_POST_BIND || attach === INET6_POST_BIND) && !write;
  return !write;
}

// struct bpf_sock_ops (uapi/linux/bpf.h), the context of sock_ops programs.
const SOCK_OPS = { reply: 4, sk_txhash: 164, bytes_received: 168, bytes_acked: 176, sk: 184, skb_data: 192, skb_data_end: 200, skb_tcp_flags: 212, skb_hwtstamp: 216, size: 224 } as const;

/** sock_ops_is_valid_access. `sk` (PTR_TO_SOCKET_OR_NULL) is not modelled: refused. */
function sockOpsAccess(off: number, size: number, write: boolean): CtxResult {
  if (off < 0 || off >= SOCK_OPS.size || off % size !== 0) return false;
  if (write) return (off === SOCK_OPS.reply || off === SOCK_OPS.sk_txhash) && size === 4 ? 'scalar' : false;
  if (off >= SOCK_OPS.bytes_received && off < SOCK_OPS.sk) return size === 8 ? 'scalar' : false;
  // the 8-byte fields are whole: their upper halves are refused too
  if (inField(off, SOCK_OPS.sk, 8)) return off === SOCK_OPS.sk && size === 8 ? 'sock_or_null' : false;
  if (inField(off, SOCK_OPS.skb_data, 8)) return size === 8 ? 'pkt' : false;
  if (inField(off, SOCK_OPS.skb_data_end, 8)) return size === 8 ? 'pkt_end' : false;
  if (off === SOCK_OPS.skb_tcp_flags) return narrowOk(off, size, 4) ? 'scalar' : false;
  if (inField(off, SOCK_OPS.skb_hwtstamp, 8)) return size === 8 ? 'scalar' : false;
  return size === 4 ? 'scalar' : false;
}
