// Programs the verifier accepts by construction, for differential runs (kernel vs interpreter).
//
// Program types: xdp, sched_cls (tc), socket_filter and raw_tracepoint. Register roles: r0–r5
// scalars (the pool), r8 = scratch scalar, r9 = ctx; xdp / tc: r6 = packet data, r7 = data_end;
// socket_filter: r6 = ctx (LD_ABS needs it). The stack fp-96..fp-1 is zeroed in the prologue
// (fp-352..fp-97 too when the program calls bpf_ringbuf_output), so every stack read is of
// written memory. Packet accesses sit behind bounds checks; map values behind null checks.
// Blocks only jump forward, except the counted loop blocks (gen-ringbuf.ts has one); helper calls
// clobber r1–r5, which are re-initialised after each call. One subprogram is appended and may be
// called. Socket filters store r0 into their `ret` map before exit: LD_ABS programs cannot be
// wrapped for a 64-bit r0 (tested by the kernel runner, fuzz/interp/kernel.ts).
import fc from 'fast-check';
import { fromOp, lddwParts, type AluName, type JcondName, type Op } from '../../src/isa/op.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { MAP_TYPE, type MapDef, type Program } from '../../src/isa/program.ts';
import { PSEUDO } from '../../src/isa/opcodes.ts';
import { ctxFieldOp, ldAbsOp, rawCtxOp, reinit, skbLoadBytesOp } from './gen-ctx.ts';
import { printkOp } from './gen-printk.ts';
import { isRingbufCall, RINGBUF_MAP, ringbufOp, ringbufStackInit } from './gen-ringbuf.ts';

export interface InterpCase {
  program: Program;
  /** Inputs to run: packets (each ≥ 14 bytes), or for raw_tracepoint the argument bytes (ctx). */
  packets: Uint8Array[];
}

export const FUZZ_TYPES = ['xdp', 'sched_cls', 'socket_filter', 'raw_tracepoint'] as const;
export type FuzzType = (typeof FUZZ_TYPES)[number];

/** The maps every generated program has: an array and a hash map, 16-byte values. */
export const FUZZ_MAPS: MapDef[] = [
  { name: 'arr', type: MAP_TYPE.array, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 },
  { name: 'hash', type: MAP_TYPE.hash, keySize: 4, valueSize: 16, maxEntries: 8, flags: 0 },
];

/** Socket filters' r0 store (see the header). */
export const RET_MAP: MapDef = { name: 'ret', type: MAP_TYPE.array, keySize: 4, valueSize: 8, maxEntries: 1, flags: 0 };

/** The maps of a program of type t; the ring comes last so that older recordings keep their indices. */
export const mapsFor = (t: FuzzType): MapDef[] => (t === 'socket_filter' ? [...FUZZ_MAPS, RET_MAP, RINGBUF_MAP] : [...FUZZ_MAPS, RINGBUF_MAP]);
const ringIndex = (t: FuzzType): number => mapsFor(t).length - 1;

const POOL = [0, 1, 2, 3, 4, 5] as const;
const pool = fc.constantFrom(...POOL);
const imm = fc.oneof(fc.integer({ min: -16, max: 16 }), fc.constantFrom(0x7fffffff, -0x80000000, 0xff, 0xffff, 0x80, 0x8000, 0x80000000 | 0, 63, 64, 31, 32), fc.integer({ min: -0x80000000, max: 0x7fffffff }));
const w = fc.constantFrom(32 as const, 64 as const);

const mov = (dst: number, v: number): Op => ({ kind: 'alu', op: 'mov', width: 64, dst, src: { imm: v } });

