// What an ELF section name says about a program: libbpf's SEC() conventions (program type,
// expected_attach_type, sleepable, the kernel BTF object it attaches to) plus the older
// conventions still found in shipped objects (prefix matches like `socket1` or `xdp-pktcntr`,
// iproute2's `classifier`/`action`, a leading `?` for "do not autoload").
//
// Written from libbpf's documented section table (Documentation/bpf/libbpf/program_types.rst);
// a table here rather than a library because no npm package carries it.
import type { ProgType } from './program.ts';

/** enum bpf_attach_type values (include/uapi/linux/bpf.h, 6.18). */
export const ATTACH = {
  cgroup_inet_ingress: 0, cgroup_inet_egress: 1, cgroup_inet_sock_create: 2, cgroup_sock_ops: 3,
  sk_skb_stream_parser: 4, sk_skb_stream_verdict: 5, cgroup_device: 6, sk_msg_verdict: 7,
  cgroup_inet4_bind: 8, cgroup_inet6_bind: 9, cgroup_inet4_connect: 10, cgroup_inet6_connect: 11,
  cgroup_inet4_post_bind: 12, cgroup_inet6_post_bind: 13, cgroup_udp4_sendmsg: 14, cgroup_udp6_sendmsg: 15,
  lirc_mode2: 16, flow_dissector: 17, cgroup_sysctl: 18, cgroup_udp4_recvmsg: 19, cgroup_udp6_recvmsg: 20,
  cgroup_getsockopt: 21, cgroup_setsockopt: 22, trace_raw_tp: 23, trace_fentry: 24, trace_fexit: 25,
  modify_return: 26, lsm_mac: 27, trace_iter: 28, cgroup_inet4_getpeername: 29, cgroup_inet6_getpeername: 30,
  cgroup_inet4_getsockname: 31, cgroup_inet6_getsockname: 32, xdp_devmap: 33, cgroup_inet_sock_release: 34,
  xdp_cpumap: 35, sk_lookup: 36, xdp: 37, sk_skb_verdict: 38, sk_reuseport_select: 39,
  sk_reuseport_select_or_migrate: 40, perf_event: 41, trace_kprobe_multi: 42, lsm_cgroup: 43, struct_ops: 44,
  netfilter: 45, tcx_ingress: 46, tcx_egress: 47, trace_uprobe_multi: 48, cgroup_unix_connect: 49,
  cgroup_unix_sendmsg: 50, cgroup_unix_recvmsg: 51, cgroup_unix_getpeername: 52, cgroup_unix_getsockname: 53,
  netkit_primary: 54, netkit_peer: 55, trace_kprobe_session: 56, trace_uprobe_session: 57,
} as const;

/** The kernel object a BTF-attached program names in attach_btf_id. */
export interface AttachTarget {
  /** BTF kind of the target in vmlinux. */
  readonly kind: 'func' | 'typedef';
  /** Its name in vmlinux BTF (libbpf's prefixes applied: btf_trace_, bpf_lsm_, bpf_iter_). */
  readonly name: string;
}

export interface SectionDef {
  readonly type: ProgType;
  /** enum bpf_attach_type passed at load, when the section implies one. */
  readonly expectedAttachType?: number;
  readonly sleepable: boolean;
  /** xdp.frags: BPF_F_XDP_HAS_FRAGS. */
  readonly xdpFrags: boolean;
  readonly attachTo?: AttachTarget;
  /** Why it cannot be loaded on its own (struct_ops needs its map, freplace a target program). */
  readonly unloadable?: string;
  /** Matched only by the old prefix rule (e.g. `socket1`), not by libbpf 1.x's strict one. */
  readonly legacy: boolean;
}

/** How a table entry matches: 'exact', or 'slash' (exact or `P/…`, libbpf's `+`). */
type Match = 'exact' | 'slash';
type Attach = 'btf_func' | 'btf_tp' | 'btf_lsm' | 'btf_iter';
interface Row {
  p: string;
  m: Match;
  t: ProgType;
  a?: number;
  s?: boolean;
  frags?: boolean;
  btf?: Attach;
  no?: string;
}

