// Kernel helpers by number (include/uapi/linux/bpf.h, ___BPF_FUNC_MAPPER order), with the
// return values and error codes of net/core/filter.c, kernel/bpf/helpers.c and
// kernel/trace/bpf_trace.c as they behave under BPF_PROG_TEST_RUN. A helper reads r1..r5,
// writes r0 and returns a fault code (0 = ok); bad pointers fault like program accesses.
import { csumDiff, csumReplace2, csumReplace4, csumReplaceByDiff } from './csum.ts';
import {
  E2BIG, EACCES, EAGAIN, EFAULT, EINVAL, ENOENT, F_EXIT_FN, F_HELPERARG, F_INVALID, F_OK, MAP_TAG, REGION_PKT, TAG,
} from './layout.ts';
import type { Machine } from './machine.ts';
import { ETH_HLEN, XDP_FRAME, XDP_FRAME_STRUCT, XDP_TAILROOM } from './packet.ts';
import type { BpfMap } from './maps.ts';
import { MAP_TYPE } from '../isa/program.ts';
import { formatPrintk } from './printk.ts';

export type Helper = (m: Machine) => number;

/** r0 = v for a small signed integer (errno or count). */
function ret(m: Machine, v: number): number {
  m.RL[0] = v | 0;
  m.RH[0] = v < 0 ? -1 : 0;
  return F_OK;
}

/** r0 = v as an unsigned 32-bit value. */
function retU32(m: Machine, v: number): number {
  m.RL[0] = v | 0;
  m.RH[0] = 0;
  return F_OK;
}

/** The map whose handle is in register r, or undefined (and a fault message). */
function mapArg(m: Machine, r: number): BpfMap | undefined {
  const idx = m.RL[r] >>> 0;
  if (m.RH[r] !== MAP_TAG || idx >= m.maps.length) {
    m.faultMsg = `R${r} is not a map handle`;
    return undefined;
  }
  return m.maps[idx];
}

/** Arena index of `len` bytes at the pointer in register r (len 0 is always fine). */
function memArg(m: Machine, r: number, len: number, write: boolean): number {
  if (len === 0) return 0;
  return m.resolve(m.RH[r], m.RL[r] >>> 0, len, write);
}

/** r as a 64-bit value that must fit in 32 unsigned bits to be meaningful; hi !== 0 → huge. */
const u64IsSmall = (m: Machine, r: number): boolean => m.RH[r] === 0;

const mapLookup: Helper = (m) => {
  const map = mapArg(m, 1);
  if (!map || map.kind === 'events' || map.def.type === MAP_TYPE.prog_array) return F_HELPERARG;
  const k = memArg(m, 2, map.def.keySize, false);
  if (k < 0) return -k;
  const slot = map.lookup(k);
  if (slot < 0) return ret(m, 0);
  m.RL[0] = slot * map.stride;
  m.RH[0] = TAG + map.region;
  return F_OK;
};

const mapUpdate: Helper = (m) => {
  const map = mapArg(m, 1);
  if (!map || map.kind === 'events') return F_HELPERARG;
  const k = memArg(m, 2, map.def.keySize, false);
  if (k < 0) return -k;
  const v = memArg(m, 3, map.def.valueSize, false);
  if (v < 0) return -v;
  if (!u64IsSmall(m, 4)) return ret(m, -EINVAL);
  return ret(m, map.update(k, v, m.RL[4] >>> 0));
};

const mapDelete: Helper = (m) => {
  const map = mapArg(m, 1);
  if (!map || map.kind === 'events') return F_HELPERARG;
  const k = memArg(m, 2, map.def.keySize, false);
  if (k < 0) return -k;
  return ret(m, map.remove(k));
};

/** Virtual clock: each call returns the current time and advances it by 1 µs. */
const ktimeGetNs: Helper = (m) => {
  const t = m.clock;
  m.clock += 1000n;
  m.RL[0] = Number(t & 0xffffffffn) | 0;
  m.RH[0] = Number((t >> 32n) & 0xffffffffn) | 0;
  return F_OK;
};