const aluOp: fc.Arbitrary<Op[]> = fc.tuple(
  fc.constantFrom<AluName>('add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'neg', 'mod', 'smod', 'xor', 'mov', 'arsh', 'movsx'),
  w, pool, pool, fc.boolean(), imm, fc.constantFrom(8 as const, 16 as const, 32 as const),
).map(([op, width, dst, src, useReg, v, ext]) => {
  if (op === 'neg') return [{ kind: 'alu', op, width, dst, src: { imm: 0 } }];
  if (op === 'movsx') return [{ kind: 'alu', op, width, dst, src: { reg: src }, ext: width === 32 && ext === 32 ? 8 : ext }];
  if (useReg) return [{ kind: 'alu', op, width, dst, src: { reg: src } }];
  let k = v;
  if (op === 'lsh' || op === 'rsh' || op === 'arsh') k = ((v % width) + width) % width;
  if ((op === 'div' || op === 'mod' || op === 'sdiv' || op === 'smod') && k === 0) k = 7;
  return [{ kind: 'alu', op, width, dst, src: { imm: k } }];
});

const endOp: fc.Arbitrary<Op[]> = fc.tuple(pool, fc.constantFrom('le' as const, 'be' as const, 'swap' as const), fc.constantFrom(16 as const, 32 as const, 64 as const))
  .map(([dst, order, bits]) => [{ kind: 'end', order, bits, dst }]);

const lddwOp: fc.Arbitrary<Op[]> = fc.tuple(pool, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
  .map(([dst, v]) => [{ kind: 'lddw', dst, pseudo: 0, ...lddwParts(v) }]);

const simple = fc.oneof({ weight: 5, arbitrary: aluOp }, { weight: 1, arbitrary: endOp }, { weight: 1, arbitrary: lddwOp });

/** if cond goto +n over n simple ops (forward only). */
const ifBlock: fc.Arbitrary<Op[]> = fc.tuple(
  fc.constantFrom<JcondName>('jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'),
  w, pool, pool, fc.boolean(), imm, fc.array(simple, { minLength: 1, maxLength: 3 }),
).map(([op, width, dst, src, useReg, v, body]) => {
  const inner = body.flat();
  const slots = inner.reduce((n, o) => n + (o.kind === 'lddw' ? 2 : 1), 0);
  return [{ kind: 'jcond', op, width, dst, src: useReg ? { reg: src } : { imm: v }, off: slots }, ...inner];
});

/** if cond goto +1; goto +n (or gotol); n simple ops: the unconditional jump skips them when cond fails. */
const jaBlock: fc.Arbitrary<Op[]> = fc.tuple(
  fc.constantFrom<JcondName>('jeq', 'jne', 'jgt', 'jsle', 'jset'), w, pool, imm, fc.boolean(), fc.array(simple, { minLength: 1, maxLength: 3 }),
).map(([op, width, dst, v, long, body]) => {
  const inner = body.flat();
  const slots = inner.reduce((n, o) => n + (o.kind === 'lddw' ? 2 : 1), 0);
  return [{ kind: 'jcond', op, width, dst, src: { imm: v }, off: 1 }, { kind: 'ja', off: slots, long }, ...inner];
});

const size = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
/** Stack stores and loads inside the zeroed area fp-64..fp-1 (sign-extending loads too). */
const stackOp: fc.Arbitrary<Op[]> = fc.tuple(size, fc.integer({ min: 1, max: 64 }), pool, pool, fc.nat(3), imm).map(([sz, at, a, b, kind, v]) => {
  const off = -Math.max(at - (at % sz), sz); // naturally aligned, inside the area
  if (kind === 0) return [{ kind: 'stx', size: sz, dst: 10, src: a, off }];
  if (kind === 1) return [{ kind: 'st', size: sz, dst: 10, off, imm: v }];
  if (kind === 2 && sz !== 8) return [{ kind: 'ldx', size: sz, signed: true, dst: b, src: 10, off }];
  return [{ kind: 'ldx', size: sz, signed: false, dst: b, src: 10, off }];
});

/** Atomic read-modify-write, load-acquire or store-release on an aligned stack slot. */
const atomicOp: fc.Arbitrary<Op[]> = fc.tuple(fc.constantFrom(4 as const, 8 as const), fc.integer({ min: 1, max: 8 }), pool,
  fc.constantFrom('add', 'or', 'and', 'xor', 'xchg', 'cmpxchg', 'load_acq', 'store_rel' as const), fc.boolean())
  .map(([sz, slot, src, op, fetch]): Op[] => {
    const off = -slot * 8 + (sz === 4 && slot % 2 ? 4 : 0);
    if (op === 'load_acq') return [{ kind: 'atomic', size: sz, op, fetch: false, dst: src, src: 10, off }];
    if (op === 'store_rel') return [{ kind: 'atomic', size: sz, op, fetch: false, dst: 10, src, off }];
    const isX = op === 'xchg' || op === 'cmpxchg';
    return [{ kind: 'atomic', size: sz, op, fetch: isX || fetch, dst: 10, src: op === 'cmpxchg' && src === 0 ? 1 : src, off }];
  });

/** Packet read or write behind a bounds check: r8 = data + n; if r8 > data_end skip. */
const packetOp: fc.Arbitrary<Op[]> = fc.tuple(size, fc.integer({ min: 0, max: 56 }), pool, fc.nat(2), imm).map(([sz, at, r, kind, v]) => {
  const off = at;
  const access: Op = kind === 0 ? { kind: 'ldx', size: sz, signed: false, dst: r, src: 6, off }
    : kind === 1 ? { kind: 'stx', size: sz, dst: 6, src: r, off } : { kind: 'st', size: sz, dst: 6, off, imm: v };
  return [
    { kind: 'alu', op: 'mov', width: 64, dst: 8, src: { reg: 6 } },
    { kind: 'alu', op: 'add', width: 64, dst: 8, src: { imm: off + sz } },
    { kind: 'jcond', op: 'jgt', width: 64, dst: 8, src: { reg: 7 }, off: 1 },
    access,
    mov(8, 0),
  ];
});

const vals5 = fc.array(imm, { minLength: 5, maxLength: 5 });

/** Array or hash map: lookup (null-checked, then read/modify/write the value), update, delete. */
const mapOp: fc.Arbitrary<Op[]> = fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 5 }), fc.nat(3), fc.constantFrom(0, 8), pool, imm, vals5, fc.constantFrom(0, 1, 2))
  .map(([map, key, kind, off, r, v, again, flags]) => {
    const ops: Op[] = [
      { kind: 'st', size: 4, dst: 10, off: -72, imm: key },
      { kind: 'alu', op: 'mov', width: 64, dst: 2, src: { reg: 10 } },
      { kind: 'alu', op: 'add', width: 64, dst: 2, src: { imm: -72 } },
      { kind: 'lddw', dst: 1, pseudo: PSEUDO.MAP_IDX, lo: map, hi: 0 },
    ];
    if (kind <= 1) {
      const body: Op[] = kind === 0
        ? [{ kind: 'ldx', size: 8, signed: false, dst: 8, src: 0, off }, { kind: 'alu', op: 'add', width: 64, dst: 8, src: { imm: v } }, { kind: 'stx', size: 8, dst: 0, src: 8, off }]
        : [{ kind: 'st', size: 4, dst: 0, off: off + 4, imm: v }, { kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 0, src: r === 0 ? 9 : 6, off: 8 - off }];
      // r9 (ctx) and r6 are pointers: adding them to a map value would leak; use r8 = 1 instead
      if (kind === 1) body[1] = { kind: 'atomic', size: 8, op: 'add', fetch: false, dst: 0, src: 8, off: 8 - off };
      ops.push({ kind: 'call', callKind: 'helper', imm: 1, off: 0 }, { kind: 'jcond', op: 'jeq', width: 64, dst: 0, src: { imm: 0 }, off: body.length }, ...body, mov(0, v));
    } else if (kind === 2) {
      // value on the stack at fp-64..fp-49 (zeroed, maybe written by stack ops)
      ops.push({ kind: 'alu', op: 'mov', width: 64, dst: 3, src: { reg: 10 } }, { kind: 'alu', op: 'add', width: 64, dst: 3, src: { imm: -64 } }, mov(4, flags), { kind: 'call', callKind: 'helper', imm: 2, off: 0 });
    } else {
      ops.push({ kind: 'call', callKind: 'helper', imm: 3, off: 0 });
    }
    return [...ops, mov(8, 0), ...reinit(again)];
  });

