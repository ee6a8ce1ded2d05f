// The interpreter's state: register file, arena with its region table, maps, packet bounds,
// outputs. `execute` (vm.ts) runs the loop over it; this file lays memory out, resolves
// addresses on the slow path and prepares each run.
import type { Program } from '../isa/program.ts';
import { ctxKind, ctxLoad, ctxStore, fillSkb, fillXdp, isL2, SKB_SIZE, XDP_MD_SIZE, type CtxKind } from './context.ts';
import { CONST_BASE, decodePrograms, encodeStraight, mayTouchMemory, mayWriteMemory, touchesMemory, writesMemory, type Decoded } from './decode.ts';
import type { Op } from '../isa/op.ts';
import {
  CTX_CAPACITY, F_BADADDR, F_CTX, F_NULL, F_OK, F_OOB, F_READONLY, FIRST_MAP_REGION, MAX_FRAMES,
  REGION_CTX, REGION_PKT, STACK_SIZE, TAG, carried,
} from './layout.ts';
import { BpfMap } from './maps.ts';
import type { OutputRecord, PrepareOptions, RunInput } from './run-input.ts';
export type { OutputRecord, PrepareOptions, RunInput } from './run-input.ts';

/** XDP under test_run: page-sized frame, 256 bytes headroom, 320 bytes skb_shared_info tailroom. */
export const XDP_FRAME = 4096;
export const XDP_HEADROOM = 256;
export const XDP_TAILROOM = 320;
/** sizeof(struct xdp_frame): adjust_head/meta may not move data below it. */
export const XDP_FRAME_STRUCT = 40;
/** skb under test_run: NET_SKB_PAD headroom, then the frame, then shared-info tailroom. */
export const SKB_HEADROOM = 64;
export const ETH_HLEN = 14;

export class Machine {
  dec: Decoded;
  prog: Program;
  readonly ctxKind: CtxKind;
  readonly l2: boolean;
  readonly maps: BpfMap[];
  /** PrepareOptions.standIns. */
  readonly standIns?: Readonly<Record<number, (m: Machine) => number>>;
  /** Register file: lo and hi halves; indices 0..10 are r0..r10, CONST_BASE.. hold immediates. */
  RL: Int32Array;
  RH: Int32Array;
  // Arena and region table.
  readonly buf: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly nreg: number;
  readonly rBase: Int32Array;
  /** Valid offsets of region i: [rLo[i], rHi[i]). */
  readonly rLo: Int32Array;
  readonly rHi: Int32Array;
  /** 1 when a load / store of region i needs no more than the bounds check. */
  readonly rdFast: Uint8Array;
  readonly wrFast: Uint8Array;
  readonly writable: Uint8Array;
  /** Map slabs: value stride and value size (an access must stay inside one value). */
  readonly rStride: Int32Array;
  readonly rVsize: Int32Array;
  readonly pktCap: number;
  readonly stepLimitDefault: number;
  // Per-run state.
  pktMeta = 0;
  pktData = 0;
  pktEnd = 0;
  /** Start of the frame inside the packet region (skb: the Ethernet header). */
  pktFrame = 0;
  /** Packet-region bytes a previous run may have left non-zero: [pktDirtyLo, pktDirtyHi). */
  pktDirtyLo = 0;
  pktDirtyHi = 0;
  stepLimit = 1_000_000;
  insnCount = 0;
  faultPc = 0;
  /** Call depth when the loop last stopped (0 = the entry function). */
  depth = 0;
  faultMsg = '';
  output: OutputRecord[] = [];
  clock = 0n;
  rng = 1;
  tailCalls = 0;
  /** Call stack: per frame [return pc, r6..r9 lo, r6..r9 hi]. */
  readonly frames = new Int32Array(MAX_FRAMES * 9);
  /** may_goto budget per call depth: the hidden stack slot the kernel's rewrite keeps below each frame. */
  readonly loops = new Int32Array(MAX_FRAMES);
  /** Scratch for ctx loads. */
  readonly tmp = new Int32Array(2);
  /** The redirect target a redirect helper recorded (ifindex), or -1. */
  redirectTo = -1;
  // What setup need not redo (the fixed cost of a run): whether the decoded code can write
  // memory at all, and what the entry stack frame and the xdp_md fields hold now.
  /** The decoded code has a store, atomic or call (see mayWriteMemory). */
  private writes = true;
  /** The decoded code has a load, store or call: copy the XDP packet in at setup (see pendingPkt). */
  private touches = true;
  /** Frame 0 holds exactly the image of seed `stackSeed` (0: zeros), unless stackKnown is false. */
  private stackKnown = false;
  private stackSeed = 0;
  /** The ctx region holds the default xdp_md fields. */
  private xdpDefault = false;
  /** PrepareOptions.noUninitStackReads. */
  private readonly stackReadsInit: boolean;
  /**
   * The XDP packet of this run while its copy into the arena is deferred (null: the arena holds
   * the packet). Setup only notes it and turns the packet region's fast paths off, so the first
   * access goes to the slow path, which copies it in (materializePacket). The common XDP setup
   * defers only for code with no load, store or call (its runs then skip the copy); the general
   * path always defers.
   */
  private pendingPkt: Uint8Array | null = null;
  private pendingAt = 0;