const tracePrintk: Helper = (m) => {
  const size = m.RL[2] >>> 0;
  if (size === 0 || !u64IsSmall(m, 2)) return ret(m, -EINVAL);
  const at = memArg(m, 1, size, false);
  if (at < 0) return -at;
  const fmt = m.u8.subarray(at, at + size);
  const nul = fmt.indexOf(0); // the format ends at its first NUL, which must lie inside `size`
  if (nul < 0) return ret(m, -EINVAL);
  const text = formatPrintk(m, fmt.subarray(0, nul), [3, 4, 5]);
  if (text === undefined) return ret(m, -EINVAL);
  // the trace event keeps a C string: up to a NUL (from %c) and at most 1023 characters;
  // the return value is the untruncated length
  const end = text.indexOf('\0');
  m.output.push({ kind: 'printk', text: text.slice(0, Math.min(end < 0 ? text.length : end, 1023)) });
  return ret(m, text.length);
};

/** xorshift32, seeded per run. */
const prandom: Helper = (m) => {
  let x = m.rng;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  m.rng = x;
  return retU32(m, x);
};

const zero: Helper = (m) => ret(m, 0);

/** A fixed identity for the "current" task: tgid 4242, pid 4242. */
const currentPidTgid: Helper = (m) => {
  m.RL[0] = 4242;
  m.RH[0] = 4242;
  return F_OK;
};

const currentComm: Helper = (m) => {
  const size = m.RL[2] >>> 0;
  const at = memArg(m, 1, size, true);
  if (at < 0) return -at;
  const name = 'bpfsynth';
  for (let i = 0; i < size; i++) m.u8[at + i] = i < name.length && i < size - 1 ? name.charCodeAt(i) : 0;
  return ret(m, 0);
};

/** skb->len as the program sees it (data .. data_end). */
const skbLen = (m: Machine): number => m.pktEnd - m.pktData;

const skbStoreBytes: Helper = (m) => {
  const offset = m.RL[2] >>> 0, len = m.RL[4] >>> 0;
  const from = memArg(m, 3, len, false);
  if (from < 0) return -from;
  if ((m.RL[5] & ~3) !== 0 || m.RH[5] !== 0) return ret(m, -EINVAL); // RECOMPUTE_CSUM | INVALIDATE_HASH
  if (offset > 0x7fffffff || offset + len > skbLen(m)) return ret(m, -EFAULT);
  const dst = m.rBase[REGION_PKT] + m.pktData + offset;
  m.u8.copyWithin(dst, from, from + len);
  return ret(m, 0);
};

const skbLoadBytes: Helper = (m) => {
  const offset = m.RL[2] >>> 0, len = m.RL[4] >>> 0;
  const to = memArg(m, 3, len, true);
  if (to < 0) return -to;
  if (offset > 0x7fffffff || offset + len > skbLen(m)) {
    m.u8.fill(0, to, to + len);
    return ret(m, -EFAULT);
  }
  const src = m.rBase[REGION_PKT] + m.pktData + offset;
  m.u8.copyWithin(to, src, src + len);
  return ret(m, 0);
};

/** Common checks of l3/l4_csum_replace; arena index of the 16-bit checksum field or -errno-1000. */
function csumField(m: Machine, allowed: number): number {
  const offset = m.RL[2] >>> 0;
  if ((m.RL[5] & ~allowed) !== 0 || m.RH[5] !== 0) return -EINVAL - 1000;
  if (offset > 0xffff || (offset & 1) !== 0 || offset + 2 > skbLen(m)) return -EFAULT - 1000;
  return m.rBase[REGION_PKT] + m.pktData + offset;
}

const l3CsumReplace: Helper = (m) => {
  const at = csumField(m, 0xf);
  if (at < 0) return ret(m, at + 1000);
  const sum = m.dv.getUint16(at, true), from = m.RL[3], to = m.RL[4];
  let v: number;
  switch (m.RL[5] & 0xf) {
    case 0:
      if ((from | m.RH[3]) !== 0) return ret(m, -EINVAL);
      v = csumReplaceByDiff(sum, to);
      break;
    case 2: v = csumReplace2(sum, from & 0xffff, to & 0xffff); break;
    case 4: v = csumReplace4(sum, from, to); break;
    default: return ret(m, -EINVAL);
  }
  m.dv.setUint16(at, v, true);
  return ret(m, 0);
};