/** bpf_csum_diff over two zeroed-or-written stack areas. */
const csumOp: fc.Arbitrary<Op[]> = fc.tuple(fc.constantFrom(0, 4, 8, 16), fc.constantFrom(0, 4, 8, 16), imm, vals5).map(([a, b, seed, again]) => [
  { kind: 'alu', op: 'mov', width: 64, dst: 1, src: { reg: 10 } }, { kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm: -64 } }, mov(2, a),
  { kind: 'alu', op: 'mov', width: 64, dst: 3, src: { reg: 10 } }, { kind: 'alu', op: 'add', width: 64, dst: 3, src: { imm: -32 } }, mov(4, b),
  mov(5, seed), { kind: 'call', callKind: 'helper', imm: 28, off: 0 }, ...reinit(again),
]);

/** A counted loop: r8 = n; L: body; r8 -= 1; if r8 != 0 goto L. */
const loopOp: fc.Arbitrary<Op[]> = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.array(aluOp, { minLength: 1, maxLength: 3 })).map(([n, body]) => {
  const inner = body.flat();
  return [mov(8, n), ...inner, { kind: 'alu', op: 'sub', width: 64, dst: 8, src: { imm: 1 } }, { kind: 'jcond', op: 'jne', width: 64, dst: 8, src: { imm: 0 }, off: -(inner.length + 2) }];
});

