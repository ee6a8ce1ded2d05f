// bpf_ringbuf_output calls for the differential fuzzer: r0 = ringbuf_output(rb, data, size, flags)
// on the program's 4096-byte ring. Data comes from the scratch stack fp-96..fp-1 (what other
// blocks wrote there) or from fp-352..fp-97 (zeroed in the prologue of programs that output, see
// RINGBUF_STACK; this block writes a few words of it). Not from the packet: the verifier lets
// only helpers marked pkt_access take packet pointers, and ringbuf_output is not one.
// Sizes: a constant, or a pool register masked to the room left (ARG_CONST_SIZE_OR_ZERO: a
// bounded scalar, 0 allowed). Flags: 0, BPF_RB_NO_WAKEUP = 1, BPF_RB_FORCE_WAKEUP = 2, both, or
// rarely an invalid bit (-EINVAL). A counted loop repeats the call up to 40 times, so a ring of
// 4096 bytes (records take round8(8 + size)) fills and later calls return -EAGAIN.
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';
import { MAP_TYPE, type MapDef } from '../../src/isa/program.ts';
import { PSEUDO } from '../../src/isa/opcodes.ts';
import { reinit } from './gen-ctx.ts';

/** The ring every generated program has (last in its map list). */
export const RINGBUF_MAP: MapDef = { name: 'rb', type: MAP_TYPE.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 };

/** The stack area of ringbuf blocks besides the scratch one: fp-352..fp-97, zeroed in the prologue (printk formats share it). */
export const RINGBUF_STACK = { from: -352, len: 256 } as const;
const SCRATCH = { from: -96, len: 96 } as const;

const mov = (dst: number, v: number): Op => ({ kind: 'alu', op: 'mov', width: 64, dst, src: { imm: v } });
const movr = (dst: number, src: number): Op => ({ kind: 'alu', op: 'mov', width: 64, dst, src: { reg: src } });
const add = (dst: number, v: number): Op => ({ kind: 'alu', op: 'add', width: 64, dst, src: { imm: v } });
const slots = (ops: readonly Op[]): number => ops.reduce((n, o) => n + (o.kind === 'lddw' ? 2 : 1), 0);

/** Does this op call bpf_ringbuf_output (helper 130)? */
export const isRingbufCall = (o: Op): boolean => o.kind === 'call' && o.callKind === 'helper' && o.imm === 130;

/** st of 0 to every slot of RINGBUF_STACK: the helper reads only initialised stack. */
export const ringbufStackInit = (): Op[] =>
  Array.from({ length: RINGBUF_STACK.len / 8 }, (_, i): Op => ({ kind: 'st', size: 8, dst: 10, off: RINGBUF_STACK.from + 8 * i, imm: 0 }));

const pool = fc.constantFrom(0, 1, 2, 3, 4, 5);
const word = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.integer({ min: 0, max: 255 }));
/** Flags: mostly valid (0..3), sometimes bits the helper refuses (4, 8, 5, and 1 << 31 sign-extended to the high word). */
const flagsImm = fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.constantFrom(1, 2, 3) }, { weight: 1, arbitrary: fc.constantFrom(4, 8, 5, -0x80000000) });

interface Spec {
  area: 'scratch' | 'big';
  /** Start inside the area. */
  off: number;
  /** Constant size, or a register masked with `mask` (loops: r0, the previous call's result). */
  size: { kind: 'const'; n: number } | { kind: 'reg'; reg: number; mask: number };
  flags: { kind: 'imm'; v: number } | { kind: 'reg'; reg: number };
  /** 1 = a single call. */
  repeat: number;
  /** Loops: store the counter r8 into this 8-byte slot of the area first (-1: no). */
  counterSlot: number;
  /** Add r0 into the stack word fp-8·k after each call (0: no). */
  accSlot: number;
  /** Words written into the area first (big area only). */
  writes: [number, number][];
  again: number[];
}

/** The largest 2^k - 1 ≤ room: `size & mask` then never reads past the area. */
const largestMask = (room: number): number => (room <= 0 ? 0 : 2 ** Math.floor(Math.log2(room + 1)) - 1);

