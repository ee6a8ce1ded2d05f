// The interpreter's state: register file, arena with its region table, maps, packet bounds,
// outputs. `execute` (vm.ts) runs the loop over it; this file lays memory out and prepares each
// run. The rest lives by concern: slow-memory.ts (address resolution and the loop's slow
// loads/stores), packet.ts (placing the packet and reading it back), poison.ts (garbage for
// what the kernel leaves undefined). The methods delegating to them keep the loop's call shapes.
import type { Program } from '../isa/program.ts';
import { ctxKind, isL2, type CtxKind } from './context.ts';
import { ALL_REGS, CONST_BASE, decodePrograms, encodeJump, encodeStraight, mayWriteMemory, regsTouched, writesMemory, type Decoded } from './decode.ts';
import type { Op } from '../isa/op.ts';
import { CTX_CAPACITY, FIRST_MAP_REGION, MAX_FRAMES, REGION_CTX, REGION_PKT, STACK_SIZE, TAG } from './layout.ts';
import { BpfMap } from './maps.ts';
import * as packet from './packet.ts';
import { EMPTY, SKB_HEADROOM, XDP_FRAME, XDP_TAILROOM } from './packet.ts';
import { poisonImage, scramble } from './poison.ts';
import type { OutputRecord, PrepareOptions, RunInput } from './run-input.ts';
import * as slow from './slow-memory.ts';
import { CODES, MAX_PROGRAM_SLOTS, reclaimWith, REGIONS, REGS, type RegWindow } from './regfile.ts';
import { DecodeError } from '../isa/insn.ts';
export type { OutputRecord, PrepareOptions, RunInput } from './run-input.ts';

// setup's numbers as module-private literals, which TurboFan folds into the code (an imported
// binding costs a cell load, a hole check and a number check per use; see vm.ts).
const FRAME_BYTES = 512; // STACK_SIZE
const HI_FRAME0 = -30592; // TAG: r10's high half
const HI_CTX = -30584; // TAG + REGION_CTX: r1's high half
const ALL = 0x7ff; // decode.ts ALL_REGS: r0..r10
if (FRAME_BYTES !== STACK_SIZE || HI_FRAME0 !== TAG || HI_CTX !== TAG + REGION_CTX || ALL !== ALL_REGS) throw new Error('machine.ts: its literal constants differ from layout.ts and decode.ts');