/** Call the subprogram: r0 = f(r1, r2); r1–r5 re-initialised after. The offset is fixed later. */
const callOp: fc.Arbitrary<Op[]> = vals5.map((again) => [{ kind: 'call', callKind: 'local', imm: 0x7fffffff, off: 0 }, ...reinit(again)]);

type W = { weight: number; arbitrary: fc.Arbitrary<Op[]> };
const COMMON: W[] = [
  { weight: 8, arbitrary: simple }, { weight: 3, arbitrary: ifBlock }, { weight: 1, arbitrary: jaBlock }, { weight: 3, arbitrary: stackOp },
  { weight: 2, arbitrary: atomicOp }, { weight: 2, arbitrary: mapOp }, { weight: 1, arbitrary: loopOp }, { weight: 1, arbitrary: callOp },
];
const PRINTK: W = { weight: 2, arbitrary: printkOp };
const ringbuf = (t: FuzzType): W => ({ weight: 2, arbitrary: ringbufOp(ringIndex(t)) });

/** The blocks of a program of type t (raw_tracepoint: reads stay inside ctxLen bytes). */
function blocksFor(t: FuzzType, ctxLen: number, printk: boolean, rb: boolean): fc.Arbitrary<Op[]> {
  const own: W[] = t === 'xdp' ? [{ weight: 3, arbitrary: packetOp }, { weight: 1, arbitrary: csumOp }, { weight: 1, arbitrary: ctxFieldOp('xdp') }]
    : t === 'sched_cls' ? [{ weight: 3, arbitrary: packetOp }, { weight: 1, arbitrary: csumOp }, { weight: 2, arbitrary: ctxFieldOp('sched_cls') }, { weight: 1, arbitrary: skbLoadBytesOp }]
    : t === 'socket_filter' ? [{ weight: 4, arbitrary: ldAbsOp }, { weight: 2, arbitrary: ctxFieldOp('socket_filter') }, { weight: 1, arbitrary: skbLoadBytesOp }]
    : [{ weight: 3, arbitrary: rawCtxOp(ctxLen) }];
  return fc.oneof(...COMMON, ...own, ...(printk ? [PRINTK] : []), ...(rb ? [ringbuf(t)] : []));
}

const SUBPROG: Op[] = [
  { kind: 'alu', op: 'mov', width: 64, dst: 0, src: { reg: 1 } },
  { kind: 'alu', op: 'mul', width: 64, dst: 0, src: { imm: 3 } },
  { kind: 'alu', op: 'xor', width: 64, dst: 0, src: { reg: 2 } },
  { kind: 'exit' },
];

/** Where xdp_md / __sk_buff keep data and data_end. */
export const PACKET_TYPES = { xdp: [0, 4], sched_cls: [76, 80] } as const;
const SECTION: Record<FuzzType, string> = { xdp: 'xdp', sched_cls: 'tc', socket_filter: 'socket', raw_tracepoint: 'raw_tp' };

