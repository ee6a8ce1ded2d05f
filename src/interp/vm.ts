// The interpreter loop.
//
// Register representation: each 64-bit register is two int32 halves, RL[r] (low) and RH[r]
// (high), in Int32Arrays. On the bench loop (bench/interp.ts; 2 shared cores, so noisy) this
// runs at ~150-250 M insns/s against ~55-120 M for the same loop on BigInt64Array registers:
// V8 lowers some BigInt64 ops to machine words, but not all, and every escaping BigInt
// allocates. (hi, lo) int32 pairs stay small integers in TurboFan: add/sub/logic/shift are a
// few instructions, mul is Math.imul plus a 16-bit-limb high product, and only 64-bit division
// with operands wider than 32 bits falls back to BigInt.
// Immediates live in constant slots of the same register file, so K and X forms share a case.
// Case labels are numeric literals (named in comments; they are decode.ts's O values, checked
// by a test) because V8 compiles a switch on literal small integers to a jump table, while
// `case O.ADD64:` becomes a chain of comparisons.
// The ALU, END and jump-condition cases are a specialisation of the one definition in
// src/bv/alu.ts for these halves, checked against it op by op (test/interp/alu.test.ts).
import { atomicRmw, bswap16, bswap32, mulhiu, OUT, sdiv64, smod64, udiv64, umod64 } from './arith.ts';
import { ldAbs, tailCall, HELPERS } from './helpers.ts';
import * as layout from './layout.ts';
import type { Machine } from './machine.ts';
import * as shared from './regfile.ts';

// Module-level constants of this module (an imported binding is read through a cell that
// TurboFan does not fold): the loop's register accesses then compile to a bounds compare and a
// load from a fixed address (see regfile.ts).
const REG_LO = shared.REG_LO;
const REG_HI = shared.REG_HI;
const CODE = shared.CODE;
const RG_BASE = shared.RG_BASE;
const RG_LO = shared.RG_LO;
const RG_HI = shared.RG_HI;
const RG_RD = shared.RG_RD;
const RG_WR = shared.RG_WR;

// The same for numbers: an imported binding, or a const this module exports, is read through a
// module cell with a hole check and a number check on every use (the LDX cases' TAG, the
// prologue's BPF_MAX_LOOPS and F_OK), while a module-private const with a literal initializer
// folds into the code as an immediate. These are layout.ts's values (checked at load, below).
const TAG = -30592;
const MAX_FRAMES = 8, STACK_SIZE = 512, REGION_CTX = 8, REGION_PKT = 9;
const F_OK = 0, F_STEP = 6, F_HELPER = 7, F_DEPTH = 8, F_INVALID = 9, F_JUMP = 10, F_FALLOFF = 11, F_EXIT_FN = 100;
const MAX_LOOPS = 8388608; // 8 * 1024 * 1024
if (
  TAG !== layout.TAG || MAX_FRAMES !== layout.MAX_FRAMES || STACK_SIZE !== layout.STACK_SIZE || REGION_CTX !== layout.REGION_CTX
  || REGION_PKT !== layout.REGION_PKT || F_OK !== layout.F_OK || F_STEP !== layout.F_STEP || F_HELPER !== layout.F_HELPER
  || F_DEPTH !== layout.F_DEPTH || F_INVALID !== layout.F_INVALID || F_JUMP !== layout.F_JUMP || F_FALLOFF !== layout.F_FALLOFF
  || F_EXIT_FN !== layout.F_EXIT_FN
) throw new Error('vm.ts: its literal constants differ from layout.ts');

/** BPF_MAX_LOOPS: the may_goto budget each frame starts with (the non-timed rewrite). */
export const BPF_MAX_LOOPS = MAX_LOOPS;

/**
 * Run from global slot `entry` until the outermost exit or a fault. Returns F_OK or a fault
 * code; sets m.insnCount, m.faultPc (global slot of the faulting instruction) and m.depth.
 * `n0` and `depth0` resume a run part-way (the stepper in trace.ts): instructions already
 * counted and the call depth whose frames are in m.frames.
 */
