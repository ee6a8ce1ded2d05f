// Programs whose level-2 verifier logs are the parser fixtures (fixtures/*.log).
import type { Program } from '../../src/isa/program.ts';
import { alu32, alu64, arrayMap, hashMap, call, callLocal, exit, ja, jmp, jmp32, lddw, ldMap, ldMapValue, ldx, mov, prog, R, st, stx } from './progs.ts';

export const FIXTURE_PROGRAMS: Record<string, Program> = {
  // Scalars: constants of every print form, masks, 32-bit ops, signed/unsigned branches.
  scalars: prog('xdp', [
    ldx(4, 2, 1, 0), // r2 = data
    ldx(4, 3, 1, 4), // r3 = data_end
    mov(4, R(2)),
    alu64('add', 4, 14),
    jmp('jgt', 4, R(3), 28),
    ldx(8, 5, 2, 0), // unknown 64-bit
    mov(6, R(5)),
    alu64('and', 6, 255),
    mov(7, R(5)),
    alu32('rsh', 7, 4), // 32-bit op
    mov(8, R(5)),
    alu64('arsh', 8, 60), // small signed range -8..7
    mov(9, -5),
    lddw(0, 0x123456789n),
    lddw(0, 0xffffffff80000000n),
    mov(0, 65535),
    mov(0, 65536),
    mov(0, -32768),
    mov(0, -32769),
    alu32('mov', 0, -1),
    jmp('jsgt', 5, 100, 3),
    jmp('jslt', 5, -100, 2),
    mov(0, R(5)),
    jmp32('jgt', 5, 1000, 1),
    alu64('add', 5, 1),
    mov(0, R(5)),
    alu64('or', 0, 0x10),
    mov(1, R(5)),
    alu64('lsh', 1, 32),
    mov(0, 2),
    exit(),
    mov(0, 1),
    exit(),
  ]),
  // Pointers: ctx, fp, pkt, pkt_end, map_ptr, map_value(_or_null), spills and stack slot types.
  pointers: prog('xdp', [
    ldx(4, 2, 1, 0),
    ldx(4, 3, 1, 4),
    mov(4, R(2)),
    alu64('add', 4, 8),
    jmp('jgt', 4, R(3), 17),
    ldx(1, 5, 2, 3),
    st(4, 10, -4, 0), // key = 0
    stx(8, 10, -16, 2), // spill pkt pointer
    stx(8, 10, -24, 5), // spill scalar
    st(1, 10, -25, 7), // misc byte
    mov(2, R(10)),
    alu64('add', 2, -4),
    ldMap(1, 0),
    call(1), // map_lookup_elem
    jmp('jeq', 0, 0, 3),
    ldx(8, 6, 0, 8),
    alu64('add', 0, 4),
    stx(8, 10, -32, 0),
    ldMapValue(7, 1, 8),
    ldx(4, 6, 7, 0),
    mov(0, 2),
    exit(),
  ], [arrayMap('vals', 16, 4), arrayMap('glob', 16, 1)]),
  // A bpf-to-bpf call: frames, callee state, return.
  subprog: prog('socket_filter', [
    mov(1, 7),
    mov(2, R(10)),
    alu64('add', 2, -8),
    st(8, 10, -8, 3),
    callLocal(2),
    alu64('add', 0, 1),
    exit(),
    // callee: r0 = r1 + *(u64 *)r2
    ldx(8, 0, 2, 0),
    alu64('add', 0, R(1)),
    exit(),
  ]),
  // Rejection: packet read without a bounds check.
  reject_pkt: prog('xdp', [
    ldx(4, 2, 1, 0),
    ldx(1, 0, 2, 0),
    exit(),
  ]),
  // Rejection: a scalar used as a pointer.
  reject_deref: prog('socket_filter', [
    mov(0, 5),
    ldx(8, 0, 0, 0),
    exit(),
  ]),
  // A diamond whose join reads a stack slot only one side wrote (root may read uninit stack).
  diamond: prog('socket_filter', [
    ldx(4, 0, 1, 0),
    jmp('jeq', 0, 0, 2),
    st(8, 10, -8, 1),
    ja(1),
    mov(0, 0),
    ldx(8, 0, 10, -8),
    exit(),
  ]),
  // Hash lookup: map_value_or_null with an id, the null branch; a 4-byte spill of a scalar.
  nullable: prog('socket_filter', [
    st(4, 10, -4, 1),
    ldx(4, 6, 1, 0), // skb->len
    stx(4, 10, -16, 6), // 4-byte spill at an 8-aligned slot
    mov(2, R(10)),
    alu64('add', 2, -4),
    ldMap(1, 0),
    call(1),
    jmp('jne', 0, 0, 2),
    mov(0, 0),
    exit(),
    ldx(4, 0, 0, 0),
    exit(),
  ], [hashMap('h')]),
  // A bounded loop: states pruned, `from X to Y` lines, precision marks.
  loop: prog('socket_filter', [
    mov(0, 0),
    mov(1, 0),
    alu64('add', 0, R(1)),
    alu64('add', 1, 1),
    jmp('jlt', 1, 5, -3),
    exit(),
  ]),
};
