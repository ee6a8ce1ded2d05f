// Kernel UAPI context layouts (include/uapi/linux/bpf.h, arch/x86/include/uapi/asm/ptrace.h),
// defined once for the interpreter, the verifier model and the SMT encoder, and which layout
// each program type's r1 points to.
import type { ProgType } from './program.ts';

/** struct xdp_md field offsets (all __u32). */
export const XDP_MD = { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 } as const;
export const XDP_MD_SIZE = 24;

/** struct __sk_buff field offsets. */
export const SK_BUFF = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24,
  vlan_proto: 28, priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68,
  tc_classid: 72, data: 76, data_end: 80, napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96,
  remote_ip6: 100, local_ip6: 116, remote_port: 132, local_port: 136, data_meta: 140, flow_keys: 144,
  tstamp: 152, wire_len: 160, gso_segs: 164, sk: 168, gso_size: 176, tstamp_type: 180, hwtstamp: 184,
} as const;
export const SK_BUFF_SIZE = 192;
/** __u32 cb[5]. */
export const SK_BUFF_CB_BYTES = 20;

/** x86-64 struct pt_regs (kprobe and perf_event contexts): 21 u64 registers. */
export const PT_REGS_SIZE = 21 * 8;

/** Which context layout a program type sees: xdp_md, __sk_buff, or raw bytes (tracing). */
export type CtxKind = 'xdp' | 'skb' | 'raw';

export function ctxKind(t: ProgType): CtxKind {
  if (t === 'xdp') return 'xdp';
  if (t === 'socket_filter' || t === 'sched_cls' || t === 'sched_act' || t === 'cgroup_skb' || t === 'lwt_in' || t === 'sk_skb') return 'skb';
  return 'raw';
}