const spec: fc.Arbitrary<Spec> = fc.record({
  area: fc.constantFrom('scratch' as const, 'big' as const, 'big' as const),
  at: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.nat(31).map((k) => 8 * k) }, { weight: 2, arbitrary: fc.nat(255) }),
  sizeKind: fc.nat(9),
  sizeRaw: fc.nat(300),
  reg: pool,
  flags: fc.oneof({ weight: 12, arbitrary: flagsImm.map((v) => ({ kind: 'imm' as const, v })) }, { weight: 1, arbitrary: pool.map((reg) => ({ kind: 'reg' as const, reg })) }),
  repeat: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 16 }) }, { weight: 1, arbitrary: fc.integer({ min: 17, max: 40 }) }),
  counter: fc.nat(40),
  acc: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) }),
  writes: fc.array(fc.tuple(fc.nat(31), word), { maxLength: 4 }),
  again: fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 5, maxLength: 5 }),
}).map((g): Spec => {
  const area = g.area;
  const len = area === 'scratch' ? SCRATCH.len : RINGBUF_STACK.len;
  const off = g.at % len;
  const room = len - off;
  const loop = g.repeat > 1;
  // sizes: the room left, a small one, anything that fits, 0; or a register masked to fit
  const n = g.sizeKind <= 2 ? room : g.sizeKind === 3 ? g.sizeRaw % Math.min(17, room + 1) : g.sizeKind === 4 ? 0 : g.sizeRaw % (room + 1);
  const mask = largestMask(room);
  const size: Spec['size'] = g.sizeKind >= 8 && mask > 0 ? { kind: 'reg', reg: loop ? 0 : g.reg, mask: g.sizeRaw & mask || mask } : { kind: 'const', n };
  // in a loop r1–r5 are dead after the first call: registers other than r0 cannot be read
  const flags = g.flags.kind === 'reg' && loop && g.flags.reg !== 0 ? { kind: 'imm' as const, v: 0 } : g.flags;
  return {
    area, off, size, flags,
    repeat: loop ? g.repeat : 1,
    counterSlot: loop && g.counter < 32 ? g.counter % (len / 8) : -1,
    accSlot: g.acc,
    writes: area === 'big' ? g.writes : [],
    again: g.again,
  };
});

/** The argument set-up and the call (r1 = rb, r2 = data, r3 = size, r4 = flags). */
function callOps(s: Spec, mapIdx: number): Op[] {
  const ops: Op[] = [];
  if (s.size.kind === 'reg') ops.push(movr(3, s.size.reg), { kind: 'alu', op: 'and', width: 64, dst: 3, src: { imm: s.size.mask } });
  if (s.flags.kind === 'reg') ops.push(movr(4, s.flags.reg));
  else ops.push(mov(4, s.flags.v));
  if (s.size.kind === 'const') ops.push(mov(3, s.size.n));
  ops.push({ kind: 'lddw', dst: 1, pseudo: PSEUDO.MAP_IDX, lo: mapIdx, hi: 0 });
  ops.push(movr(2, 10), add(2, (s.area === 'big' ? RINGBUF_STACK.from : SCRATCH.from) + s.off));
  ops.push({ kind: 'call', callKind: 'helper', imm: 130, off: 0 });
  if (s.accSlot) ops.push({ kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 10, src: 0, off: -8 * s.accSlot });
  return ops;
}

function blockOf(s: Spec, mapIdx: number): Op[] {
  const base = s.area === 'big' ? RINGBUF_STACK.from : SCRATCH.from;
  const ops: Op[] = s.writes.map(([slot, v]): Op => ({ kind: 'st', size: 8, dst: 10, off: RINGBUF_STACK.from + 8 * slot, imm: v }));
  const call = callOps(s, mapIdx);
  if (s.repeat > 1) {
    const body: Op[] = [...(s.counterSlot >= 0 ? [{ kind: 'stx', size: 8, dst: 10, src: 8, off: base + 8 * s.counterSlot } as Op] : []), ...call];
    ops.push(mov(8, s.repeat), ...body, { kind: 'alu', op: 'sub', width: 64, dst: 8, src: { imm: 1 } }, { kind: 'jcond', op: 'jne', width: 64, dst: 8, src: { imm: 0 }, off: -(slots(body) + 2) });
  } else {
    ops.push(...call);
  }
  return [...ops, mov(8, 0), ...reinit(s.again)];
}

/** A ringbuf_output block for a program whose ring is map `mapIdx`. */
export const ringbufOp = (mapIdx: number): fc.Arbitrary<Op[]> => spec.map((s) => blockOf(s, mapIdx));