/** BPF_F_PSEUDO_HDR 0x10, BPF_F_MARK_MANGLED_0 0x20, BPF_F_MARK_ENFORCE 0x40, BPF_F_IPV6 0x80. */
const l4CsumReplace: Helper = (m) => {
  const at = csumField(m, 0xff);
  if (at < 0) return ret(m, at + 1000);
  const flags = m.RL[5];
  const mmzero = (flags & 0x20) !== 0, enforce = (flags & 0x40) !== 0;
  const sum = m.dv.getUint16(at, true), from = m.RL[3], to = m.RL[4];
  if (mmzero && !enforce && sum === 0) return ret(m, 0);
  let v: number;
  // test_run skbs are CHECKSUM_NONE: inet_proto_csum_replace* reduce to csum_replace4 / _by_diff.
  switch (flags & 0xf) {
    case 0:
      if ((from | m.RH[3]) !== 0) return ret(m, -EINVAL);
      v = csumReplaceByDiff(sum, to);
      break;
    case 2: v = csumReplace4(sum, from & 0xffff, to & 0xffff); break;
    case 4: v = csumReplace4(sum, from, to); break;
    default: return ret(m, -EINVAL);
  }
  if (mmzero && v === 0) v = 0xffff; // CSUM_MANGLED_0
  m.dv.setUint16(at, v, true);
  return ret(m, 0);
};

const csumDiffHelper: Helper = (m) => {
  const fromSize = m.RL[2] >>> 0, toSize = m.RL[4] >>> 0;
  if (((fromSize | toSize) & 3) !== 0 || fromSize + toSize > 512 || m.RH[2] !== 0 || m.RH[4] !== 0) return ret(m, -EINVAL);
  const from = memArg(m, 1, fromSize, false);
  if (from < 0) return -from;
  const to = memArg(m, 3, toSize, false);
  if (to < 0) return -to;
  return retU32(m, csumDiff(m.u8.slice(from, from + fromSize), m.u8.slice(to, to + toSize), m.RL[5]));
};

/** bpf_redirect: XDP → XDP_REDIRECT (flags must be 0); tc → TC_ACT_REDIRECT (flags ⊆ BPF_F_INGRESS). */
const redirect: Helper = (m) => {
  const flagsLo = m.RL[2], flagsHi = m.RH[2];
  if (m.ctxKind === 'xdp') {
    if ((flagsLo | flagsHi) !== 0) return ret(m, 0); // XDP_ABORTED
    m.redirectTo = m.RL[1] >>> 0;
    return ret(m, 4);
  }
  if ((flagsLo & ~1) !== 0 || flagsHi !== 0) return ret(m, 2); // TC_ACT_SHOT
  m.redirectTo = m.RL[1] >>> 0;
  return ret(m, 7); // TC_ACT_REDIRECT
};

/** bpf_redirect_map: XDP_REDIRECT if the key is present, else the action in flags' low 2 bits. */
const redirectMap: Helper = (m) => {
  const map = mapArg(m, 1);
  if (!map) return F_HELPERARG;
  const flags = m.RL[3], isDev = map.def.type === MAP_TYPE.devmap || map.def.type === MAP_TYPE.devmap_hash;
  const allowed = 3 | (isDev ? 0x18 : 0); // BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS for devmaps
  if ((flags & ~allowed) !== 0 || m.RH[3] !== 0) return ret(m, 0); // XDP_ABORTED
  if (isDev && (flags & 0x08) !== 0) return ret(m, 4);
  const key = m.RL[2] >>> 0;
  m.dv.setUint32(0, key, true); // the user scratch area holds the u32 key
  if (map.lookup(0) < 0) return ret(m, flags & 3);
  m.redirectTo = key;
  return ret(m, 4);
};