const A = ATTACH;
const r = (p: string, m: Match, t: ProgType, a?: number, extra: Partial<Row> = {}): Row => ({ p, m, t, a, ...extra });
const sl = { s: true };

/** libbpf's table, most specific first (first match wins, as in libbpf). */
const ROWS: Row[] = [
  r('socket', 'exact', 'socket_filter'),
  r('sk_reuseport/migrate', 'exact', 'sk_reuseport', A.sk_reuseport_select_or_migrate),
  r('sk_reuseport', 'exact', 'sk_reuseport', A.sk_reuseport_select),
  r('kprobe.multi', 'slash', 'kprobe', A.trace_kprobe_multi), r('kretprobe.multi', 'slash', 'kprobe', A.trace_kprobe_multi),
  r('kprobe.session', 'slash', 'kprobe', A.trace_kprobe_session),
  r('uprobe.multi.s', 'slash', 'kprobe', A.trace_uprobe_multi, sl), r('uretprobe.multi.s', 'slash', 'kprobe', A.trace_uprobe_multi, sl),
  r('uprobe.multi', 'slash', 'kprobe', A.trace_uprobe_multi), r('uretprobe.multi', 'slash', 'kprobe', A.trace_uprobe_multi),
  r('uprobe.session.s', 'slash', 'kprobe', A.trace_uprobe_session, sl), r('uprobe.session', 'slash', 'kprobe', A.trace_uprobe_session),
  r('kprobe', 'slash', 'kprobe'), r('kretprobe', 'slash', 'kprobe'),
  r('uprobe.s', 'slash', 'kprobe', undefined, sl), r('uretprobe.s', 'slash', 'kprobe', undefined, sl),
  r('uprobe', 'slash', 'kprobe'), r('uretprobe', 'slash', 'kprobe'),
  r('ksyscall', 'slash', 'kprobe'), r('kretsyscall', 'slash', 'kprobe'),
  r('usdt.s', 'slash', 'kprobe', undefined, sl), r('usdt', 'slash', 'kprobe'),
  r('tc/ingress', 'exact', 'sched_cls', A.tcx_ingress), r('tc/egress', 'exact', 'sched_cls', A.tcx_egress),
  r('tcx/ingress', 'exact', 'sched_cls', A.tcx_ingress), r('tcx/egress', 'exact', 'sched_cls', A.tcx_egress),
  r('tc', 'slash', 'sched_cls'), r('classifier', 'slash', 'sched_cls'), r('action', 'slash', 'sched_act'),
  r('netkit/primary', 'exact', 'sched_cls', A.netkit_primary), r('netkit/peer', 'exact', 'sched_cls', A.netkit_peer),
  r('tracepoint', 'slash', 'tracepoint'), r('tp', 'slash', 'tracepoint'),
  r('raw_tracepoint.w', 'slash', 'raw_tracepoint_writable'), r('raw_tp.w', 'slash', 'raw_tracepoint_writable'),
  r('raw_tracepoint', 'slash', 'raw_tracepoint'), r('raw_tp', 'slash', 'raw_tracepoint'),
  r('tp_btf', 'slash', 'tracing', A.trace_raw_tp, { btf: 'btf_tp' }),
  r('fentry.s', 'slash', 'tracing', A.trace_fentry, { s: true, btf: 'btf_func' }),
  r('fmod_ret.s', 'slash', 'tracing', A.modify_return, { s: true, btf: 'btf_func' }),
  r('fexit.s', 'slash', 'tracing', A.trace_fexit, { s: true, btf: 'btf_func' }),
  r('fentry', 'slash', 'tracing', A.trace_fentry, { btf: 'btf_func' }),
  r('fmod_ret', 'slash', 'tracing', A.modify_return, { btf: 'btf_func' }),
  r('fexit', 'slash', 'tracing', A.trace_fexit, { btf: 'btf_func' }),
  r('freplace', 'slash', 'ext', undefined, { no: 'freplace needs the program it replaces (attach_prog_fd)' }),
  r('lsm.s', 'slash', 'lsm', A.lsm_mac, { s: true, btf: 'btf_lsm' }),
  r('lsm_cgroup', 'slash', 'lsm', A.lsm_cgroup, { btf: 'btf_lsm' }),
  r('lsm', 'slash', 'lsm', A.lsm_mac, { btf: 'btf_lsm' }),
  r('iter.s', 'slash', 'tracing', A.trace_iter, { s: true, btf: 'btf_iter' }),
  r('iter', 'slash', 'tracing', A.trace_iter, { btf: 'btf_iter' }),
  r('syscall', 'exact', 'syscall', undefined, sl),
  r('xdp.frags/devmap', 'exact', 'xdp', A.xdp_devmap, { frags: true }), r('xdp/devmap', 'exact', 'xdp', A.xdp_devmap),
  r('xdp.frags/cpumap', 'exact', 'xdp', A.xdp_cpumap, { frags: true }), r('xdp/cpumap', 'exact', 'xdp', A.xdp_cpumap),
  r('xdp.frags', 'exact', 'xdp', A.xdp, { frags: true }), r('xdp', 'slash', 'xdp', A.xdp),
  r('perf_event', 'exact', 'perf_event'),
  r('lwt_in', 'exact', 'lwt_in'), r('lwt_out', 'exact', 'lwt_out'), r('lwt_xmit', 'exact', 'lwt_xmit'),
  r('lwt_seg6local', 'exact', 'lwt_seg6local'),
  r('sockops', 'exact', 'sock_ops', A.cgroup_sock_ops),
  r('sk_skb/stream_parser', 'exact', 'sk_skb', A.sk_skb_stream_parser),
  r('sk_skb/stream_verdict', 'exact', 'sk_skb', A.sk_skb_stream_verdict),
  r('sk_skb/verdict', 'exact', 'sk_skb', A.sk_skb_verdict),
  r('sk_skb', 'exact', 'sk_skb'),
  r('sk_msg', 'exact', 'sk_msg', A.sk_msg_verdict),
  r('lirc_mode2', 'exact', 'lirc_mode2', A.lirc_mode2),
  r('flow_dissector', 'exact', 'flow_dissector', A.flow_dissector),
  r('cgroup_skb/ingress', 'exact', 'cgroup_skb', A.cgroup_inet_ingress),
  r('cgroup_skb/egress', 'exact', 'cgroup_skb', A.cgroup_inet_egress),
  r('cgroup/skb', 'exact', 'cgroup_skb'),
  r('cgroup/sock_create', 'exact', 'cgroup_sock', A.cgroup_inet_sock_create),
  r('cgroup/sock_release', 'exact', 'cgroup_sock', A.cgroup_inet_sock_release),
  r('cgroup/sock', 'exact', 'cgroup_sock', A.cgroup_inet_sock_create),
  r('cgroup/post_bind4', 'exact', 'cgroup_sock', A.cgroup_inet4_post_bind),
  r('cgroup/post_bind6', 'exact', 'cgroup_sock', A.cgroup_inet6_post_bind),
  r('cgroup/bind4', 'exact', 'cgroup_sock_addr', A.cgroup_inet4_bind),
  r('cgroup/bind6', 'exact', 'cgroup_sock_addr', A.cgroup_inet6_bind),
  r('cgroup/connect4', 'exact', 'cgroup_sock_addr', A.cgroup_inet4_connect),
  r('cgroup/connect6', 'exact', 'cgroup_sock_addr', A.cgroup_inet6_connect),
  r('cgroup/connect_unix', 'exact', 'cgroup_sock_addr', A.cgroup_unix_connect),
  r('cgroup/sendmsg4', 'exact', 'cgroup_sock_addr', A.cgroup_udp4_sendmsg),
  r('cgroup/sendmsg6', 'exact', 'cgroup_sock_addr', A.cgroup_udp6_sendmsg),
  r('cgroup/sendmsg_unix', 'exact', 'cgroup_sock_addr', A.cgroup_unix_sendmsg),
  r('cgroup/recvmsg4', 'exact', 'cgroup_sock_addr', A.cgroup_udp4_recvmsg),
  r('cgroup/recvmsg6', 'exact', 'cgroup_sock_addr', A.cgroup_udp6_recvmsg),
  r('cgroup/recvmsg_unix', 'exact', 'cgroup_sock_addr', A.cgroup_unix_recvmsg),
  r('cgroup/getpeername4', 'exact', 'cgroup_sock_addr', A.cgroup_inet4_getpeername),
  r('cgroup/getpeername6', 'exact', 'cgroup_sock_addr', A.cgroup_inet6_getpeername),
  r('cgroup/getpeername_unix', 'exact', 'cgroup_sock_addr', A.cgroup_unix_getpeername),
  r('cgroup/getsockname4', 'exact', 'cgroup_sock_addr', A.cgroup_inet4_getsockname),
  r('cgroup/getsockname6', 'exact', 'cgroup_sock_addr', A.cgroup_inet6_getsockname),
  r('cgroup/getsockname_unix', 'exact', 'cgroup_sock_addr', A.cgroup_unix_getsockname),
  r('cgroup/sysctl', 'exact', 'cgroup_sysctl', A.cgroup_sysctl),
  r('cgroup/getsockopt', 'exact', 'cgroup_sockopt', A.cgroup_getsockopt),
  r('cgroup/setsockopt', 'exact', 'cgroup_sockopt', A.cgroup_setsockopt),
  r('cgroup/dev', 'exact', 'cgroup_device', A.cgroup_device),
  r('struct_ops.s', 'slash', 'struct_ops', undefined, { s: true, no: 'struct_ops programs load with their struct_ops map (attach_btf_id of the ops struct)' }),
  r('struct_ops', 'slash', 'struct_ops', undefined, { no: 'struct_ops programs load with their struct_ops map (attach_btf_id of the ops struct)' }),
  r('sk_lookup', 'exact', 'sk_lookup', A.sk_lookup),
  r('netfilter', 'exact', 'netfilter', A.netfilter),
];

