// The slow memory path: what the loop's inline fast paths hand off (vm.ts, through the
// Machine's methods of the same names). Resolves a tagged address (region id in the high word,
// offset in the low) to an arena index with the full checks, names the region in fault
// messages, and routes ctx accesses to the context's field rewrites.
import { ctxLoad, ctxStore } from './context.ts';
import {
  F_BADADDR, F_CTX, F_NULL, F_OK, F_OOB, F_READONLY, FIRST_MAP_REGION, MAX_FRAMES,
  REGION_CTX, REGION_PKT, TAG, carried,
} from './layout.ts';
import type { Machine } from './machine.ts';

/**
 * Arena index of [a, a+size) at region hi `h`, or -fault (the message in m.faultMsg).
 * Marks a map dirty on a write into its slab.
 */
export function resolve(m: Machine, h: number, a: number, size: number, write: boolean): number {
  if (m.pendingPkt !== null) m.materializePacket();
  if (a < 0 || a >= 0x100000000) ({ h, a } = carry(m, h, a));
  if (h === 0) {
    m.faultMsg = `null pointer access at 0x${(a >>> 0).toString(16)}`;
    return -F_NULL;
  }
  const id = (h - TAG) >>> 0;
  if (id >= m.nreg) {
    m.faultMsg = `access to unmapped address 0x${(h >>> 0).toString(16)}${(a >>> 0).toString(16).padStart(8, '0')}`;
    return -F_BADADDR;
  }
  // a stack frame's rLo is its dirty mark (Machine.stackMark, cleanCallee), not its bound: frames start at 0
  const lo = id < MAX_FRAMES ? 0 : m.rLo[id];
  if (a < lo || a + size > m.rHi[id]) {
    m.faultMsg = `${regionName(m, id)} access out of bounds: off=${a} size=${size} valid=[${lo},${m.rHi[id]})`;
    return -F_OOB;
  }
  const stride = m.rStride[id];
  if (stride > 0 && (a % stride) + size > m.rVsize[id]) {
    m.faultMsg = `${regionName(m, id)} access crosses a value: off=${a} size=${size} value_size=${m.rVsize[id]}`;
    return -F_OOB;
  }
  if (write) {
    if (!m.writable[id]) {
      m.faultMsg = `write into read-only ${regionName(m, id)}`;
      return -F_READONLY;
    }
    if (id >= FIRST_MAP_REGION) {
      const map = m.maps[id - FIRST_MAP_REGION];
      map.touch(m.rBase[id] + a - map.base, size);
    } else if (id < MAX_FRAMES && a < m.rLo[id]) m.rLo[id] = a & ~7; // a frame's dirty mark (Machine.stackMark, cleanCallee)
  }
  return m.rBase[id] + a;
}

/** (h, a) with the offset's carry moved into h when that lands in a region; else as is, so the fault names the base's region. */
export function carry(m: Machine, h: number, a: number): { h: number; a: number } {
  const c = carried(h, a);
  return ((c.h - TAG) >>> 0) < m.nreg ? c : { h, a };
}

/** Region id as fault messages name it. */
export function regionName(m: Machine, id: number): string {
  if (id < MAX_FRAMES) return `stack frame ${id}`;
  if (id === REGION_CTX) return 'ctx';
  if (id === REGION_PKT) return 'packet';
  return `map ${m.maps[id - FIRST_MAP_REGION]?.def.name ?? id} value`;
}

/** Load of `size` bytes into register d, zero- or sign-extended. Returns a fault code. */
export function loadSlow(m: Machine, h: number, a: number, size: number, signed: boolean, d: number): number {
  if (a < 0 || a >= 0x100000000) ({ h, a } = carry(m, h, a));
  if (((h - TAG) >>> 0) === REGION_CTX && m.ctxKind !== 'raw') {
    const f = a < 0 || a + size > m.rHi[REGION_CTX] ? F_CTX
      : ctxLoad(m.ctxKind, m.dv, m.rBase[REGION_CTX], a, size, m, m.tmp);
    if (f !== F_OK) {
      m.faultMsg = `invalid ctx load off=${a} size=${size}`;
      return f;
    }
    m.RL[d] = m.tmp[0];
    m.RH[d] = m.tmp[1];
    return F_OK;
  }
  const at = resolve(m, h, a, size, false);
  if (at < 0) return -at;
  const dv = m.dv;
  let lo: number, hi: number;
  switch (size) {
    case 1: lo = signed ? dv.getInt8(at) : dv.getUint8(at); hi = signed ? lo >> 31 : 0; break;
    case 2: lo = signed ? dv.getInt16(at, true) : dv.getUint16(at, true); hi = signed ? lo >> 31 : 0; break;
    case 4: lo = dv.getInt32(at, true); hi = signed ? lo >> 31 : 0; break;
    default: lo = dv.getInt32(at, true); hi = dv.getInt32(at + 4, true);
  }
  m.RL[d] = lo;
  m.RH[d] = hi;
  return F_OK;
}

/** Store of `size` bytes of register/constant slot s. Returns a fault code. */
export function storeSlow(m: Machine, h: number, a: number, size: number, s: number): number {
  if (a < 0 || a >= 0x100000000) ({ h, a } = carry(m, h, a));
  if (((h - TAG) >>> 0) === REGION_CTX && m.ctxKind !== 'raw') {
    const f = a < 0 || a + size > m.rHi[REGION_CTX] ? F_CTX : ctxStore(m.ctxKind, m.prog.type, m.dv, m.rBase[REGION_CTX], a, size, m.RL[s], m.RH[s]);
    if (f !== F_OK) m.faultMsg = `invalid ctx store off=${a} size=${size}`;
    return f;
  }
  const at = resolve(m, h, a, size, true);
  if (at < 0) return -at;
  const dv = m.dv, lo = m.RL[s];
  switch (size) {
    case 1: dv.setUint8(at, lo & 0xff); break;
    case 2: dv.setUint16(at, lo & 0xffff, true); break;
    case 4: dv.setInt32(at, lo, true); break;
    default: dv.setInt32(at, lo, true); dv.setInt32(at + 4, m.RH[s], true);
  }
  return F_OK;
}