/** perf_event_output(ctx, map, flags, data, size): captured; returns -ENOENT like test_run (no event open). */
const perfEventOutput: Helper = (m) => {
  const map = mapArg(m, 2);
  if (!map || map.def.type !== MAP_TYPE.perf_event_array) return F_HELPERARG;
  const size = m.RL[5] >>> 0;
  const data = memArg(m, 4, size, false);
  if (data < 0) return -data;
  const flagsLo = m.RL[3] >>> 0, flagsHi = m.RH[3] >>> 0;
  if ((flagsHi & ~0xfffff) !== 0) return ret(m, -EINVAL); // BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK
  const index = flagsLo === 0xffffffff ? 0 : flagsLo;
  if (index >= map.def.maxEntries) return ret(m, -E2BIG);
  const ctxLen = flagsHi & 0xfffff;
  if (ctxLen > m.pktEnd - m.pktData) return ret(m, -EFAULT);
  const rec = new Uint8Array(size + ctxLen);
  rec.set(m.u8.subarray(data, data + size));
  const p = m.rBase[REGION_PKT] + m.pktData;
  rec.set(m.u8.subarray(p, p + ctxLen), size);
  m.output.push({ kind: 'perf', map: map.index, index, data: rec });
  return ret(m, -ENOENT);
};

const xdpAdjustHead: Helper = (m) => {
  const offset = m.RL[2];
  const metalen = m.pktData - m.pktMeta;
  const data = m.pktData + offset;
  if (data < XDP_FRAME_STRUCT + metalen || data > m.pktEnd - ETH_HLEN) return ret(m, -EINVAL);
  const pb = m.rBase[REGION_PKT];
  if (metalen) m.u8.copyWithin(pb + m.pktMeta + offset, pb + m.pktMeta, pb + m.pktData);
  m.setPacket(m.pktMeta + offset, data, m.pktEnd);
  return ret(m, 0);
};

const xdpAdjustMeta: Helper = (m) => {
  const meta = m.pktMeta + m.RL[2];
  const metalen = m.pktData - meta;
  if (meta < XDP_FRAME_STRUCT || meta > m.pktData) return ret(m, -EINVAL);
  if ((metalen & 3) !== 0 || metalen > 255) return ret(m, -EACCES);
  m.setPacket(meta, m.pktData, m.pktEnd);
  return ret(m, 0);
};

const xdpAdjustTail: Helper = (m) => {
  const offset = m.RL[2];
  const end = m.pktEnd + offset;
  if (end > XDP_FRAME - XDP_TAILROOM || end < m.pktData + ETH_HLEN) return ret(m, -EINVAL);
  const pb = m.rBase[REGION_PKT];
  if (offset > 0) m.u8.fill(0, pb + m.pktEnd, pb + end);
  m.setPacket(m.pktMeta, m.pktData, end);
  return ret(m, 0);
};

/**
 * ringbuf_output(ringbuf, data, size, flags): captured, or -EAGAIN when it does not fit. The run
 * starts with an empty ring; a record takes round8(8 + size) bytes and __bpf_ringbuf_reserve
 * refuses once producer - consumer would exceed max_entries - 1, so at most max_entries - 8 bytes.
 */
const ringbufOutput: Helper = (m) => {
  const map = mapArg(m, 1);
  if (!map || map.def.type !== MAP_TYPE.ringbuf) return F_HELPERARG;
  const size = m.RL[3] >>> 0;
  const data = memArg(m, 2, size, false);
  if (data < 0) return -data;
  if ((m.RL[4] & ~3) !== 0 || m.RH[4] !== 0) return ret(m, -EINVAL); // BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP
  const bytes = (n: number): number => (n + 8 + 7) & ~7; // 8-byte header, padded to 8
  let used = 0;
  for (const o of m.output) if (o.kind === 'ringbuf' && o.map === map.index) used += bytes(o.data.length);
  if (used + bytes(size) > map.def.maxEntries - 1) return ret(m, -EAGAIN);
  m.output.push({ kind: 'ringbuf', map: map.index, data: m.u8.slice(data, data + size) });
  return ret(m, 0);
};

