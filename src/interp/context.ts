// Program contexts: struct xdp_md and struct __sk_buff as the kernel presents them under
// BPF_PROG_TEST_RUN (net/bpf/test_run.c), and raw bytes for tracing programs.
//
// The ctx region holds the u32/u64 field values; pointer fields (data, data_end, data_meta)
// are not stored but computed on load from the current packet bounds, as the kernel's
// ctx-access rewriting does: a 4-byte load of xdp_md->data yields a full 64-bit pointer.
import type { ProgType } from '../isa/program.ts';
import { ctxKind, SK_BUFF, SK_BUFF_CB_BYTES, SK_BUFF_SIZE, XDP_MD, XDP_MD_SIZE as XDP_MD_BYTES, type CtxKind } from '../isa/uapi.ts';
import { F_CTX, F_OK, REGION_PKT, TAG } from './layout.ts';

export { ctxKind, type CtxKind };

/** skb program types whose skb->data starts at the Ethernet header under test_run. */
export const isL2 = (t: ProgType): boolean => t === 'sched_cls' || t === 'sched_act';

export const XDP_MD_SIZE = XDP_MD_BYTES;
export const SKB_SIZE = SK_BUFF_SIZE;
/** struct xdp_md and struct __sk_buff field offsets (src/isa/uapi.ts). */
export const XDP = XDP_MD;
export const SKB = SK_BUFF;

/** __sk_buff fields that the kernel's ctx rewrite loads with fewer than 4 bytes: offset → bytes. */
const SKB_TARGET_SIZE: Record<number, 1 | 2> = {
  [SKB.pkt_type]: 1, [SKB.queue_mapping]: 2, [SKB.protocol]: 2, [SKB.vlan_tci]: 2, [SKB.vlan_proto]: 2,
  [SKB.tc_index]: 2, [SKB.tc_classid]: 2, [SKB.gso_segs]: 2, [SKB.gso_size]: 2,
};

/** User-settable __sk_buff fields (test_run accepts mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_*, hwtstamp). */
export interface SkbFields {
  mark?: number; priority?: number; ingress_ifindex?: number; ifindex?: number; cb?: number[];
  tstamp?: bigint; wire_len?: number; gso_segs?: number; gso_size?: number; hwtstamp?: bigint;
  /** Not settable through test_run but handy for tests. */
  hash?: number; queue_mapping?: number; tc_index?: number; tc_classid?: number; vlan_tci?: number;
}

export interface XdpFields { ingress_ifindex?: number; rx_queue_index?: number }

/** The packet pointers a context load can produce, as region offsets. */
export interface PacketView {
  pktMeta: number;
  pktData: number;
  pktEnd: number;
}

/** Which pointer a ctx offset yields, for 'xdp' / 'skb'; undefined for plain fields. */
function pointerField(kind: CtxKind, off: number, v: PacketView): number | undefined {
  if (kind === 'xdp') {
    if (off === XDP.data) return v.pktData;
    if (off === XDP.data_end) return v.pktEnd;
    if (off === XDP.data_meta) return v.pktMeta;
  } else if (kind === 'skb') {
    if (off === SKB.data) return v.pktData;
    if (off === SKB.data_end) return v.pktEnd;
    if (off === SKB.data_meta) return v.pktMeta;
  }
  return undefined;
}

/** Is [off, off+size) a writable __sk_buff field for this program type? */
function skbWritable(t: ProgType, off: number, size: number): boolean {
  const inside = (start: number, len: number): boolean => off >= start && off + size <= start + len;
  if (inside(SKB.cb, SK_BUFF_CB_BYTES)) return true;
  if (t === 'socket_filter') return false;
  return inside(SKB.mark, 4) || inside(SKB.priority, 4) || inside(SKB.tc_index, 4) ||
    inside(SKB.tc_classid, 4) || inside(SKB.queue_mapping, 4) || inside(SKB.tstamp, 8);
}

/**
 * Load `size` bytes at ctx offset `off` into (lo, hi) = out[0], out[1]. Returns F_OK or F_CTX.
 * Pointer fields must be read with a 4-byte load (8 for skb's 64-bit pointer slots).
 */
export function ctxLoad(kind: CtxKind, dv: DataView, base: number, off: number, size: number, v: PacketView, out: Int32Array): number {
  const p = pointerField(kind, off, v);
  if (p !== undefined) {
    if (size !== 4) return F_CTX;
    out[0] = p;
    out[1] = TAG + REGION_PKT;
    return F_OK;
  }
  if (kind === 'xdp') {
    // Only whole-field loads of the remaining u32 fields (narrow loads are allowed too).
    const field = off & ~3;
    if (off + size > field + 4) return F_CTX;
  } else if (kind === 'skb') {
    if ((off >= SKB.flow_keys && off < SKB.flow_keys + 8) || (off >= SKB.sk && off < SKB.sk + 8)) {
      if (size !== 8 || (off !== SKB.flow_keys && off !== SKB.sk)) return F_CTX;
      out[0] = 0; // no flow keys / socket outside their program types
      out[1] = 0;
      return F_OK;
    }
    const wide = off === SKB.tstamp || off === SKB.hwtstamp;
    if (!wide && (off & ~3) + 4 < off + size) return F_CTX;
    // A narrow load (size < 4) of a field the kernel reads with a load of `t` < 4 bytes is
    // shifted and masked only when size < t; otherwise the whole field comes back, whatever
    // the offset (convert_ctx_accesses: `is_narrower_load && size < target_size`).
    const t = size < 4 ? SKB_TARGET_SIZE[off & ~3] : undefined;
    if (t !== undefined && size >= t) {
      out[0] = dv.getInt32(base + (off & ~3), true);
      out[1] = 0;
      return F_OK;
    }
  }
  const at = base + off;
  switch (size) {
    case 1: out[0] = dv.getUint8(at); out[1] = 0; break;
    case 2: out[0] = dv.getUint16(at, true); out[1] = 0; break;
    case 4: out[0] = dv.getInt32(at, true); out[1] = 0; break;
    default: out[0] = dv.getInt32(at, true); out[1] = dv.getInt32(at + 4, true);
  }
  return F_OK;
}

