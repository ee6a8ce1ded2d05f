// The packet region of a run: where test_run puts the frame (XDP: a page with headroom and
// tailroom; skb: NET_SKB_PAD headroom), placing this run's packet (or raw ctx / mem) while
// clearing only what the last runs left, deferring the XDP copy until a run writes it or
// accesses it other than by the loop's byte and half-word loads (pendingPkt, copyAtSetup), and
// the packet as test_run's data_out returns it.
import { fillSkb, fillXdp, SKB_SIZE, XDP_MD_SIZE } from './context.ts';
import { CTX_CAPACITY, REGION_CTX, REGION_PKT, TAG } from './layout.ts';
import type { Machine } from './machine.ts';
import type { RunInput } from './run-input.ts';

/** XDP under test_run: page-sized frame, 256 bytes headroom, 320 bytes skb_shared_info tailroom. */
export const XDP_FRAME = 4096;
export const XDP_HEADROOM = 256;
/** XDP_HEADROOM and REGION_PKT for refillXdp: module-private literals fold into the code, imports and exports do not (see vm.ts). */
const HEADROOM = 256;
const PKT = 9;
if (PKT !== REGION_PKT || HEADROOM !== XDP_HEADROOM) throw new Error('packet.ts: its literal constants differ from layout.ts');
export const XDP_TAILROOM = 320;
/** sizeof(struct xdp_frame): adjust_head/meta may not move data below it. */
export const XDP_FRAME_STRUCT = 40;
/** skb under test_run: NET_SKB_PAD headroom, then the frame, then shared-info tailroom. */
export const SKB_HEADROOM = 64;
export const ETH_HLEN = 14;

export const EMPTY = new Uint8Array(0);

/**
 * Copy a deferred packet into the arena (see Machine.pendingPkt). Anything that reads or writes
 * the packet region other than through the loop's fast paths calls this first.
 */
export function materializePacket(m: Machine): void {
  const p = m.pendingPkt;
  if (p === null) return;
  m.pendingPkt = null;
  m.u8.set(p, m.pendingAt);
  m.rdFast[REGION_PKT] = m.wrFast[REGION_PKT] = 1;
}

/** Set the packet bounds (region offsets) and the region's valid range [meta, end). */
export function setPacket(m: Machine, meta: number, data: number, end: number): void {
  m.steady = false; // bounds from a helper or a caller: the next setup places them again
  // a caller placing packet bytes itself (window states) replaces any deferred packet
  if (m.pendingPkt !== null) {
    m.pendingPkt = null;
    m.rdFast[REGION_PKT] = m.wrFast[REGION_PKT] = 1;
  }
  if (meta < m.pktDirtyLo) m.pktDirtyLo = meta;
  if (end > m.pktDirtyHi) m.pktDirtyHi = end;
  m.pktMeta = meta;
  m.pktData = data;
  m.pktEnd = end;
  m.rLo[REGION_PKT] = meta;
  m.rHi[REGION_PKT] = end;
}

/**
 * The general case of setup's memory part: the packet (or mem, or raw ctx) placed, the
 * context filled, r1 (and r2 for mem) pointed at it. Throws RangeError on unusable input.
 */
export function placeInput(m: Machine, input: RunInput): void {
  const RL = m.RL, RH = m.RH, u8 = m.u8;
  const pb = m.rBase[REGION_PKT];
  const ctxBase = m.rBase[REGION_CTX];
  const pkt = input.packet ?? input.mem ?? EMPTY;
  clearPacket(m, input.mem ? 0 : m.ctxKind === 'xdp' ? XDP_HEADROOM : m.ctxKind === 'skb' ? SKB_HEADROOM : 0, input.mem || m.ctxKind !== 'raw' ? pkt.length : 0);
  if (input.mem) {
    if (pkt.length > m.pktCap) throw new RangeError(`mem of ${pkt.length} bytes exceeds ${m.pktCap}`);
    u8.set(pkt, pb);
    m.pktFrame = 0;
    setPacket(m, 0, 0, pkt.length);
    RL[1] = 0;
    RH[1] = TAG + REGION_PKT;
    RL[2] = pkt.length;
    m.rHi[REGION_CTX] = 0;
  } else if (m.ctxKind === 'xdp') {
    const max = XDP_FRAME - XDP_HEADROOM - XDP_TAILROOM;
    if (pkt.length > max) throw new RangeError(`XDP packet of ${pkt.length} bytes exceeds the linear frame (${max})`);
    m.pktFrame = XDP_HEADROOM;
    setPacket(m, XDP_HEADROOM, XDP_HEADROOM, XDP_HEADROOM + pkt.length);
    if (pkt.length !== 0 && m.copyAtSetup) u8.set(pkt, pb + XDP_HEADROOM);
    else if (pkt.length !== 0) {
      m.pendingPkt = pkt;
      m.pendingAt = pb + XDP_HEADROOM;
      m.rdFast[REGION_PKT] = m.wrFast[REGION_PKT] = 0;
    }
    // nothing writes xdp_md's memory but fillXdp (ctx stores fault for xdp)
    if (input.xdp || !m.xdpDefault) fillXdp(m.dv, ctxBase, input.xdp ?? {});
    m.xdpDefault = input.xdp === undefined;
    m.rHi[REGION_CTX] = XDP_MD_SIZE;
  } else if (m.ctxKind === 'skb') {
    if (pkt.length > m.pktCap - SKB_HEADROOM - XDP_TAILROOM) throw new RangeError(`packet of ${pkt.length} bytes exceeds maxPacket`);
    u8.set(pkt, pb + SKB_HEADROOM);
    m.pktFrame = SKB_HEADROOM;
    setPacket(m, SKB_HEADROOM, SKB_HEADROOM, SKB_HEADROOM + pkt.length); // whole frame is dirty
    const data = SKB_HEADROOM + (m.l2 ? 0 : ETH_HLEN);
    const end = SKB_HEADROOM + pkt.length;
    setPacket(m, data, data, Math.max(data, end));
    fillSkb(m.dv, ctxBase, pkt, Math.max(0, end - data), input.skb ?? {}, input.skb !== undefined);
    m.rHi[REGION_CTX] = SKB_SIZE;
  } else {
    const ctx = input.ctx ?? EMPTY;
    if (ctx.length > CTX_CAPACITY) throw new RangeError(`ctx of ${ctx.length} bytes exceeds ${CTX_CAPACITY}`);
    u8.set(ctx, ctxBase);
    m.rHi[REGION_CTX] = ctx.length;
    setPacket(m, 0, 0, 0);
  }
  m.rdFast[REGION_CTX] = m.ctxKind === 'raw' || input.mem ? 1 : 0;
}