export class Machine {
  dec: Decoded;
  prog: Program;
  readonly ctxKind: CtxKind;
  readonly l2: boolean;
  readonly maps: BpfMap[];
  /** PrepareOptions.standIns. */
  readonly standIns?: Readonly<Record<number, (m: Machine) => number>>;
  /**
   * Register file: lo and hi halves; indices 0..10 are r0..r10, CONST_BASE.. hold immediates.
   * Views of this machine's window of the shared register file (regfile.ts), which the loop
   * indexes directly at rb + index; private arrays when rb is -1.
   */
  RL: Int32Array;
  RH: Int32Array;
  /** The window's base in the shared register file, or -1 (see regfile.ts). */
  rb: number;
  /** The window itself (updated in place when it grows; returned when the machine is collected). */
  readonly win: RegWindow;
  /** The code's window in the shared code area (regfile.ts); m.dec.code is a view of it. cb: its base, or -1. */
  readonly cwin: RegWindow;
  cb: number;
  // Arena and region table.
  readonly buf: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly nreg: number;
  // The region table: views of this machine's window of the shared table (regfile.ts), which the
  // loop indexes at gb + region; private arrays when gb is -1. Replaced by swap views during a
  // run of such a machine (vm.ts executeSwapped), hence not readonly.
  rBase: Int32Array;
  gb: number;
  readonly gwin: RegWindow;
  /** Valid offsets of region i: [rLo[i], rHi[i]). */
  rLo: Int32Array;
  rHi: Int32Array;
  /** 1 when a load / store of region i needs no more than the bounds check. */
  rdFast: Int32Array;
  wrFast: Int32Array;
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
  // What setup need not redo (the fixed cost of a run): what the entry stack frame and the
  // xdp_md fields hold now. Fields without `private` below are read by packet.ts /
  // slow-memory.ts, not by callers.
  /**
   * Registers the code may read or write (decode.ts regsTouched; bit r for r0..r10). The others
   * keep the zeros the last full setup gave them, so the steady setup need not zero them again.
   */
  private zeroRegs = ALL;
  /**
   * The code has a store, an atomic or a call (decode.ts mayWriteMemory): only then can its runs
   * dirty the entry frame, which the steady setup then cleans (the full setup always does).
   */
  private writes = true;
  /**
   * A run of this code copied a deferred packet in (a store, an atomic, a helper call, a load the
   * loop does not serve from the caller's array): the common XDP setup then copies at once,
   * which costs less than the slow path on first touch. False again after reload.
   */
  copyAtSetup = false;
  /**
   * Frame 0 holds the image of seed `stackSeed` (0: zeros) below offset `stackMark`, unless
   * stackKnown is false; [stackMark, STACK_SIZE) is what runs may have written since.
   */
  private stackKnown = false;
  private stackSeed = 0;
  /** The ctx region holds the default xdp_md fields. */
  xdpDefault = false;
  /**
   * The last setup took the common XDP path (no poison, default xdp_md, zeroed frame that no
   * run of this code can dirty) and nothing has moved the packet bounds, changed the code or
   * written the frame from outside since: the next such setup with a packet of the same length
   * need only place the bytes (see packet.refillXdp). Cleared by setPacket, reload and patch.
   */
  steady = false;
  /** PrepareOptions.noUninitStackReads. */
  private readonly stackReadsInit: boolean;
  /**
   * The XDP packet of this run while its copy into the arena is deferred (null: the arena holds
   * the packet). Setup only notes it and turns the packet region's fast paths off, so the first
   * access goes off the fast paths: the loop's byte and half-word loads read the caller's array
   * in place (vm.ts), anything else goes to the slow path, which copies it in (materializePacket)
   * first. The common XDP setup defers until a run of the code has copied (copyAtSetup); the
   * general path always defers. The caller's array is never written.
   */
  pendingPkt: Uint8Array | null = null;
  pendingAt = 0;
  /** State of the poison generator for this run (0: no poisoning; see poison.ts). */
  poisonSeed = 0;

  /**
   * Swap in other instructions that use the same maps (the optimizer's candidates): only the
   * decoding is redone; memory, maps and baselines stay. Tail-call targets are dropped.
   */
  reload(prog: Program): void {
    this.prog = prog;
    this.dec = this.placeCode(decodePrograms([prog], this.maps.length));
    const nc = this.dec.constLo.length;
    if (this.RL.length < CONST_BASE + nc) this.growRegs(CONST_BASE + nc);
    this.RL.set(this.dec.constLo, CONST_BASE);
    this.RH.set(this.dec.constHi, CONST_BASE);
    this.copyAtSetup = false;
    this.zeroRegs = regsTouched(this.dec.code);
    this.writes = mayWriteMemory(this.dec.code);
    this.steady = false;
  }

  /**
   * A caller wrote the entry frame or registers itself (a window run places a saved state): the
   * next setup must zero or poison them all again instead of trusting what the last setup left.
   */
  frameWritten(): void {
    this.stackKnown = false;
    this.steady = false;
  }

  /** Register-file slot reserved for slot pc's immediate when it is patched. */
  private patchConst(pc: number): number {
    const base = CONST_BASE + this.dec.constLo.length;
    if (this.RL.length < base + this.prog.insns.length) this.growRegs(base + this.prog.insns.length);
    return base + pc;
  }

  /** Move the registers to a window of at least `slots` slots, keeping their contents. */
  private growRegs(slots: number): void {
    const next = REGS.alloc(slots);
    const [lo, hi] = REGS.views(next);
    lo.set(this.RL);
    hi.set(this.RH);
    REGS.release(this.win);
    this.win.base = next.base;
    this.win.size = next.size;
    this.RL = lo;
    this.RH = hi;
    this.rb = next.base;
  }

  /** `dec` with its code moved into this machine's code window (grown if needed). */
  private placeCode(dec: Decoded): Decoded {
    const words = dec.code.length;
    if (this.cwin.size < words || (this.cwin.base < 0 && this.cwin.size === 0)) {
      const next = CODES.alloc(words);
      CODES.release(this.cwin);
      this.cwin.base = next.base;
      this.cwin.size = next.size;
      this.cb = next.base;
    }
    const view = this.cwin.base >= 0 ? CODES.arenas[0].subarray(this.cwin.base, this.cwin.base + words) : new Int32Array(words);
    view.set(dec.code);
    return { ...dec, code: view };
  }