/** Store into the ctx; F_CTX if the field is not writable for this program type. */
export function ctxStore(kind: CtxKind, t: ProgType, dv: DataView, base: number, off: number, size: number, lo: number, hi: number): number {
  if (kind !== 'skb' || !skbWritable(t, off, size)) return F_CTX;
  const at = base + off;
  switch (size) {
    case 1: dv.setUint8(at, lo & 0xff); break;
    case 2: dv.setUint16(at, lo & 0xffff, true); break;
    case 4: dv.setInt32(at, lo, true); break;
    default: dv.setInt32(at, lo, true); dv.setInt32(at + 4, hi, true);
  }
  return F_OK;
}

/**
 * Why BPF_PROG_TEST_RUN would refuse `frame` for an skb program (EINVAL), or undefined: shorter
 * than an Ethernet header, or an IPv4 / IPv6 EtherType with less than that header after it
 * (bpf_prog_test_run_skb). The interpreter runs such inputs anyway; differential harnesses ask.
 */
export function skbTestRunRefuses(frame: Uint8Array): string | undefined {
  if (frame.length < 14) return 'frame shorter than ETH_HLEN';
  const proto = (frame[12] << 8) | frame[13], rest = frame.length - 14;
  if (proto === 0x0800 && rest < 20) return 'IPv4 frame shorter than an IPv4 header';
  if (proto === 0x86dd && rest < 40) return 'IPv6 frame shorter than an IPv6 header';
  return undefined;
}

/**
 * PACKET_* from eth_type_trans on the loopback device, whose dev_addr and broadcast address are
 * both all-zero: so ff:ff:ff:ff:ff:ff is PACKET_MULTICAST (2) like any group address, never
 * PACKET_BROADCAST (measured on 6.18).
 */
function pktType(frame: Uint8Array): number {
  if (frame[0] & 1) return 2;
  return frame.subarray(0, 6).every((b) => b === 0) ? 0 : 3;
}

/** skb->protocol after eth_type_trans, as the u32 the program reads (a __be16 in host order). */
function ethProtocol(frame: Uint8Array): number {
  const proto = (frame[12] << 8) | frame[13];
  if (proto >= 0x600) return frame[12] | (frame[13] << 8);
  if (frame[14] === 0xff && frame[15] === 0xff) return 0x0100; // htons(ETH_P_802_3)
  return 0x0400; // htons(ETH_P_802_2)
}

/**
 * Write the __sk_buff field values for a run. `len` is skb->len as the program sees it. `given`
 * says whether the fields came as test_run's ctx_in: only then is wire_len set (to len when 0).
 */
export function fillSkb(dv: DataView, base: number, frame: Uint8Array, len: number, f: SkbFields, given: boolean): void {
  for (let i = 0; i < SKB_SIZE; i += 4) dv.setUint32(base + i, 0, true);
  const u32 = (off: number, v: number): void => dv.setUint32(base + off, v >>> 0, true);
  const u64 = (off: number, v: bigint): void => dv.setBigUint64(base + off, BigInt.asUintN(64, v), true);
  u32(SKB.len, len);
  u32(SKB.pkt_type, pktType(frame));
  u32(SKB.mark, f.mark ?? 0);
  u32(SKB.queue_mapping, f.queue_mapping ?? 0);
  u32(SKB.protocol, ethProtocol(frame));
  u32(SKB.vlan_tci, f.vlan_tci ?? 0);
  u32(SKB.priority, f.priority ?? 0);
  u32(SKB.ingress_ifindex, f.ingress_ifindex ?? 0);
  u32(SKB.ifindex, f.ifindex ?? 1);
  u32(SKB.tc_index, f.tc_index ?? 0);
  (f.cb ?? []).slice(0, 5).forEach((v, i) => u32(SKB.cb + 4 * i, v));
  u32(SKB.hash, f.hash ?? 0);
  u32(SKB.tc_classid, f.tc_classid ?? 0);
  u64(SKB.tstamp, f.tstamp ?? 0n);
  u32(SKB.wire_len, given ? f.wire_len || len : 0); // qdisc_skb_cb()->pkt_len
  u32(SKB.gso_segs, f.gso_segs ?? 0);
  u32(SKB.gso_size, f.gso_size ?? 0);
  u64(SKB.hwtstamp, f.hwtstamp ?? 0n);
}

/** Write the xdp_md non-pointer fields (test_run on loopback: ingress_ifindex 1, queue 0). */
export function fillXdp(dv: DataView, base: number, f: XdpFields): void {
  for (let i = 0; i < XDP_MD_SIZE; i += 4) dv.setUint32(base + i, 0, true);
  dv.setUint32(base + XDP.ingress_ifindex, (f.ingress_ifindex ?? 1) >>> 0, true);
  dv.setUint32(base + XDP.rx_queue_index, (f.rx_queue_index ?? 0) >>> 0, true);
}