/** xdp_load_bytes / xdp_store_bytes (linear buffer only). */
function xdpBytes(store: boolean): Helper {
  return (m) => {
    const offset = m.RL[2] >>> 0, len = m.RL[4] >>> 0;
    const buf = memArg(m, 3, len, !store);
    if (buf < 0) return -buf;
    if (offset + len > m.pktEnd - m.pktData || len === 0) return ret(m, -EINVAL);
    const p = m.rBase[REGION_PKT] + m.pktData + offset;
    if (store) m.u8.copyWithin(p, buf, buf + len);
    else m.u8.copyWithin(buf, p, p + len);
    return ret(m, 0);
  };
}

const HELPER_TABLE: Record<number, Helper> = {
  1: mapLookup, 2: mapUpdate, 3: mapDelete, 5: ktimeGetNs, 6: tracePrintk, 7: prandom, 8: zero,
  9: skbStoreBytes, 10: l3CsumReplace, 11: l4CsumReplace, 14: currentPidTgid, 15: zero,
  16: currentComm, 23: redirect, 25: perfEventOutput, 26: skbLoadBytes, 28: csumDiffHelper,
  42: zero, 44: xdpAdjustHead, 51: redirectMap, 54: xdpAdjustMeta, 65: xdpAdjustTail,
  125: ktimeGetNs, 130: ringbufOutput, 189: xdpBytes(false), 190: xdpBytes(true),
};

/** Helpers indexed by number; undefined = not modelled (the run faults 'unknown-helper'). */
export const HELPERS: (Helper | undefined)[] = Array.from({ length: 212 }, (_, i) => HELPER_TABLE[i]);

/** MAX_TAIL_CALL_CNT. */
export const MAX_TAIL_CALLS = 33;

/**
 * bpf_tail_call(ctx, prog_array, index): the target's entry slot, -1 to fall through (index out
 * of range, count exhausted, empty slot: the kernel counts the attempt before the NULL check),
 * or -(1000 + fault).
 */
export function tailCall(m: Machine): number {
  const map = mapArg(m, 2);
  if (!map || map.def.type !== MAP_TYPE.prog_array) return -(1000 + F_HELPERARG);
  const index = m.RL[3] >>> 0;
  if (index >= map.def.maxEntries) return -1;
  if (m.tailCalls >= MAX_TAIL_CALLS) return -1;
  m.tailCalls++;
  m.dv.setUint32(0, index, true);
  const slot = map.lookup(0);
  if (slot < 0) return -1;
  const target = m.dv.getUint32(map.base + slot * map.stride, true);
  if (target + 1 >= m.dec.entries.length) return -1;
  return m.dec.entries[target + 1];
}

/**
 * LD_ABS / LD_IND (skb programs): r0 = the big-endian value at skb->data + off, or end the
 * function with r0 = 0 when out of bounds (bpf_skb_load_helper_* then the emitted exit).
 * Negative offsets take the SKF_NET_OFF / SKF_LL_OFF meanings.
 */
export function ldAbs(m: Machine, off: number, size: number): number {
  if (m.ctxKind !== 'skb') {
    m.faultMsg = 'BPF_LD_[ABS|IND] instructions not allowed for this program type';
    return F_INVALID;
  }
  const netOff = m.l2 ? ETH_HLEN : 0; // network header relative to skb->data
  const macOff = m.pktFrame - m.pktData; // mac header relative to skb->data
  if (off < 0) {
    if (off >= -0x100000) off = off + 0x100000 + netOff;
    else if (off >= -0x200000) off = off + 0x200000 + macOff;
    else return F_EXIT_FN;
  }
  const len = m.pktEnd - m.pktData;
  if (len - off < size || m.pktData + off < m.pktFrame) return F_EXIT_FN;
  const at = m.rBase[REGION_PKT] + m.pktData + off;
  const v = size === 1 ? m.u8[at] : size === 2 ? m.dv.getUint16(at, false) : m.dv.getInt32(at, false);
  m.RL[0] = v;
  m.RH[0] = 0;
  return F_OK;
}