  /**
   * Swap in other instructions that use the same maps (the optimizer's candidates): only the
   * decoding is redone; memory, maps and baselines stay. Tail-call targets are dropped.
   */
  reload(prog: Program): void {
    this.prog = prog;
    this.dec = decodePrograms([prog], this.maps.length);
    const nc = this.dec.constLo.length;
    if (this.RL.length < CONST_BASE + nc) {
      this.RL = new Int32Array(CONST_BASE + nc);
      this.RH = new Int32Array(CONST_BASE + nc);
    }
    this.RL.set(this.dec.constLo, CONST_BASE);
    this.RH.set(this.dec.constHi, CONST_BASE);
    this.writes = mayWriteMemory(this.dec.code);
    this.touches = mayTouchMemory(this.dec.code);
  }

  /**
   * Fill r2..r9 and the entry stack frame with pseudo-random bytes from `seed`, so that a program
   * that reads what it never wrote behaves differently from one that does not (the kernel leaves
   * such memory undefined; a zeroed machine would hide the dependence).
   */
  private poisonImage(seed: number): { regs: Int32Array; stack: Uint8Array; after: number } {
    let img = this.poisonCache.get(seed);
    if (!img) {
      // the same garbage for the same seed: computed once (the search runs each test many times)
      const regs = new Int32Array(16);
      for (let r = 2; r <= 9; r++) {
        regs[2 * r] = this.nextPoison();
        regs[2 * r + 1] = this.nextPoison();
      }
      const stack = new Uint8Array(STACK_SIZE);
      const sv = new DataView(stack.buffer);
      for (let i = 0; i < STACK_SIZE; i += 4) sv.setInt32(i, this.nextPoison(), true);
      if (this.poisonCache.size >= 256) this.poisonCache.clear();
      img = { regs, stack, after: this.poisonSeed };
      this.poisonCache.set(seed, img);
    }
    return img;
  }

  private readonly poisonCache = new Map<number, { regs: Int32Array; stack: Uint8Array; after: number }>();

  /** Seed of the poison generator for this run (0: no poisoning). */
  poisonSeed = 0;

  private nextPoison(): number {
    let s = this.poisonSeed;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (this.poisonSeed = s || 1);
  }

  /** r1..r5 after a helper call, in poison mode: garbage. */
  scramble(): void {
    for (let r = 1; r <= 5; r++) {
      this.RL[r] = this.nextPoison();
      this.RH[r] = this.nextPoison();
    }
  }