  /**
   * Replace the instruction at slot pc of the entry program with a straight-line instruction
   * (ALU, END, load, store), a no-op (null) or a jump (ja, jcond) to a slot of the program,
   * without re-decoding it. Returns false for instructions that need a full decode.
   */
  patch(pc: number, op: Op | null): boolean {
    const constSlot = (lo: number, hi: number): number => {
      const k = this.patchConst(pc);
      this.RL[k] = lo;
      this.RH[k] = hi;
      return k;
    };
    // a jump whose target stays inside the program is patched in place too (a retarget)
    const words = encodeStraight(op, constSlot) ?? (op ? encodeJump(op, pc, this.dec.entries[0], this.prog.insns.length, constSlot) : undefined);
    if (!words) return false;
    this.dec.code.set(words, (this.dec.entries[0] + pc) * 4);
    this.zeroRegs |= regsTouched(words);
    if (writesMemory(words[0] & 0xff)) this.writes = true;
    this.steady = false;
    return true;
  }

  constructor(prog: Program, opts: PrepareOptions = {}) {
    this.prog = prog;
    const targets = opts.tailTargets ?? [];
    // the kernel loads at most BPF_COMPLEXITY_LIMIT_INSNS slots (E2BIG beyond); the shared code
    // and register windows (regfile.ts) are sized for that, with its tail-call targets beside it
    for (const p of [prog, ...targets]) if (p.insns.length > MAX_PROGRAM_SLOTS) throw new DecodeError(`program of ${p.insns.length} instruction slots is larger than the kernel loads (${MAX_PROGRAM_SLOTS}, E2BIG)`, MAX_PROGRAM_SLOTS * 8);
    this.cwin = { base: -1, size: 0 };
    this.cb = -1;
    reclaimWith(this, CODES, this.cwin);
    this.dec = this.placeCode(decodePrograms([prog, ...targets], prog.maps.length));
    this.ctxKind = ctxKind(prog.type);
    this.l2 = isL2(prog.type);
    this.stepLimitDefault = opts.stepLimit ?? 1_000_000;
    this.stackReadsInit = opts.noUninitStackReads ?? false;
    this.standIns = opts.standIns;
    this.maps = prog.maps.map((d, i) => new BpfMap(d, i));
    const nc = this.dec.constLo.length;
    this.win = REGS.alloc(CONST_BASE + nc);
    reclaimWith(this, REGS, this.win);
    [this.RL, this.RH] = REGS.views(this.win);
    this.rb = this.win.base;
    this.RL.set(this.dec.constLo, CONST_BASE);
    this.RH.set(this.dec.constHi, CONST_BASE);
    this.zeroRegs = regsTouched(this.dec.code);
    this.writes = mayWriteMemory(this.dec.code);

    const maxPacket = opts.maxPacket ?? 4096;
    this.pktCap = this.ctxKind === 'xdp' ? XDP_FRAME : SKB_HEADROOM + maxPacket + XDP_TAILROOM;
    // Layout: user scratch | stack frames | ctx | packet | map slabs (8-byte aligned).
    const scratch = Math.max(64, ...this.maps.map((m) => m.def.keySize + m.def.valueSize));
    const align = (n: number): number => (n + 7) & ~7;
    this.nreg = FIRST_MAP_REGION + this.maps.length;
    const sizes: number[] = [];
    for (let i = 0; i < MAX_FRAMES; i++) sizes.push(STACK_SIZE);
    sizes.push(CTX_CAPACITY, this.pktCap, ...this.maps.map((m) => m.slabSize));
    this.gwin = REGIONS.alloc(this.nreg);
    reclaimWith(this, REGIONS, this.gwin);
    this.gb = this.gwin.base;
    [this.rBase, this.rLo, this.rHi, this.rdFast, this.wrFast] = REGIONS.views(this.gwin, this.nreg);
    let at = align(scratch);
    sizes.forEach((s, i) => {
      this.rBase[i] = at;
      at = align(at + s);
    });
    this.buf = new ArrayBuffer(at);
    this.u8 = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf);
    this.writable = new Uint8Array(this.nreg);
    this.rStride = new Int32Array(this.nreg);
    this.rVsize = new Int32Array(this.nreg);
    for (let i = 0; i < MAX_FRAMES; i++) {
      this.rHi[i] = STACK_SIZE;
      this.rdFast[i] = this.wrFast[i] = this.writable[i] = 1;
    }
    // frames start whole (the arena is zeros): nothing to clear at a callee's first call
    for (let i = 0; i < MAX_FRAMES; i++) this.rLo[i] = STACK_SIZE;
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
   * Prepare registers, memory and context for a run. Throws RangeError on unusable input.
   * Only what a run could have changed is rewritten: the entry stack frame is zeroed (or
   * poisoned) again only when the code can write memory or the wanted image differs; the
   * packet region is cleared only where the last packet was and this one is not.
   */
  setup(input: RunInput): void {
    const RL = this.RL, RH = this.RH;
    // r1 and r10; then r0, r2-r9 (the slots after r10 are never read), unrolled: a loop costs
    // ~2.5x as much here
    RL[10] = FRAME_BYTES;
    RH[10] = HI_FRAME0;
    RL[1] = 0;
    RH[1] = HI_CTX;
    // the common case again (same packet length): only the packet bytes change
    if (this.steady && input.poison === undefined && input.mem === undefined && input.xdp === undefined) {
      const pkt = input.packet ?? EMPTY;
      if (packet.refillXdp(this, pkt)) {
        // only what runs of this code can have changed (the last full setup zeroed the rest)
        const z = this.zeroRegs;
        if (z === ALL) this.zeroRegisters();
        else {
          RL[0] = RH[0] = 0;
          if ((z & 0x3fc) !== 0) {
            if ((z & 4) !== 0) RL[2] = RH[2] = 0;
            if ((z & 8) !== 0) RL[3] = RH[3] = 0;
            if ((z & 16) !== 0) RL[4] = RH[4] = 0;
            if ((z & 32) !== 0) RL[5] = RH[5] = 0;
            if ((z & 64) !== 0) RL[6] = RH[6] = 0;
            if ((z & 128) !== 0) RL[7] = RH[7] = 0;
            if ((z & 256) !== 0) RL[8] = RH[8] = 0;
            if ((z & 512) !== 0) RL[9] = RH[9] = 0;
          }
        }
        if (this.writes && !this.stackReadsInit) this.cleanFrame();
        this.resetRun(input);
        return;
      }
    }
    this.zeroRegisters();
    this.steady = false;
    const seed = input.poison ?? 0;
    if (seed !== 0 || !this.stackKnown || this.stackSeed !== 0) this.setupFrame(seed);
    else {
      this.poisonSeed = 0;
      // a dirty frame stays good for programs that read only what they wrote (their promise)
      if (!this.stackReadsInit) this.cleanFrame();
    }
    this.stackKnown = true;
    this.stackSeed = seed;
    if (this.ctxKind === 'xdp' && input.mem === undefined && input.xdp === undefined && this.xdpDefault) {
      packet.placeXdpPacket(this, input.packet ?? EMPTY);
      this.resetRun(input);
      // a zeroed frame (but for what cleanFrame restores), and bounds placeXdpPacket set
      this.steady = seed === 0;
      return;
    }
    packet.placeInput(this, input);
    this.resetRun(input);
  }