/**
 * The common XDP case of setup (a packet, default xdp_md fields, which the ctx region already
 * holds): what placeInput does for it, with nothing to decide. Half of a trivial run's cost was
 * the general path's calls and branches.
 */
export function placeXdpPacket(m: Machine, pkt: Uint8Array): void {
  const len = pkt.length, end = XDP_HEADROOM + len;
  if (len > XDP_FRAME - XDP_HEADROOM - XDP_TAILROOM) throw new RangeError(`XDP packet of ${len} bytes exceeds the linear frame (${XDP_FRAME - XDP_HEADROOM - XDP_TAILROOM})`);
  // stale bytes outside the new packet: only when the last packets reached beyond it
  if (m.pktDirtyHi > m.pktDirtyLo && (m.pktDirtyLo < XDP_HEADROOM || m.pktDirtyHi > end)) clearPacket(m, XDP_HEADROOM, len);
  m.pktDirtyLo = XDP_HEADROOM; // what clearPacket and setPacket leave: [data, end)
  m.pktDirtyHi = end;
  m.pktFrame = m.pktMeta = m.pktData = XDP_HEADROOM;
  m.pktEnd = end;
  m.rLo[REGION_PKT] = XDP_HEADROOM;
  m.rHi[REGION_PKT] = end;
  const at = m.rBase[REGION_PKT] + XDP_HEADROOM;
  m.pendingAt = at;
  if (len === 0 || m.copyAtSetup) {
    // code that copied the packet in before will most likely do so again: a copy now is
    // cheaper than the slow path on first touch
    if (len !== 0) m.u8.set(pkt, at);
    m.pendingPkt = null;
    m.rdFast[REGION_PKT] = m.wrFast[REGION_PKT] = 1;
  } else {
    m.pendingPkt = pkt;
    m.rdFast[REGION_PKT] = m.wrFast[REGION_PKT] = 0;
  }
  m.rHi[REGION_CTX] = XDP_MD_SIZE;
  m.rdFast[REGION_CTX] = 0;
}

/**
 * setup's common XDP case once more, on a machine in the state placeXdpPacket left it
 * (Machine.steady): with a packet of the same length the bounds, the ctx region and the
 * dirty range are already right, and only the bytes change. False when the length differs.
 */
export function refillXdp(m: Machine, pkt: Uint8Array): boolean {
  const len = pkt.length;
  if (HEADROOM + len !== m.pktEnd) return false;
  if (len === 0) return true;
  if (m.copyAtSetup) m.u8.set(pkt, m.pendingAt);
  else {
    m.pendingPkt = pkt;
    m.rdFast[PKT] = m.wrFast[PKT] = 0;
  }
  return true;
}

/**
 * Zero what the last runs left in the packet region, except [at, at + len) where the next
 * packet is about to be copied.
 */
function clearPacket(m: Machine, at: number, len: number): void {
  const pb = m.rBase[REGION_PKT], lo = m.pktDirtyLo, hi = m.pktDirtyHi;
  if (hi > lo) {
    if (lo < at) m.u8.fill(0, pb + lo, pb + Math.min(hi, at));
    if (hi > at + len) m.u8.fill(0, pb + Math.max(lo, at + len), pb + hi);
  }
  // still dirty until the copy lands (an input refused before it must not leave stale bytes)
  if (len > 0) {
    m.pktDirtyLo = at;
    m.pktDirtyHi = Math.min(at + len, m.pktCap);
  } else {
    m.pktDirtyLo = m.pktCap;
    m.pktDirtyHi = 0;
  }
}

/** The packet after the run, as test_run's data_out returns it (borrow: a view, valid until the next run). */
export function packetOut(m: Machine, isMem: boolean, borrow: boolean): Uint8Array {
  // untouched by the run (bounds unchanged, since helpers materialize first): the input as is
  if (m.pendingPkt !== null && !borrow) return m.pendingPkt.slice();
  materializePacket(m);
  const pb = m.rBase[REGION_PKT], u8 = m.u8;
  if (isMem) return u8.slice(pb + m.pktData, pb + m.pktEnd);
  if (m.ctxKind === 'xdp') return borrow ? u8.subarray(pb + m.pktMeta, pb + m.pktEnd) : u8.slice(pb + m.pktMeta, pb + m.pktEnd);
  if (m.ctxKind === 'skb') {
    const out = u8.slice(pb + m.pktFrame, pb + m.pktEnd);
    if (!m.l2) out.fill(0, 0, ETH_HLEN); // test_run zeroes the pushed MAC header
    return out;
  }
  return EMPTY;
}