function matches(row: Row, name: string): boolean {
  if (row.m === 'exact') return name === row.p;
  return name === row.p || name.startsWith(`${row.p}/`);
}

/** The attach target named by the part of the section after its first '/'. */
function attachTarget(kind: Attach, section: string): AttachTarget | undefined {
  const slash = section.indexOf('/');
  if (slash < 0) return undefined;
  // fentry/module:func names a module function: the target is the part after ':'.
  const rest = section.slice(slash + 1);
  const name = rest.includes(':') ? rest.slice(rest.indexOf(':') + 1) : rest;
  switch (kind) {
    case 'btf_func': return { kind: 'func', name };
    case 'btf_tp': return { kind: 'typedef', name: `btf_trace_${name}` };
    case 'btf_lsm': return { kind: 'func', name: `bpf_lsm_${name}` };
    case 'btf_iter': return { kind: 'func', name: `bpf_iter_${name}` };
  }
}

function toDef(row: Row, section: string, legacy: boolean): SectionDef {
  return {
    type: row.t, expectedAttachType: row.a, sleepable: !!row.s, xdpFrags: !!row.frags, legacy,
    attachTo: row.btf ? attachTarget(row.btf, section) : undefined, unloadable: row.no,
  };
}

/**
 * The program a section holds, or undefined when its name says nothing (e.g. a numbered
 * tail-call section `2/1`, whose type the loader is told).
 */
export function sectionDef(section: string): SectionDef | undefined {
  const name = section.startsWith('?') ? section.slice(1) : section;
  for (const row of ROWS) if (matches(row, name)) return toDef(row, name, false);
  // Old libbpf and iproute2 matched by plain prefix: `socket1`, `xdp-pktcntr`, `cgroup/sock1`,
  // `kprobe__sys_open`. The longest matching prefix decides, so `cgroup/sock1` is cgroup_sock.
  let best: Row | undefined;
  for (const row of ROWS) if (name.startsWith(row.p) && (!best || row.p.length > best.p.length)) best = row;
  return best ? toDef(best, name, true) : undefined;
}

/** Numbered tail-call sections (`2/1`, `1/0`): iproute2 and Cilium put prog-array entries there. */
export const isTailCallSection = (section: string): boolean => /^\??\d+\/\d+$/.test(section);