  /** r0 and r2-r9 to zero. */
  private zeroRegisters(): void {
    const RL = this.RL, RH = this.RH;
    RL[0] = RH[0] = 0; RL[2] = RH[2] = 0; RL[3] = RH[3] = 0; RL[4] = RH[4] = 0; RL[5] = RH[5] = 0;
    RL[6] = RH[6] = 0; RL[7] = RH[7] = 0; RL[8] = RH[8] = 0; RL[9] = RH[9] = 0;
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

  /**
   * The entry frame's dirty high-water mark (a multiple of 8), kept as its region lower bound
   * rLo[0] like a callee frame's (cleanCallee): a load or store below it leaves the loop's fast
   * paths; the slow path (slow-memory.ts resolve) checks the frame's true bounds and, for a
   * write, lowers the mark. Setup then restores only [stackMark, STACK_SIZE): a program that
   * writes 8 bytes of stack costs 8, not 512.
   */
  get stackMark(): number {
    return this.rLo[0];
  }

  /** Zero what runs wrote of the entry frame since it was last whole: [stackMark, STACK_SIZE). */
  private cleanFrame(): void {
    const mark = this.rLo[0];
    if (mark >= FRAME_BYTES) return;
    this.zeroFrameFrom(0, mark);
  }

  /** Zero [mark, STACK_SIZE) of stack frame f. */
  private zeroFrameFrom(f: number, mark: number): void {
    const end = this.rBase[f] + FRAME_BYTES;
    // up to 64 bytes by words: TypedArray.fill is a builtin call of ~20 ns whatever the length
    // (measured alone: 8 bytes 4 ns by words against 18 by fill, 64 bytes 11 against 19, 128
    // bytes 27 against 20)
    if (mark >= FRAME_BYTES - 64) {
      const dv = this.dv;
      for (let k = end - FRAME_BYTES + mark; k < end; k += 8) {
        dv.setInt32(k, 0);
        dv.setInt32(k + 4, 0);
      }
    } else this.u8.fill(0, end - FRAME_BYTES + mark, end);
  }

  /**
   * Zero what earlier calls wrote of callee frame `f` (1..MAX_FRAMES-1) before a call opens it.
   * As for the entry frame, the frame's region lower bound rLo[f] is its dirty high-water mark:
   * below it the frame holds zeros, a write below it goes to the slow path, which lowers it
   * (slow-memory.ts resolve), and [rLo[f], STACK_SIZE) is what may need clearing. The mark is
   * kept across calls and runs, so a callee that writes 16 bytes of stack clears 16 per call.
   */
  cleanCallee(f: number): void {
    this.zeroFrameFrom(f, this.rLo[f]);
  }

  /** The entry frame and r2..r9 for poison seed `seed` (0: a zeroed frame), and the generator's state. */
  private setupFrame(seed: number): void {
    this.poisonSeed = seed;
    const img = seed ? poisonImage(seed) : undefined;
    const b = this.rBase[0];
    if (!this.stackKnown || this.stackSeed !== seed) {
      if (img) this.u8.set(img.stack, b);
      else this.u8.fill(0, b, b + STACK_SIZE);
      // the whole frame is the image again: the next write below the top is noted afresh
      this.rLo[0] = STACK_SIZE;
    } else if (img) {
      const mark = this.rLo[0];
      if (mark < STACK_SIZE) this.u8.set(img.stack.subarray(mark), b + mark);
    } else this.cleanFrame();
    if (img) {
      const RL = this.RL, RH = this.RH;
      for (let r = 2; r <= 9; r++) {
        RL[r] = img.regs[2 * r];
        RH[r] = img.regs[2 * r + 1];
      }
      this.poisonSeed = img.after;
    }
  }

  // The loop's slow paths and the packet, delegating (V8 inlines these one-line methods).
  /** Slow-path address resolution (see slow-memory.ts): arena index of [a, a+size) at region hi `h`, or -fault. */
  resolve(h: number, a: number, size: number, write: boolean): number {
    return slow.resolve(this, h, a, size, write);
  }

  carry(h: number, a: number): { h: number; a: number } {
    return slow.carry(this, h, a);
  }

  regionName(id: number): string {
    return slow.regionName(this, id);
  }

  /** Slow-path load into register d, zero- or sign-extended. Returns a fault code. */
  loadSlow(h: number, a: number, size: number, signed: boolean, d: number): number {
    return slow.loadSlow(this, h, a, size, signed, d);
  }

  /** Slow-path store of register/constant slot s. Returns a fault code. */
  storeSlow(h: number, a: number, size: number, s: number): number {
    return slow.storeSlow(this, h, a, size, s);
  }

  /** r1..r5 after a helper call, in poison mode: garbage. */
  scramble(): void {
    scramble(this);
  }

  /**
   * Copy a deferred packet into the arena (see pendingPkt); anything touching the packet region
   * off the fast paths calls this first. From then on setup copies at once (copyAtSetup).
   */
  materializePacket(): void {
    if (this.pendingPkt !== null) {
      packet.materializePacket(this);
      this.copyAtSetup = true;
    }
  }

  /** Set the packet bounds (region offsets) and the region's valid range [meta, end). */
  setPacket(meta: number, data: number, end: number): void {
    packet.setPacket(this, meta, data, end);
  }

  /** The packet after the run, as test_run's data_out returns it. */
  packetOut(isMem: boolean, borrow = false): Uint8Array {
    return packet.packetOut(this, isMem, borrow);
  }
}