export function buildProgram(blocks: Op[][], init: number[], type: FuzzType = 'xdp'): Program {
  const ctxRegs: Op[] = type === 'xdp' || type === 'sched_cls'
    ? [{ kind: 'ldx', size: 4, signed: false, dst: 6, src: 9, off: PACKET_TYPES[type][0] }, { kind: 'ldx', size: 4, signed: false, dst: 7, src: 9, off: PACKET_TYPES[type][1] }]
    : [type === 'socket_filter' ? { kind: 'alu', op: 'mov', width: 64, dst: 6, src: { reg: 1 } } : mov(6, 0), mov(7, 0)];
  const prologue: Op[] = [
    { kind: 'alu', op: 'mov', width: 64, dst: 9, src: { reg: 1 } },
    ...ctxRegs,
    ...Array.from({ length: 12 }, (_, i): Op => ({ kind: 'st', size: 8, dst: 10, off: -8 * (i + 1), imm: 0 })),
    ...(blocks.some((b) => b.some(isRingbufCall)) ? ringbufStackInit() : []),
    mov(0, init[0]), ...reinit(init.slice(1)), mov(8, 0),
  ];
  const epilogue: Op[] = type === 'socket_filter'
    ? [{ kind: 'lddw', dst: 1, pseudo: PSEUDO.MAP_IDX_VALUE, lo: 2, hi: 0 }, { kind: 'stx', size: 8, dst: 1, src: 0, off: 0 }, { kind: 'exit' }]
    : [{ kind: 'exit' }];
  const body = [...prologue, ...blocks.flat(), ...epilogue];
  const insns: Insn[] = body.flatMap(fromOp);
  const subStart = insns.length;
  // the subprogram only when something calls it: the verifier rejects unreachable code
  if (insns.some((x) => x.code === 0x85 && x.src === 1)) insns.push(...SUBPROG.flatMap(fromOp));
  const fixed = insns.map((x, pc) => (x.code === 0x85 && x.src === 1 && x.imm === 0x7fffffff ? { ...x, imm: subStart - pc - 1 } : x));
  const funcs = subStart < fixed.length ? [{ name: 'fuzz', start: 0 }, { name: 'sub', start: subStart }] : [{ name: 'fuzz', start: 0 }];
  return { name: 'fuzz', section: SECTION[type], type, insns: fixed, maps: mapsFor(type), license: 'GPL', funcs };
}

/** Input bytes: a quarter of them zero, like headers' unused fields (and cheaper to record). */
const byte = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 1, arbitrary: fc.constant(0) });
const bytes = (min: number, max: number): fc.Arbitrary<Uint8Array> => fc.integer({ min, max }).chain((n) => fc.array(byte, { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a)));

/** A frame: random bytes, often with a broadcast / zero / multicast destination and an IPv4, IPv6 or ARP EtherType. */
const frame: fc.Arbitrary<Uint8Array> = fc.tuple(bytes(14, 80), fc.nat(5), fc.nat(5)).map(([b, dst, type]) => {
  const f = b.slice();
  if (dst === 0) f.fill(0xff, 0, 6);
  else if (dst === 1) f.fill(0, 0, 6);
  else if (dst === 2) f.set([0x01, 0x00, 0x5e, 0x00, 0x00, 0x01]);
  if (type <= 2) f.set([[0x08, 0x00], [0x86, 0xdd], [0x08, 0x06]][type], 12);
  return f;
});

/** One program type's case: raw tracepoints read only the first ctxLen of their 8–96 argument bytes. */
function caseOf(type: FuzzType): fc.Arbitrary<InterpCase> {
  return fc.tuple(fc.integer({ min: 1, max: 12 }), fc.nat(3), fc.nat(2)).chain(([words, p, rb]) => {
    const ctxLen = words * 8;
    const inputs = type === 'raw_tracepoint' ? bytes(ctxLen, 96) : frame;
    return fc.tuple(fc.array(blocksFor(type, ctxLen, p === 0, rb === 0), { minLength: 1, maxLength: 24 }), fc.array(imm, { minLength: 6, maxLength: 6 }), fc.array(inputs, { minLength: 1, maxLength: 2 }))
      .map(([blocks, init, packets]) => ({ program: buildProgram(JSON.parse(JSON.stringify(blocks)), init, type), packets }));
  });
}

export const arbInterpCase: fc.Arbitrary<InterpCase> = fc.oneof(
  { weight: 3, arbitrary: caseOf('xdp') }, { weight: 2, arbitrary: caseOf('sched_cls') },
  { weight: 3, arbitrary: caseOf('socket_filter') }, { weight: 2, arbitrary: caseOf('raw_tracepoint') },
);
