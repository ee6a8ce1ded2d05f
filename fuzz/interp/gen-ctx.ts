// Generator blocks that depend on the program type: context field reads and writes, the legacy
// LD_ABS / LD_IND packet loads and bpf_skb_load_bytes (socket filters), and the argument array
// of raw tracepoints. Register roles as in gen.ts: r0–r5 the scalar pool, r8 scratch, r9 = ctx
// (socket_filter: r6 = ctx too, which LD_ABS requires).
import fc from 'fast-check';
import type { Op, Size } from '../../src/isa/op.ts';

const pool = fc.constantFrom(0, 1, 2, 3, 4, 5);
const mov = (dst: number, v: number): Op => ({ kind: 'alu', op: 'mov', width: 64, dst, src: { imm: v } });
export const reinit = (vals: number[]): Op[] => [1, 2, 3, 4, 5].map((r, i) => mov(r, vals[i]));

/** A context field: byte offset and width; `narrow` allows 1/2-byte loads of its low bytes. */
interface Field { off: number; size: 4 | 8; narrow?: boolean }

const f32 = (...offs: number[]): Field[] => offs.map((off) => ({ off, size: 4, narrow: true }));

// struct __sk_buff fields a socket filter may read (sk_filter_is_valid_access): len, pkt_type,
// mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority, ingress_ifindex,
// ifindex, tc_index, cb[0..4], hash, napi_id, gso_segs, gso_size.
const SKB_COMMON = f32(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 84, 164, 176);
/** tc adds tc_classid, wire_len and the 64-bit tstamp / hwtstamp. */
const SKB_TC = [...SKB_COMMON, ...f32(72, 160), { off: 152, size: 8 } as Field, { off: 184, size: 8 } as Field];
/** xdp_md: ingress_ifindex, rx_queue_index (data pointers are r6/r7's job). */
const XDP_FIELDS: Field[] = [{ off: 12, size: 4 }, { off: 16, size: 4 }]; // no narrow loads
/** Writable for both skb types: cb[0..4]; tc also mark, priority, tc_index, tc_classid. */
const CB = [48, 52, 56, 60, 64];
const TC_WRITABLE = [...CB, 8, 32, 44, 72];

export type CtxType = 'xdp' | 'sched_cls' | 'socket_filter';

function fieldsOf(t: CtxType): Field[] {
  return t === 'xdp' ? XDP_FIELDS : t === 'sched_cls' ? SKB_TC : SKB_COMMON;
}

/** Read a context field (whole, or a narrow load of one of its bytes / halves), or write one. */
export function ctxFieldOp(t: CtxType): fc.Arbitrary<Op[]> {
  const fields = fieldsOf(t);
  const writable = t === 'xdp' ? [] : t === 'sched_cls' ? TC_WRITABLE : CB;
  return fc.tuple(fc.nat(fields.length - 1), fc.constantFrom(1, 2, 4), fc.nat(3), pool, fc.nat(9), fc.nat(writable.length ? writable.length - 1 : 0), fc.integer({ min: -2, max: 0x7fffffff }))
    .map(([fi, narrow, part, r, kind, wi, v]) => {
      if (kind >= 8 && writable.length) {
        const off = writable[wi];
        return kind === 8 ? [{ kind: 'stx', size: 4, dst: 9, src: r, off }] : [{ kind: 'st', size: 4, dst: 9, off, imm: v }];
      }
      const f = fields[fi];
      let size: Size = f.size, off = f.off;
      if (f.narrow && narrow < 4) {
        size = narrow as Size;
        off = f.off + (part * narrow) % 4;
      }
      return [{ kind: 'ldx', size, signed: false, dst: r, src: 9, off }];
    });
}

const SKF_NET_OFF = -0x100000;
const SKF_LL_OFF = -0x200000;

/**
 * LD_ABS / LD_IND (socket filters): r0 = ntoh(packet[off]), B/H/W. Offsets mostly inside a
 * short packet; some relative to the network / link-layer header (SKF_NET_OFF, SKF_LL_OFF),
 * some out of range (the program then ends with r0 = 0). LD_IND adds a register: r8 masked to a
 * small value, or a pool register as it is. Both clobber r1–r5, re-initialised after.
 */
export const ldAbsOp: fc.Arbitrary<Op[]> = fc.tuple(
  fc.constantFrom(1 as const, 2 as const, 4 as const), fc.nat(11), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -16, max: 40 }), pool, fc.constantFrom(15, 31, 63),
  fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 5, maxLength: 5 }),
).map(([size, kind, at, rel, r, mask, again]) => {
  const after = [mov(8, 0), ...reinit(again)];
  if (kind <= 5) return [{ kind: 'ldabs', size, imm: at % 28 }, ...after];
  if (kind === 6) return [{ kind: 'ldabs', size, imm: SKF_NET_OFF + (at % 24) }, ...after];
  if (kind === 7) return [{ kind: 'ldabs', size, imm: SKF_LL_OFF + (at % 24) }, ...after];
  if (kind === 8) return [{ kind: 'ldabs', size, imm: rel < 0 ? rel : 0x10000 + at }, ...after]; // out of range
  if (kind === 9) return [{ kind: 'ldind', size, src: r, imm: rel }, ...after];
  return [
    { kind: 'alu', op: 'mov', width: 64, dst: 8, src: { reg: r } },
    { kind: 'alu', op: 'and', width: 64, dst: 8, src: { imm: mask } },
    { kind: 'ldind', size, src: 8, imm: rel }, ...after,
  ];
});

/** bpf_skb_load_bytes(ctx, off, fp-96, len), then read the copy back (skb types). */
export const skbLoadBytesOp: fc.Arbitrary<Op[]> = fc.tuple(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 16 }), pool, fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 5, maxLength: 5 }))
  .map(([off, len, r, again]) => [
    { kind: 'alu', op: 'mov', width: 64, dst: 1, src: { reg: 9 } }, mov(2, off),
    { kind: 'alu', op: 'mov', width: 64, dst: 3, src: { reg: 10 } }, { kind: 'alu', op: 'add', width: 64, dst: 3, src: { imm: -96 } },
    mov(4, len), { kind: 'call', callKind: 'helper', imm: 26, off: 0 },
    ...reinit(again),
    { kind: 'ldx', size: len >= 8 ? 8 : len >= 4 ? 4 : len >= 2 ? 2 : 1, signed: false, dst: r === 0 ? 1 : r, src: 10, off: -96 },
  ]);

/** Raw tracepoint arguments: aligned loads of 1–8 bytes inside the first `ctxLen` bytes. */
export function rawCtxOp(ctxLen: number): fc.Arbitrary<Op[]> {
  return fc.tuple(fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), fc.nat(95), pool).map(([size, at, r]) => {
    const room = Math.max(0, ctxLen - size);
    const off = Math.floor((at % (room + 1)) / size) * size;
    return size > ctxLen ? [mov(r, at)] : [{ kind: 'ldx', size, signed: false, dst: r, src: 9, off }];
  });
}