  /** Register-file slot reserved for slot pc's immediate when it is patched. */
  private patchConst(pc: number): number {
    const base = CONST_BASE + this.dec.constLo.length;
    if (this.RL.length < base + this.prog.insns.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(base + this.prog.insns.length);
        b.set(a);
        return b;
      };
      this.RL = grow(this.RL);
      this.RH = grow(this.RH);
    }
    return base + pc;
  }

  /**
   * Replace the instruction at slot pc of the entry program with a straight-line instruction
   * (ALU, END, load, store) or a no-op (null), without re-decoding the program. Returns false
   * for instructions that need a full decode. Jumps are unaffected: every slot stays in place.
   */
  patch(pc: number, op: Op | null): boolean {
    const words = encodeStraight(op, (lo, hi) => {
      const k = this.patchConst(pc);
      this.RL[k] = lo;
      this.RH[k] = hi;
      return k;
    });
    if (!words) return false;
    this.dec.code.set(words, (this.dec.entries[0] + pc) * 4);
    if (writesMemory(words[0] & 0xff)) this.writes = true;
    if (touchesMemory(words[0] & 0xff)) this.touches = true;
    return true;
  }

  constructor(prog: Program, opts: PrepareOptions = {}) {
    this.prog = prog;
    const targets = opts.tailTargets ?? [];
    this.dec = decodePrograms([prog, ...targets], prog.maps.length);
    this.ctxKind = ctxKind(prog.type);
    this.l2 = isL2(prog.type);
    this.stepLimitDefault = opts.stepLimit ?? 1_000_000;
    this.stackReadsInit = opts.noUninitStackReads ?? false;
    this.standIns = opts.standIns;
    this.maps = prog.maps.map((d, i) => new BpfMap(d, i));
    const nc = this.dec.constLo.length;
    this.RL = new Int32Array(CONST_BASE + nc);
    this.RH = new Int32Array(CONST_BASE + nc);
    this.RL.set(this.dec.constLo, CONST_BASE);
    this.RH.set(this.dec.constHi, CONST_BASE);
    this.writes = mayWriteMemory(this.dec.code);
    this.touches = mayTouchMemory(this.dec.code);

    const maxPacket = opts.maxPacket ?? 4096;
    this.pktCap = this.ctxKind === 'xdp' ? XDP_FRAME : SKB_HEADROOM + maxPacket + XDP_TAILROOM;
    // Layout: user scratch | stack frames | ctx | packet | map slabs (8-byte aligned).
    const scratch = Math.max(64, ...this.maps.map((m) => m.def.keySize + m.def.valueSize));
    const align = (n: number): number => (n + 7) & ~7;
    this.nreg = FIRST_MAP_REGION + this.maps.length;
    const sizes: number[] = [];
    for (let i = 0; i < MAX_FRAMES; i++) sizes.push(STACK_SIZE);
    sizes.push(CTX_CAPACITY, this.pktCap, ...this.maps.map((m) => m.slabSize));
    this.rBase = new Int32Array(this.nreg);
    let at = align(scratch);
    sizes.forEach((s, i) => {
      this.rBase[i] = at;
      at = align(at + s);
    });
    this.buf = new ArrayBuffer(at);
    this.u8 = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf);
    this.rLo = new Int32Array(this.nreg);
    this.rHi = new Int32Array(this.nreg);
    this.rdFast = new Uint8Array(this.nreg);
    this.wrFast = new Uint8Array(this.nreg);
    this.writable = new Uint8Array(this.nreg);
    this.rStride = new Int32Array(this.nreg);
    this.rVsize = new Int32Array(this.nreg);
    for (let i = 0; i < MAX_FRAMES; i++) {
      this.rHi[i] = STACK_SIZE;
      this.rdFast[i] = this.wrFast[i] = this.writable[i] = 1;
    }
    this.rdFast[REGION_PKT] = this.wrFast[REGION_PKT] = this.writable[REGION_PKT] = 1;
    this.maps.forEach((m, i) => {
      const r = FIRST_MAP_REGION + i;
      m.arena = this.u8;
      m.base = this.rBase[r];
      m.region = r;
      m.scratchAt = 0;
      this.rHi[r] = m.slabSize;
      this.rStride[r] = m.stride;
      this.rVsize[r] = m.def.valueSize;
      this.writable[r] = m.def.readonly ? 0 : 1;
      // Single-value maps (global data, counters) need only the bounds check on loads.
      this.rdFast[r] = m.def.maxEntries === 1 ? 1 : 0;
      m.init();
    });
  }

  /**
   * Slow-path address resolution: arena index of [a, a+size) at region hi `h`, or -fault.
   * Marks a map dirty on a write into its slab.
   */
  resolve(h: number, a: number, size: number, write: boolean): number {
    if (this.pendingPkt !== null) this.materializePacket();
    if (a < 0 || a >= 0x100000000) ({ h, a } = this.carry(h, a));
    if (h === 0) {
      this.faultMsg = `null pointer access at 0x${(a >>> 0).toString(16)}`;
      return -F_NULL;
    }
    const id = (h - TAG) >>> 0;
    if (id >= this.nreg) {
      this.faultMsg = `access to unmapped address 0x${(h >>> 0).toString(16)}${(a >>> 0).toString(16).padStart(8, '0')}`;
      return -F_BADADDR;
    }
    if (a < this.rLo[id] || a + size > this.rHi[id]) {
      this.faultMsg = `${this.regionName(id)} access out of bounds: off=${a} size=${size} valid=[${this.rLo[id]},${this.rHi[id]})`;
      return -F_OOB;
    }
    const stride = this.rStride[id];
    if (stride > 0 && (a % stride) + size > this.rVsize[id]) {
      this.faultMsg = `${this.regionName(id)} access crosses a value: off=${a} size=${size} value_size=${this.rVsize[id]}`;
      return -F_OOB;
    }
    if (write) {
      if (!this.writable[id]) {
        this.faultMsg = `write into read-only ${this.regionName(id)}`;
        return -F_READONLY;
      }
      if (id >= FIRST_MAP_REGION) {
        const m = this.maps[id - FIRST_MAP_REGION];
        m.touch(this.rBase[id] + a - m.base, size);
      }
    }
    return this.rBase[id] + a;
  }

  /** (h, a) with the offset's carry moved into h when that lands in a region; else as is, so the fault names the base's region. */
  carry(h: number, a: number): { h: number; a: number } {
    const c = carried(h, a);
    return ((c.h - TAG) >>> 0) < this.nreg ? c : { h, a };
  }

  regionName(id: number): string {
    if (id < MAX_FRAMES) return `stack frame ${id}`;
    if (id === REGION_CTX) return 'ctx';
    if (id === REGION_PKT) return 'packet';
    return `map ${this.maps[id - FIRST_MAP_REGION]?.def.name ?? id} value`;
  }

  /** Slow-path load into register d. kind: 0 zero-extend, 1 sign-extend. Returns a fault code. */
  loadSlow(h: number, a: number, size: number, signed: boolean, d: number): number {
    if (a < 0 || a >= 0x100000000) ({ h, a } = this.carry(h, a));
    if (((h - TAG) >>> 0) === REGION_CTX && this.ctxKind !== 'raw') {
      const f = a < 0 || a + size > this.rHi[REGION_CTX] ? F_CTX
        : ctxLoad(this.ctxKind, this.dv, this.rBase[REGION_CTX], a, size, this, this.tmp);
      if (f !== F_OK) {
        this.faultMsg = `invalid ctx load off=${a} size=${size}`;
        return f;
      }
      this.RL[d] = this.tmp[0];
      this.RH[d] = this.tmp[1];
      return F_OK;
    }
    const at = this.resolve(h, a, size, false);
    if (at < 0) return -at;
    const dv = this.dv;
    let lo: number, hi: number;
    switch (size) {
      case 1: lo = signed ? dv.getInt8(at) : dv.getUint8(at); hi = signed ? lo >> 31 : 0; break;
      case 2: lo = signed ? dv.getInt16(at, true) : dv.getUint16(at, true); hi = signed ? lo >> 31 : 0; break;
      case 4: lo = dv.getInt32(at, true); hi = signed ? lo >> 31 : 0; break;
      default: lo = dv.getInt32(at, true); hi = dv.getInt32(at + 4, true);
    }
    this.RL[d] = lo;
    this.RH[d] = hi;
    return F_OK;
  }

  /** Slow-path store of register/constant slot s. Returns a fault code. */
  storeSlow(h: number, a: number, size: number, s: number): number {
    if (a < 0 || a >= 0x100000000) ({ h, a } = this.carry(h, a));
    if (((h - TAG) >>> 0) === REGION_CTX && this.ctxKind !== 'raw') {
      const f = a < 0 || a + size > this.rHi[REGION_CTX] ? F_CTX : ctxStore(this.ctxKind, this.prog.type, this.dv, this.rBase[REGION_CTX], a, size, this.RL[s], this.RH[s]);
      if (f !== F_OK) this.faultMsg = `invalid ctx store off=${a} size=${size}`;
      return f;
    }
    const at = this.resolve(h, a, size, true);
    if (at < 0) return -at;
    const dv = this.dv, lo = this.RL[s];
    switch (size) {
      case 1: dv.setUint8(at, lo & 0xff); break;
      case 2: dv.setUint16(at, lo & 0xffff, true); break;
      case 4: dv.setInt32(at, lo, true); break;
      default: dv.setInt32(at, lo, true); dv.setInt32(at + 4, this.RH[s], true);
    }
    return F_OK;
  }

  /**
   * Copy a deferred packet into the arena (see pendingPkt). Anything that reads or writes the
   * packet region other than through the loop's fast paths calls this first.
   */
  materializePacket(): void {
    const p = this.pendingPkt;
    if (p === null) return;
    this.pendingPkt = null;
    this.u8.set(p, this.pendingAt);
    this.rdFast[REGION_PKT] = this.wrFast[REGION_PKT] = 1;
  }

  /** Set the packet bounds (region offsets) and the region's valid range [meta, end). */
  setPacket(meta: number, data: number, end: number): void {
    // a caller placing packet bytes itself (window states) replaces any deferred packet
    if (this.pendingPkt !== null) {
      this.pendingPkt = null;
      this.rdFast[REGION_PKT] = this.wrFast[REGION_PKT] = 1;
    }
    if (meta < this.pktDirtyLo) this.pktDirtyLo = meta;
    if (end > this.pktDirtyHi) this.pktDirtyHi = end;
    this.pktMeta = meta;
    this.pktData = data;
    this.pktEnd = end;
    this.rLo[REGION_PKT] = meta;
    this.rHi[REGION_PKT] = end;
  }

  /**
   * Prepare registers, memory and context for a run. Throws RangeError on unusable input.
   * Only what a run could have changed is rewritten: the entry stack frame is zeroed (or
   * poisoned) again only when the code can write memory or the wanted image differs; the
   * packet region is cleared only where the last packet was and this one is not.
   */
  setup(input: RunInput): void {
    const RL = this.RL, RH = this.RH, u8 = this.u8;
    // r0-r10 (the slots after them are never read); unrolled: a loop costs ~2.5x as much here
    RL[0] = RH[0] = 0; RL[2] = RH[2] = 0; RL[3] = RH[3] = 0; RL[4] = RH[4] = 0; RL[5] = RH[5] = 0;
    RL[6] = RH[6] = 0; RL[7] = RH[7] = 0; RL[8] = RH[8] = 0; RL[9] = RH[9] = 0;
    RL[10] = STACK_SIZE;
    RH[10] = TAG;
    RL[1] = 0;
    RH[1] = TAG + REGION_CTX;
    const seed = input.poison ?? 0;
    if (seed !== 0 || !this.stackKnown || this.stackSeed !== 0) this.setupFrame(seed);
    else this.poisonSeed = 0;
    // a zeroed frame stays good for programs that read only what they wrote (their promise)
    this.stackKnown = !this.writes || (seed === 0 && this.stackReadsInit);
    this.stackSeed = seed;
    if (this.ctxKind === 'xdp' && input.mem === undefined && input.xdp === undefined && this.xdpDefault) {
      this.setupXdpPacket(input.packet ?? EMPTY);
      this.resetRun(input);
      return;
    }
    const pb = this.rBase[REGION_PKT];
    const ctxBase = this.rBase[REGION_CTX];
    const pkt = input.packet ?? input.mem ?? EMPTY;
    this.clearPacket(input.mem ? 0 : this.ctxKind === 'xdp' ? XDP_HEADROOM : this.ctxKind === 'skb' ? SKB_HEADROOM : 0, input.mem || this.ctxKind !== 'raw' ? pkt.length : 0);
    if (input.mem) {
      if (pkt.length > this.pktCap) throw new RangeError(`mem of ${pkt.length} bytes exceeds ${this.pktCap}`);
      u8.set(pkt, pb);
      this.pktFrame = 0;
      this.setPacket(0, 0, pkt.length);
      RL[1] = 0;
      RH[1] = TAG + REGION_PKT;
      RL[2] = pkt.length;
      this.rHi[REGION_CTX] = 0;
    } else if (this.ctxKind === 'xdp') {
      const max = XDP_FRAME - XDP_HEADROOM - XDP_TAILROOM;
      if (pkt.length > max) throw new RangeError(`XDP packet of ${pkt.length} bytes exceeds the linear frame (${max})`);
      this.pktFrame = XDP_HEADROOM;
      this.setPacket(XDP_HEADROOM, XDP_HEADROOM, XDP_HEADROOM + pkt.length);
      if (pkt.length !== 0) {
        this.pendingPkt = pkt;
        this.pendingAt = pb + XDP_HEADROOM;
        this.rdFast[REGION_PKT] = this.wrFast[REGION_PKT] = 0;
      }
      // nothing writes xdp_md's memory but fillXdp (ctx stores fault for xdp)
      if (input.xdp || !this.xdpDefault) fillXdp(this.dv, ctxBase, input.xdp ?? {});
      this.xdpDefault = input.xdp === undefined;
      this.rHi[REGION_CTX] = XDP_MD_SIZE;
    } else if (this.ctxKind === 'skb') {
      if (pkt.length > this.pktCap - SKB_HEADROOM - XDP_TAILROOM) throw new RangeError(`packet of ${pkt.length} bytes exceeds maxPacket`);
      u8.set(pkt, pb + SKB_HEADROOM);
      this.pktFrame = SKB_HEADROOM;
      this.setPacket(SKB_HEADROOM, SKB_HEADROOM, SKB_HEADROOM + pkt.length); // whole frame is dirty
      const data = SKB_HEADROOM + (this.l2 ? 0 : ETH_HLEN);
      const end = SKB_HEADROOM + pkt.length;
      this.setPacket(data, data, Math.max(data, end));
      fillSkb(this.dv, ctxBase, pkt, Math.max(0, end - data), input.skb ?? {}, input.skb !== undefined);
      this.rHi[REGION_CTX] = SKB_SIZE;
    } else {
      const ctx = input.ctx ?? EMPTY;
      if (ctx.length > CTX_CAPACITY) throw new RangeError(`ctx of ${ctx.length} bytes exceeds ${CTX_CAPACITY}`);
      u8.set(ctx, ctxBase);
      this.rHi[REGION_CTX] = ctx.length;
      this.setPacket(0, 0, 0);
    }
    this.rdFast[REGION_CTX] = this.ctxKind === 'raw' || input.mem ? 1 : 0;
    this.resetRun(input);
  }

  /**
   * The common XDP case of setup (a packet, default xdp_md fields, which the ctx region already
   * holds): what the general path does for it, with nothing to decide. Half of a trivial run's
   * cost was the general path's calls and branches.
   */
  private setupXdpPacket(pkt: Uint8Array): void {
    const len = pkt.length, end = XDP_HEADROOM + len;
    if (len > XDP_FRAME - XDP_HEADROOM - XDP_TAILROOM) throw new RangeError(`XDP packet of ${len} bytes exceeds the linear frame (${XDP_FRAME - XDP_HEADROOM - XDP_TAILROOM})`);
    // stale bytes outside the new packet: only when the last packets reached beyond it
    if (this.pktDirtyHi > this.pktDirtyLo && (this.pktDirtyLo < XDP_HEADROOM || this.pktDirtyHi > end)) this.clearPacket(XDP_HEADROOM, len);
    this.pktDirtyLo = XDP_HEADROOM; // what clearPacket and setPacket leave: [data, end)
    this.pktDirtyHi = end;
    this.pktFrame = this.pktMeta = this.pktData = XDP_HEADROOM;
    this.pktEnd = end;
    this.rLo[REGION_PKT] = XDP_HEADROOM;
    this.rHi[REGION_PKT] = end;
    const at = this.rBase[REGION_PKT] + XDP_HEADROOM;
    if (len === 0 || this.touches) {
      // code that can reach memory mostly reads the packet: a copy now is cheaper than the
      // slow path on first touch (~10 ns on the parser)
      if (len !== 0) this.u8.set(pkt, at);
      this.pendingPkt = null;
      this.rdFast[REGION_PKT] = this.wrFast[REGION_PKT] = 1;
    } else {
      this.pendingPkt = pkt;
      this.pendingAt = at;
      this.rdFast[REGION_PKT] = this.wrFast[REGION_PKT] = 0;
    }
    this.rHi[REGION_CTX] = XDP_MD_SIZE;
    this.rdFast[REGION_CTX] = 0;
  }

  /** Per-run state other than memory and registers. */
  private resetRun(input: RunInput): void {
    const maps = this.maps;
    if (maps.length !== 0 && !input.keepMaps) for (const m of maps) m.restore();
    if (this.output.length !== 0) this.output.length = 0; // (setting it is a slow builtin call)
    this.clock = input.clock ?? 1_000_000_000n;
    this.rng = (input.seed ?? 0x2545f491) | 0 || 1;
    this.stepLimit = input.stepLimit ?? this.stepLimitDefault;
    this.tailCalls = 0;
    this.redirectTo = -1;
    this.insnCount = 0;
    this.faultMsg = '';
  }

  /** The entry frame and r2..r9 for poison seed `seed` (0: a zeroed frame), and the generator's state. */
  private setupFrame(seed: number): void {
    this.poisonSeed = seed;
    const img = seed ? this.poisonImage(seed) : undefined;
    if (!this.stackKnown || this.stackSeed !== seed) {
      if (img) this.u8.set(img.stack, this.rBase[0]);
      else this.u8.fill(0, this.rBase[0], this.rBase[0] + STACK_SIZE);
    }
    if (img) {
      const RL = this.RL, RH = this.RH;
      for (let r = 2; r <= 9; r++) {
        RL[r] = img.regs[2 * r];
        RH[r] = img.regs[2 * r + 1];
      }
      this.poisonSeed = img.after;
    }
  }

  /**
   * Zero what the last runs left in the packet region, except [at, at + len) where the next
   * packet is about to be copied.
   */
  private clearPacket(at: number, len: number): void {
    const pb = this.rBase[REGION_PKT], lo = this.pktDirtyLo, hi = this.pktDirtyHi;
    if (hi > lo) {
      if (lo < at) this.u8.fill(0, pb + lo, pb + Math.min(hi, at));
      if (hi > at + len) this.u8.fill(0, pb + Math.max(lo, at + len), pb + hi);
    }
    // still dirty until the copy lands (an input refused before it must not leave stale bytes)
    if (len > 0) {
      this.pktDirtyLo = at;
      this.pktDirtyHi = Math.min(at + len, this.pktCap);
    } else {
      this.pktDirtyLo = this.pktCap;
      this.pktDirtyHi = 0;
    }
  }

  /** The packet after the run, as test_run's data_out returns it. */
  packetOut(isMem: boolean, borrow = false): Uint8Array {
    // untouched by the run (bounds unchanged, since helpers materialize first): the input as is
    if (this.pendingPkt !== null && !borrow) return this.pendingPkt.slice();
    this.materializePacket();
    const pb = this.rBase[REGION_PKT];
    if (isMem) return this.u8.slice(pb + this.pktData, pb + this.pktEnd);
    if (this.ctxKind === 'xdp') return borrow ? this.u8.subarray(pb + this.pktMeta, pb + this.pktEnd) : this.u8.slice(pb + this.pktMeta, pb + this.pktEnd);
    if (this.ctxKind === 'skb') {
      const out = this.u8.slice(pb + this.pktFrame, pb + this.pktEnd);
      if (!this.l2) out.fill(0, 0, ETH_HLEN); // test_run zeroes the pushed MAC header
      return out;
    }
    return EMPTY;
  }
}

const EMPTY = new Uint8Array(0);