export function execute(m: Machine, entry: number, n0 = 0, depth0 = 0): number {
  // registers in the shared file (regfile.ts): this machine's start at rb
  // and its code in the shared code area, from word cb
  const rb = m.rb, cb = m.cb, gb = m.gb;
  if ((rb | cb | gb) < 0) return executeSwapped(m, entry, n0, depth0);
  const RL = REG_LO, RH = REG_HI, D = CODE, dv = m.dv, u8 = m.u8;
  const nreg = m.nreg, rBase = RG_BASE, rLo = RG_LO, rHi = RG_HI, rdFast = RG_RD, wrFast = RG_WR;
  const limit = m.stepLimit;
  const xdpCtx = m.ctxKind === 'xdp';
  // Instructions are counted per straight-line stretch, not one by one: n holds the count up
  // to slot bs, where the current stretch began; every non-sequential move of pc adds pc - bs.
  let pc = entry, n = n0, depth = depth0, fault = F_OK, bs = entry;
  const loops = m.loops;
  if (n0 === 0) loops[0] = MAX_LOOPS;
  loop: for (;;) {
    const i = cb + (pc << 2);
    const w = D[i];
    const d = rb + (w >>> 8), s = rb + D[i + 1];
    pc++;
    // Control leaves the switch in one of three ways: `break` goes on with the next slot;
    // `break taken` transfers to the slot's target (D[i + 2]); `break moved` means pc is already
    // set (tail calls). Both transfers then check the step limit, in one place.
    moved: {
    taken: {
    switch (w & 0xff) {
      // ---- ALU64 ----
      case 1 /* ADD64 */: {
        const al = RL[d], lo = (al + RL[s]) | 0;
        RH[d] = (RH[d] + RH[s] + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
        RL[d] = lo;
        break;
      }
      case 2 /* SUB64 */: {
        const al = RL[d], bl = RL[s];
        RH[d] = (RH[d] - RH[s] - ((al >>> 0) < (bl >>> 0) ? 1 : 0)) | 0;
        RL[d] = (al - bl) | 0;
        break;
      }
      case 3 /* MUL64 */: {
        const al = RL[d], bl = RL[s];
        RH[d] = (mulhiu(al, bl) + Math.imul(al, RH[s]) + Math.imul(RH[d], bl)) | 0;
        RL[d] = Math.imul(al, bl);
        break;
      }
      case 4 /* DIV64 */: {
        const bh = RH[s], bl = RL[s];
        if ((bh | bl) === 0) RL[d] = RH[d] = 0;
        else { udiv64(RH[d], RL[d], bh, bl); RL[d] = OUT[0]; RH[d] = OUT[1]; }
        break;
      }
      case 5 /* SDIV64 */: {
        const bh = RH[s], bl = RL[s];
        if ((bh | bl) === 0) RL[d] = RH[d] = 0;
        else if ((bh & bl) === -1) { const al = RL[d]; RL[d] = -al | 0; RH[d] = (~RH[d] + (al === 0 ? 1 : 0)) | 0; }
        else { sdiv64(RH[d], RL[d], bh, bl); RL[d] = OUT[0]; RH[d] = OUT[1]; }
        break;
      }
      case 11 /* MOD64 */: {
        const bh = RH[s], bl = RL[s];
        if ((bh | bl) !== 0) { umod64(RH[d], RL[d], bh, bl); RL[d] = OUT[0]; RH[d] = OUT[1]; }
        break;
      }
      case 12 /* SMOD64 */: {
        const bh = RH[s], bl = RL[s];
        if ((bh & bl) === -1) RL[d] = RH[d] = 0;
        else if ((bh | bl) !== 0) { smod64(RH[d], RL[d], bh, bl); RL[d] = OUT[0]; RH[d] = OUT[1]; }
        break;
      }
      case 6 /* OR64 */: RL[d] |= RL[s]; RH[d] |= RH[s]; break;
      case 7 /* AND64 */: RL[d] &= RL[s]; RH[d] &= RH[s]; break;
      case 13 /* XOR64 */: RL[d] ^= RL[s]; RH[d] ^= RH[s]; break;
      case 8 /* LSH64 */: {
        const k = RL[s] & 63;
        if (k >= 32) { RH[d] = RL[d] << (k - 32); RL[d] = 0; }
        else if (k !== 0) { RH[d] = (RH[d] << k) | (RL[d] >>> (32 - k)); RL[d] <<= k; }
        break;
      }
      case 9 /* RSH64 */: {
        const k = RL[s] & 63;
        if (k >= 32) { RL[d] = RH[d] >>> (k - 32); RH[d] = 0; }
        else if (k !== 0) { RL[d] = (RL[d] >>> k) | (RH[d] << (32 - k)); RH[d] = RH[d] >>> k; }
        break;
      }
      case 15 /* ARSH64 */: {
        const k = RL[s] & 63;
        if (k >= 32) { RL[d] = RH[d] >> (k - 32); RH[d] >>= 31; }
        else if (k !== 0) { RL[d] = (RL[d] >>> k) | (RH[d] << (32 - k)); RH[d] >>= k; }
        break;
      }
      case 10 /* NEG64 */: { const al = RL[d]; RL[d] = -al | 0; RH[d] = (~RH[d] + (al === 0 ? 1 : 0)) | 0; break; }
      case 14 /* MOV64 */: RL[d] = RL[s]; RH[d] = RH[s]; break;
      case 16 /* MOVSX64_8 */: { const v = (RL[s] << 24) >> 24; RL[d] = v; RH[d] = v >> 31; break; }
      case 17 /* MOVSX64_16 */: { const v = (RL[s] << 16) >> 16; RL[d] = v; RH[d] = v >> 31; break; }
      case 18 /* MOVSX64_32 */: { const v = RL[s]; RL[d] = v; RH[d] = v >> 31; break; }
      // ---- ALU32: results zero-extended ----
      case 21 /* ADD32 */: RL[d] = (RL[d] + RL[s]) | 0; RH[d] = 0; break;
      case 22 /* SUB32 */: RL[d] = (RL[d] - RL[s]) | 0; RH[d] = 0; break;
      case 23 /* MUL32 */: RL[d] = Math.imul(RL[d], RL[s]); RH[d] = 0; break;
      case 24 /* DIV32 */: { const b = RL[s] >>> 0; RL[d] = b === 0 ? 0 : ((RL[d] >>> 0) / b) | 0; RH[d] = 0; break; }
      case 25 /* SDIV32 */: { const b = RL[s]; RL[d] = b === 0 ? 0 : b === -1 ? -RL[d] | 0 : (RL[d] / b) | 0; RH[d] = 0; break; }
      case 31 /* MOD32 */: { const b = RL[s] >>> 0; if (b !== 0) RL[d] = ((RL[d] >>> 0) % b) | 0; RH[d] = 0; break; }
      case 32 /* SMOD32 */: { const b = RL[s]; if (b === -1) RL[d] = 0; else if (b !== 0) RL[d] = (RL[d] % b) | 0; RH[d] = 0; break; }
      case 26 /* OR32 */: RL[d] |= RL[s]; RH[d] = 0; break;
      case 27 /* AND32 */: RL[d] &= RL[s]; RH[d] = 0; break;
      case 33 /* XOR32 */: RL[d] ^= RL[s]; RH[d] = 0; break;
      case 28 /* LSH32 */: RL[d] <<= RL[s] & 31; RH[d] = 0; break;
      case 29 /* RSH32 */: RL[d] = RL[d] >>> (RL[s] & 31); RH[d] = 0; break;
      case 35 /* ARSH32 */: RL[d] >>= RL[s] & 31; RH[d] = 0; break;
      case 30 /* NEG32 */: RL[d] = -RL[d] | 0; RH[d] = 0; break;
      case 34 /* MOV32 */: RL[d] = RL[s]; RH[d] = 0; break;
      case 36 /* MOVSX32_8 */: RL[d] = (RL[s] << 24) >> 24; RH[d] = 0; break;
      case 37 /* MOVSX32_16 */: RL[d] = (RL[s] << 16) >> 16; RH[d] = 0; break;
      // ---- byte order (x86 is little-endian: to-le truncates, to-be and bswap swap) ----
      case 40 /* LE16 */: RL[d] &= 0xffff; RH[d] = 0; break;
      case 41 /* LE32 */: RH[d] = 0; break;
      case 42 /* NOP */: break;
      case 43 /* SWAP16 */: RL[d] = bswap16(RL[d]); RH[d] = 0; break;
      case 44 /* SWAP32 */: RL[d] = bswap32(RL[d]); RH[d] = 0; break;
      case 45 /* SWAP64 */: { const lo = RL[d]; RL[d] = bswap32(RH[d]); RH[d] = bswap32(lo); break; }
      // ---- jumps ----
      case 50 /* JA */: break taken;
      // do_misc_fixups' rewrite: taken once this frame's budget is spent, else one is used up
      case 94 /* MAYGOTO */:
        if (loops[depth] === 0) break taken;
        loops[depth]--;
        break;
      case 51 /* JEQ */: if (RL[d] === RL[s] && RH[d] === RH[s]) break taken; break;
      case 55 /* JNE */: if (RL[d] !== RL[s] || RH[d] !== RH[s]) break taken; break;
      case 54 /* JSET */: if ((RL[d] & RL[s]) !== 0 || (RH[d] & RH[s]) !== 0) break taken; break;
      case 52 /* JGT */: {
        const ah = RH[d] >>> 0, bh = RH[s] >>> 0;
        if (ah > bh || (ah === bh && (RL[d] >>> 0) > (RL[s] >>> 0))) break taken;
        break;
      }
      case 53 /* JGE */: {
        const ah = RH[d] >>> 0, bh = RH[s] >>> 0;
        if (ah > bh || (ah === bh && (RL[d] >>> 0) >= (RL[s] >>> 0))) break taken;
        break;
      }
      case 58 /* JLT */: {
        const ah = RH[d] >>> 0, bh = RH[s] >>> 0;
        if (ah < bh || (ah === bh && (RL[d] >>> 0) < (RL[s] >>> 0))) break taken;
        break;
      }
      case 59 /* JLE */: {
        const ah = RH[d] >>> 0, bh = RH[s] >>> 0;
        if (ah < bh || (ah === bh && (RL[d] >>> 0) <= (RL[s] >>> 0))) break taken;
        break;
      }
      case 56 /* JSGT */: {
        const ah = RH[d], bh = RH[s];
        if (ah > bh || (ah === bh && (RL[d] >>> 0) > (RL[s] >>> 0))) break taken;
        break;
      }
      case 57 /* JSGE */: {
        const ah = RH[d], bh = RH[s];
        if (ah > bh || (ah === bh && (RL[d] >>> 0) >= (RL[s] >>> 0))) break taken;
        break;
      }
      case 60 /* JSLT */: {
        const ah = RH[d], bh = RH[s];
        if (ah < bh || (ah === bh && (RL[d] >>> 0) < (RL[s] >>> 0))) break taken;
        break;
      }
      case 61 /* JSLE */: {
        const ah = RH[d], bh = RH[s];
        if (ah < bh || (ah === bh && (RL[d] >>> 0) <= (RL[s] >>> 0))) break taken;
        break;
      }
      case 71 /* JEQ32 */: if (RL[d] === RL[s]) break taken; break;
      case 75 /* JNE32 */: if (RL[d] !== RL[s]) break taken; break;
      case 74 /* JSET32 */: if ((RL[d] & RL[s]) !== 0) break taken; break;
      case 72 /* JGT32 */: if ((RL[d] >>> 0) > (RL[s] >>> 0)) break taken; break;
      case 73 /* JGE32 */: if ((RL[d] >>> 0) >= (RL[s] >>> 0)) break taken; break;
      case 78 /* JLT32 */: if ((RL[d] >>> 0) < (RL[s] >>> 0)) break taken; break;
      case 79 /* JLE32 */: if ((RL[d] >>> 0) <= (RL[s] >>> 0)) break taken; break;
      case 76 /* JSGT32 */: if (RL[d] > RL[s]) break taken; break;
      case 77 /* JSGE32 */: if (RL[d] >= RL[s]) break taken; break;
      case 80 /* JSLT32 */: if (RL[d] < RL[s]) break taken; break;
      case 81 /* JSLE32 */: if (RL[d] <= RL[s]) break taken; break;
      // ---- calls ----
      case 93 /* CALLX: the helper id in register d */:
      case 90 /* CALL */: {
        const id = (w & 0xff) === 93 ? (RH[d] === 0 ? RL[d] : -1) : D[i + 3];
        m.materializePacket(); // helpers address the packet in the arena directly
        if (id === 12) {
          const t = tailCall(m);
          if (t >= 0) { n += pc - bs; pc = t; break moved; }
          if (t !== -1) { fault = -t - 1000; break loop; }
          break;
        }
        const h = (id >= 0 && id < HELPERS.length ? HELPERS[id] : undefined) ?? m.standIns?.[id];
        if (h === undefined) { fault = F_HELPER; m.faultMsg = `unknown helper ${id}`; break loop; }
        const f = h(m);
        if (f !== F_OK) { fault = f; break loop; }
        // r1-r5 are undefined after a call (the JIT's callee clobbers them); in poison mode
        // make that visible so that a program relying on them behaves differently
        if (m.poisonSeed !== 0) m.scramble();
        break;
      }
      case 91 /* CALL_LOCAL */:
        if (depth + 1 >= MAX_FRAMES) { fault = F_DEPTH; m.faultMsg = `call depth exceeds ${MAX_FRAMES} frames`; break loop; }
        pushFrame(m, depth++, pc);
        break taken;
      case 92 /* EXIT */:
        if (depth === 0) break loop;
        n += pc - bs;
        pc = bs = popFrame(m, --depth);
        break;
      // ---- loads and stores ----
      case 100 /* LDDW */: RL[d] = D[i + 2]; RH[d] = D[i + 3]; pc++; bs++; break; // skips its second slot (one instruction)
      case 101 /* LDABS */: case 102 /* LDIND */: {
        const off = (w & 0xff) === 101 /* LDABS */ ? D[i + 3] : (RL[s] + D[i + 3]) | 0;
        const f = ldAbs(m, off, D[i + 2]);
        if (f === F_EXIT_FN) { // out of bounds: r0 = 0 and return from this function
          RL[rb] = RH[rb] = 0;
          if (depth === 0) break loop;
          n += pc - bs;
          pc = bs = popFrame(m, --depth);
        } else if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      // One case per width (no size computation or second switch on the hot path); the fast
      // path needs the region readable (writable) without more than a bounds check.
      case 110 /* LDXB */: {
        const h = RH[s], a = (RL[s] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && rdFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 1 <= rHi[gb + id]) { RL[d] = u8[rBase[gb + id] + a]; RH[d] = 0; break; }
        // a deferred packet (Machine.pendingPkt): read in the caller's array, whose byte 0 is at the region's lower bound
        if (id === REGION_PKT) {
          const p = m.pendingPkt;
          if (p !== null && a >= rLo[gb + id] && a + 1 <= rHi[gb + id]) { RL[d] = p[a - rLo[gb + id]]; RH[d] = 0; break; }
        }
        const f = m.loadSlow(h, a, 1, false, d - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 111 /* LDXH */: {
        const h = RH[s], a = (RL[s] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && rdFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 2 <= rHi[gb + id]) { RL[d] = dv.getUint16(rBase[gb + id] + a, true); RH[d] = 0; break; }
        if (id === REGION_PKT) {
          const p = m.pendingPkt;
          if (p !== null && a >= rLo[gb + id] && a + 2 <= rHi[gb + id]) { const k = a - rLo[gb + id]; RL[d] = p[k] | (p[k + 1] << 8); RH[d] = 0; break; }
        }
        const f = m.loadSlow(h, a, 2, false, d - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 112 /* LDXW */: {
        const h = RH[s], a = (RL[s] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && rdFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 4 <= rHi[gb + id]) { RL[d] = dv.getInt32(rBase[gb + id] + a, true); RH[d] = 0; break; }
        // xdp_md's data, data_end and data_meta: the loads every XDP program starts with
        // (what ctxLoad gives them, without the slow path's call)
        if (id === REGION_CTX && xdpCtx && a <= 8 && (a & 3) === 0 && a + 4 <= rHi[gb + id]) {
          RL[d] = a === 0 ? m.pktData : a === 4 ? m.pktEnd : m.pktMeta;
          RH[d] = TAG + REGION_PKT;
          break;
        }
        const f = m.loadSlow(h, a, 4, false, d - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 113 /* LDXDW */: {
        const h = RH[s], a = (RL[s] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && rdFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 8 <= rHi[gb + id]) {
          const at = rBase[gb + id] + a;
          RL[d] = dv.getInt32(at, true);
          RH[d] = dv.getInt32(at + 4, true);
          break;
        }
        const f = m.loadSlow(h, a, 8, false, d - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 114 /* LDXSB */: case 115 /* LDXSH */: case 116 /* LDXSW */: {
        const op = w & 0xff, size = op === 114 /* LDXSB */ ? 1 : op === 115 /* LDXSH */ ? 2 : 4;
        const h = RH[s], a = (RL[s] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && rdFast[gb + id] !== 0 && a >= rLo[gb + id] && a + size <= rHi[gb + id]) {
          const at = rBase[gb + id] + a;
          const v = size === 1 ? dv.getInt8(at) : size === 2 ? dv.getInt16(at, true) : dv.getInt32(at, true);
          RL[d] = v;
          RH[d] = v >> 31;
          break;
        }
        const f = m.loadSlow(h, a, size, true, d - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 120 /* STB */: {
        const h = RH[d], a = (RL[d] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && wrFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 1 <= rHi[gb + id]) { u8[rBase[gb + id] + a] = RL[s]; break; }
        const f = m.storeSlow(h, a, 1, s - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 121 /* STH */: {
        const h = RH[d], a = (RL[d] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && wrFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 2 <= rHi[gb + id]) { dv.setUint16(rBase[gb + id] + a, RL[s] & 0xffff, true); break; }
        const f = m.storeSlow(h, a, 2, s - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 122 /* STW */: {
        const h = RH[d], a = (RL[d] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && wrFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 4 <= rHi[gb + id]) { dv.setInt32(rBase[gb + id] + a, RL[s], true); break; }
        const f = m.storeSlow(h, a, 4, s - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 123 /* STDW */: {
        const h = RH[d], a = (RL[d] >>> 0) + D[i + 2], id = (h - TAG) >>> 0;
        if (id < nreg && wrFast[gb + id] !== 0 && a >= rLo[gb + id] && a + 8 <= rHi[gb + id]) {
          const at = rBase[gb + id] + a;
          dv.setInt32(at, RL[s], true);
          dv.setInt32(at + 4, RH[s], true);
          break;
        }
        const f = m.storeSlow(h, a, 8, s - rb);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 130 /* ATOMIC */: {
        const f = atomic(m, d - rb, s - rb, D[i + 2], D[i + 3]);
        if (f !== F_OK) { fault = f; break loop; }
        break;
      }
      case 141 /* FELL_OFF */: fault = F_FALLOFF; m.faultMsg = 'execution fell off the end of the program'; break loop;
      case 140 /* BAD_JUMP */: fault = F_JUMP; m.faultMsg = 'jump out of range'; break loop;
      default:
        fault = F_INVALID;
        m.faultMsg = m.dec.invalid.get(pc - 1) ?? `invalid instruction`;
        break loop;
    }
    continue;
    } // taken
    n += pc - bs;
    pc = D[i + 2];
    } // moved
    bs = pc;
    // the step limit: checked on every taken jump, call and tail call (straight-line code is
    // bounded by the program's length, so a run overshoots it by at most that)
    if (n > limit) { fault = F_STEP; break; }
  }
  n += pc - bs; // the last stretch, up to and including the instruction that stopped the loop
  m.insnCount = n;
  m.faultPc = pc - 1;
  m.depth = depth;
  return fault;
}

/**
 * execute() for a machine whose registers, code or region table live in private arrays (the
 * shared area had no room): they are copied into the swap windows for the run (registers and
 * region table back after it).
 */
function executeSwapped(m: Machine, entry: number, n0: number, depth0: number): number {
  const RL = m.RL, RH = m.RH, size = m.win.size, ownRegs = m.rb < 0, ownCode = m.cb < 0, ownRegions = m.gb < 0;
  const table = [m.rBase, m.rLo, m.rHi, m.rdFast, m.wrFast], swapTable = [RG_BASE, RG_LO, RG_HI, RG_RD, RG_WR];
  if (ownCode) CODE.set(m.dec.code);
  if (ownRegs) {
    REG_LO.set(RL);
    REG_HI.set(RH);
    m.RL = REG_LO.subarray(0, size);
    m.RH = REG_HI.subarray(0, size);
    m.rb = 0;
  }
  if (ownRegions) {
    const views = table.map((a, k) => { swapTable[k].set(a); return swapTable[k].subarray(0, a.length); });
    [m.rBase, m.rLo, m.rHi, m.rdFast, m.wrFast] = views;
    m.gb = 0;
  }
  if (ownCode) m.cb = 0;
  try {
    return execute(m, entry, n0, depth0);
  } finally {
    if (ownRegs) {
      RL.set(m.RL);
      RH.set(m.RH);
      m.RL = RL;
      m.RH = RH;
      m.rb = -1;
    }
    if (ownRegions) {
      // helpers and slow paths may have moved the packet bounds or turned fast paths on or off
      const views = [m.rBase, m.rLo, m.rHi, m.rdFast, m.wrFast];
      table.forEach((a, k) => a.set(views[k]));
      [m.rBase, m.rLo, m.rHi, m.rdFast, m.wrFast] = table;
      m.gb = -1;
    }
    if (ownCode) m.cb = -1;
  }
}

/** A BPF-to-BPF call from frame `depth`: save the return slot and r6-r9, open a zeroed frame. */
function pushFrame(m: Machine, depth: number, ret: number): void {
  const RL = m.RL, RH = m.RH, frames = m.frames, fb = depth * 9, callee = depth + 1;
  frames[fb] = ret;
  frames[fb + 1] = RL[6]; frames[fb + 2] = RL[7]; frames[fb + 3] = RL[8]; frames[fb + 4] = RL[9];
  frames[fb + 5] = RH[6]; frames[fb + 6] = RH[7]; frames[fb + 7] = RH[8]; frames[fb + 8] = RH[9];
  m.loops[callee] = MAX_LOOPS;
  // only what earlier calls wrote: the frame's region lower bound is its dirty mark (see
  // Machine.cleanCallee); below it the frame already holds zeros
  if (m.rLo[callee] < STACK_SIZE) m.cleanCallee(callee);
  RL[10] = STACK_SIZE;
  RH[10] = TAG + callee;
}

/** Return to frame `depth`: restore its r6-r9 and frame pointer; returns the slot to go on at. */
function popFrame(m: Machine, depth: number): number {
  const RL = m.RL, RH = m.RH, frames = m.frames, fb = depth * 9;
  RL[6] = frames[fb + 1]; RL[7] = frames[fb + 2]; RL[8] = frames[fb + 3]; RL[9] = frames[fb + 4];
  RH[6] = frames[fb + 5]; RH[7] = frames[fb + 6]; RH[8] = frames[fb + 7]; RH[9] = frames[fb + 8];
  RL[10] = STACK_SIZE;
  RH[10] = TAG + depth;
  return frames[fb];
}

/**
 * BPF_ATOMIC on [dst + off]. `sub`: bits 0-2 op (add, or, and, xor, xchg, cmpxchg, load_acq,
 * store_rel), bit 3 fetch, bit 4 64-bit. Fetch forms return the old value in src
 * (32-bit: zero-extended); cmpxchg compares with r0 and returns the old value in r0.
 */
function atomic(m: Machine, d: number, s: number, off: number, sub: number): number {
  const RL = m.RL, RH = m.RH, dv = m.dv;
  const op = sub & 7, wide = (sub & 16) !== 0, size = wide ? 8 : 4;
  if (op === 6) return m.loadSlow(RH[s], (RL[s] >>> 0) + off, size, false, d); // load-acquire: dst = *(src + off)
  if (op === 7) return m.storeSlow(RH[d], (RL[d] >>> 0) + off, size, s); // store-release
  const at = m.resolve(RH[d], (RL[d] >>> 0) + off, size, true);
  if (at < 0) return -at;
  const oldLo = dv.getInt32(at, true), oldHi = wide ? dv.getInt32(at + 4, true) : 0;
  let lo: number, hi: number;
  const sl = RL[s], sh = wide ? RH[s] : 0;
  if (op === 5) { // cmpxchg: store src where r0 equals the old value (jeq at the access width)
    const eq = wide ? RL[0] === oldLo && RH[0] === oldHi : RL[0] === oldLo;
    lo = eq ? sl : oldLo;
    hi = eq ? sh : oldHi;
    RL[0] = oldLo;
    RH[0] = oldHi;
  } else {
    atomicRmw(op, oldLo, oldHi, sl, sh);
    lo = OUT[0];
    hi = OUT[1];
  }
  dv.setInt32(at, lo, true);
  if (wide) dv.setInt32(at + 4, hi, true);
  if ((sub & 8) !== 0 && op !== 5) {
    RL[s] = oldLo;
    RH[s] = oldHi;
  }
  return F_OK;
}
