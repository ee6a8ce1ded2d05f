import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Op } from '../../src/isa/op.ts';
import { MAP_TYPE } from '../../src/isa/program.ts';
import { csumDiff, csumFold, csumPartial, csumReplace2, csumReplace4 } from '../../src/interp/csum.ts';
import { prepare } from '../../src/interp/index.ts';
import { alu, call, exit, jc, K, ldMap, ldx, le32, mapDef, mov, program, R, r0, run, st, stx } from './util.ts';

const t = suite('interp/helpers');
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const ldabs = (size: 1 | 2 | 4, imm: number): Op => ({ kind: 'ldabs', size, imm });
const ldind = (size: 1 | 2 | 4, src: number, imm: number): Op => ({ kind: 'ldind', size, src, imm });

/** Internet checksum of a buffer (RFC 1071), for checking incremental updates. */
function rfc1071(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

t('trace_printk formats and captures; returns the length', () => {
  const fmt = 'x=%d y=%llx %s\0';
  const bytes = new TextEncoder().encode(fmt);
  const ops: Op[] = [];
  // write fmt to the stack at fp-32, "ok\0" at fp-40
  for (let i = 0; i < bytes.length; i++) ops.push(st(1, 10, -32 + i, bytes[i]));
  ops.push(st(1, 10, -40, 0x6f), st(1, 10, -39, 0x6b), st(1, 10, -38, 0));
  ops.push(mov(1, R(10)), alu('add', 1, K(-32)), mov(2, K(bytes.length)), mov(3, K(-5)), mov(4, K(255)), mov(5, R(10)), alu('add', 5, K(-40)), call(6), exit);
  const r = run(ops);
  assert.is(r.kind, 'exit');
  if (r.kind === 'exit') {
    assert.equal(r.output, [{ kind: 'printk', text: 'x=-5 y=ff ok' }]);
    assert.is(r.r0, 12n);
  }
});

t('prandom is seeded and deterministic; ktime is a virtual clock; smp id 0', () => {
  const ops = [call(7), mov(6, R(0)), call(7), alu('xor', 0, R(6)), exit];
  assert.is(r0(ops, { packet: new Uint8Array(14), seed: 1 }), r0(ops, { packet: new Uint8Array(14), seed: 1 }));
  assert.not.equal(r0([call(7), exit], { packet: new Uint8Array(14), seed: 1 }), r0([call(7), exit], { packet: new Uint8Array(14), seed: 2 }));
  assert.is(r0([call(5), mov(6, R(0)), call(5), alu('sub', 0, R(6)), exit]), 1000n);
  assert.is(r0([call(5), exit], { packet: new Uint8Array(14), clock: 77n }), 77n);
  assert.is(r0([mov(0, K(3)), call(8), exit]), 0n);
});

t('csum_partial / csum_diff follow the x86 accumulation', () => {
  assert.is(csumDiff(new Uint8Array(0), Uint8Array.from([1, 2, 3, 4]), 0), 0x0604); // folded, as 6.18 returns it
  assert.is(csumDiff(Uint8Array.from([0xff, 0xff, 0xff, 0xff]), new Uint8Array(0), 0), 0);
  assert.is(csumDiff(Uint8Array.from([0, 0, 0, 0]), new Uint8Array(0), 0), 0); // the running kernel's answer (fuzz interp)
  assert.is(csumPartial(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0]), 0, 12, 0), 1);
  // Any length: the folded result equals the RFC 1071 checksum of the data.
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }).map((a) => a.subarray(0, a.length & ~1)), (b) => {
    const swapped = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i += 2) { swapped[i] = b[i + 1]; swapped[i + 1] = b[i]; }
    const folded = csumFold(csumPartial(b, 0, b.length, 0));
    assert.is(((folded & 0xff) << 8) | (folded >> 8), rfc1071(b) === 0 && b.every((x) => x === 0) ? 0xffff : rfc1071(b));
  }), { numRuns: 200 });
});

t('csum_replace2/4 keep an IPv4 header checksum valid', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 0, max: 0xffffffff }), (hdr, addr) => {
    hdr[10] = hdr[11] = 0;
    const c = rfc1071(hdr);
    hdr[10] = c >> 8; hdr[11] = c & 0xff;
    const dv = new DataView(hdr.buffer);
    const from = dv.getUint32(12, true);
    dv.setUint32(12, addr, true);
    const next = csumReplace4(dv.getUint16(10, true), from, addr);
    dv.setUint16(10, next, true);
    assert.is(rfc1071(hdr), 0);
    const f16 = dv.getUint16(16, true);
    dv.setUint16(16, addr & 0xffff, true);
    dv.setUint16(10, csumReplace2(dv.getUint16(10, true), f16, addr & 0xffff), true);
    assert.is(rfc1071(hdr), 0);
  }), { numRuns: 200 });
});

/** An IPv4 frame with a valid header checksum. */
function ipv4Frame(): Uint8Array {
  const p = new Uint8Array(42);
  p[12] = 8;
  p.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  const c = rfc1071(p.subarray(14, 34));
  p[24] = c >> 8; p[25] = c & 0xff;
  return p;
}

t('skb_store_bytes + l3_csum_replace rewrite the source address with a valid checksum', () => {
  // new saddr 192.168.0.1 (as a __be32 loaded little-endian)
  const newAddr = 0x0100a8c0;
  const ops = [
    mov(6, R(1)), // ctx
    ldx(4, 7, 6, 0), // keep r1 alive via r6
    mov(1, R(6)), mov(2, K(26)), mov(3, R(10)), alu('add', 3, K(-8)), mov(4, K(4)), call(26), // old saddr → fp-8
    ldx(4, 8, 10, -8),
    st(4, 10, -4, newAddr),
    mov(1, R(6)), mov(2, K(26)), mov(3, R(10)), alu('add', 3, K(-4)), mov(4, K(4)), mov(5, K(0)), call(9),
    mov(1, R(6)), mov(2, K(24)), mov(3, R(8)), mov(4, K(newAddr)), mov(5, K(4)), call(10),
    exit,
  ];
  const r = run(ops, { packet: ipv4Frame() }, 'sched_cls');
  assert.is(r.kind === 'exit' && r.r0, 0n);
  if (r.kind === 'exit') {
    assert.equal([...r.packet.subarray(26, 30)], [192, 168, 0, 1]);
    assert.is(rfc1071(r.packet.subarray(14, 34)), 0);
  }
  // errors: bad flags → -EINVAL; odd / out-of-range offset → -EFAULT
  assert.is(s64(r0([mov(2, K(24)), mov(3, K(0)), mov(4, K(0)), mov(5, K(0x10)), call(10), exit], { packet: ipv4Frame() }, 'sched_cls')), -22n);
  assert.is(s64(r0([mov(2, K(25)), mov(3, K(0)), mov(4, K(0)), mov(5, K(4)), call(10), exit], { packet: ipv4Frame() }, 'sched_cls')), -14n);
  assert.is(s64(r0([mov(2, K(41)), mov(3, R(10)), alu('add', 3, K(-8)), mov(4, K(4)), call(26), exit], { packet: ipv4Frame() }, 'sched_cls')), -14n);
});

t('l4_csum_replace: BPF_F_MARK_MANGLED_0 leaves a zero checksum alone', () => {
  const p = ipv4Frame(); // UDP checksum at 40 is 0
  assert.is(r0([mov(2, K(40)), mov(3, K(1)), mov(4, K(2)), mov(5, K(0x20 | 0x10 | 4)), call(11), ldx(4, 1, 6, 0), exit].filter((o) => !(o.kind === 'ldx')), { packet: p }, 'sched_cls'), 0n);
  const r = run([mov(2, K(40)), mov(3, K(1)), mov(4, K(2)), mov(5, K(0x20 | 0x10 | 4)), call(11), exit], { packet: p }, 'sched_cls');
  assert.equal(r.kind === 'exit' && [...r.packet.subarray(40, 42)], [0, 0]);
});

t('csum_diff helper: -EINVAL for unaligned sizes', () => {
  assert.is(s64(r0([mov(1, K(0)), mov(2, K(0)), mov(3, R(10)), alu('add', 3, K(-4)), mov(4, K(3)), mov(5, K(0)), call(28), exit])), -22n);
  assert.is(r0([st(4, 10, -4, 0x04030201), mov(1, K(0)), mov(2, K(0)), mov(3, R(10)), alu('add', 3, K(-4)), mov(4, K(4)), mov(5, K(0)), call(28), exit]), 0x0604n); // 0x0403 + 0x0201: 6.18 folds
});

t('xdp_adjust_head / adjust_tail / adjust_meta move the packet bounds', () => {
  const pkt = Uint8Array.from({ length: 30 }, (_, i) => i);
  const head = run([mov(6, R(1)), mov(2, K(4)), call(44), ldx(4, 1, 6, 0), ldx(1, 0, 1, 0), exit], { packet: pkt });
  assert.equal(head.kind === 'exit' && [head.r0, head.packet.length], [4n, 26]);
  const grow = run([mov(6, R(1)), mov(2, K(-8)), call(44), ldx(4, 1, 6, 0), ldx(1, 0, 1, 0), exit], { packet: pkt });
  assert.equal(grow.kind === 'exit' && [grow.r0, grow.packet.length], [0n, 38]);
  assert.is(s64(r0([mov(2, K(17)), call(44), exit], { packet: pkt })), -22n); // < ETH_HLEN left
  assert.is(s64(r0([mov(2, K(-217)), call(44), exit], { packet: pkt })), -22n); // below xdp_frame
  const tail = run([mov(2, K(-10)), call(65), exit], { packet: pkt });
  assert.equal(tail.kind === 'exit' && [tail.r0, tail.packet.length], [0n, 20]);
  assert.is(s64(r0([mov(2, K(-17)), call(65), exit], { packet: pkt })), -22n);
  assert.is(s64(r0([mov(2, K(4000)), call(65), exit], { packet: pkt })), -22n);
  const meta = run([mov(6, R(1)), mov(2, K(-8)), call(54), ldx(4, 1, 6, 8), ldx(4, 2, 6, 0), mov(0, R(2)), alu('sub', 0, R(1)), exit], { packet: pkt });
  assert.equal(meta.kind === 'exit' && [meta.r0, meta.packet.length], [8n, 38]);
  assert.is(s64(r0([mov(2, K(-6)), call(54), exit], { packet: pkt })), -13n);
});

t('redirect and redirect_map', () => {
  assert.is(r0([mov(1, K(3)), mov(2, K(0)), call(23), exit]), 4n); // XDP_REDIRECT
  assert.is(r0([mov(1, K(3)), mov(2, K(1)), call(23), exit]), 0n); // XDP_ABORTED
  assert.is(r0([mov(1, K(3)), mov(2, K(1)), call(23), exit], { packet: new Uint8Array(14) }, 'sched_cls'), 7n);
  assert.is(r0([mov(1, K(3)), mov(2, K(2)), call(23), exit], { packet: new Uint8Array(14) }, 'sched_cls'), 2n);
  const vm = prepare(program([ldMap(1, 0), mov(2, K(1)), mov(3, K(2)), call(51), exit], 'xdp', [mapDef(MAP_TYPE.devmap, 4, 4, 4)]));
  const res = () => { const r = vm.run({ packet: new Uint8Array(14) }); return r.kind === 'exit' ? r.r0 : -1n; };
  assert.is(res(), 2n); // empty slot: the fallback action from flags
  vm.maps[0].set(le32(1), le32(5));
  vm.saveBaseline();
  assert.is(res(), 4n);
});

t('perf_event_output and ringbuf_output capture records', () => {
  const maps = [mapDef(MAP_TYPE.perf_event_array, 4, 4, 2), mapDef(MAP_TYPE.ringbuf, 0, 0, 32)];
  const out = (mapIdx: number, helper: number, n: number): Op[] => helper === 25
    ? [mov(1, R(6)), ldMap(2, mapIdx), lddwFlags(3), mov(4, R(10)), alu('add', 4, K(-8)), mov(5, K(n)), call(25)]
    : [ldMap(1, mapIdx), mov(2, R(10)), alu('add', 2, K(-8)), mov(3, K(n)), mov(4, K(0)), call(130)];
  const ops = [mov(6, R(1)), st(8, 10, -8, 0x11223344), ...out(0, 25, 4), mov(7, R(0)), ...out(1, 130, 4), mov(8, R(0)), ...out(1, 130, 8), alu('lsh', 0, K(8)), alu('or', 0, R(8)), exit];
  const r = prepare(program(ops, 'xdp', maps)).run({ packet: new Uint8Array(14) });
  assert.is(r.kind, 'exit');
  if (r.kind === 'exit') {
    assert.equal(r.output.map((o) => [o.kind, [...('data' in o ? o.data : [])]]), [['perf', [0x44, 0x33, 0x22, 0x11]], ['ringbuf', [0x44, 0x33, 0x22, 0x11]]]);
    assert.is(s64(r.r0), (-11n << 8n) | 0n); // 16 + 16 bytes would fill all 32: the kernel keeps one byte free
  }
});
function lddwFlags(dst: number): Op { return { kind: 'lddw', dst, pseudo: 0, lo: -1, hi: 0 }; } // BPF_F_CURRENT_CPU

t('tail calls jump to the target; a missing slot falls through', () => {
  const maps = [mapDef(MAP_TYPE.prog_array, 4, 4, 4)];
  const entry = program([mov(0, K(1)), ldMap(2, 0), mov(3, K(2)), call(12), mov(0, K(99)), exit], 'xdp', maps);
  const target = program([mov(0, K(42)), exit], 'xdp', maps);
  const vm = prepare(entry, { tailTargets: [target] });
  const go = () => { const r = vm.run({ packet: new Uint8Array(14) }); return r.kind === 'exit' ? r.r0 : -1n; };
  assert.is(go(), 99n);
  vm.maps[0].set(le32(2), le32(0));
  vm.saveBaseline();
  assert.is(go(), 42n);
  // a program that tail-calls itself stops after 33 tail calls (MAX_TAIL_CALL_CNT)
  const loopy = program([ldx(8, 0, 10, -8), alu('add', 0, K(1)), stx(8, 10, 0, -8), ldMap(2, 0), mov(3, K(0)), call(12), ldx(8, 0, 10, -8), exit], 'xdp', maps);
  const self = prepare(loopy, { tailTargets: [loopy] });
  self.maps[0].set(le32(0), le32(0));
  self.saveBaseline();
  const r = self.run({ packet: new Uint8Array(14) });
  assert.is(r.kind === 'exit' && r.r0, 34n);
});

t('LD_ABS / LD_IND read big-endian from the skb; out of bounds ends with r0 = 0', () => {
  const p = ipv4Frame();
  assert.is(r0([mov(6, R(1)), ldabs(2, 12), exit], { packet: p }, 'sched_cls'), 0x0800n);
  assert.is(r0([mov(6, R(1)), ldabs(4, 26), exit], { packet: p }, 'sched_cls'), 0x0a000001n);
  assert.is(r0([mov(6, R(1)), ldabs(1, 9), exit], { packet: p }, 'socket_filter'), 17n); // data starts at the IP header
  assert.is(r0([mov(6, R(1)), mov(2, K(20)), ldind(4, 2, 6), exit], { packet: p }, 'sched_cls'), 0x0a000001n);
  assert.is(r0([mov(6, R(1)), mov(0, K(5)), ldabs(4, 40), mov(0, K(7)), exit], { packet: p }, 'sched_cls'), 0n);
  assert.is(r0([mov(6, R(1)), ldabs(1, -0x100000 + 9), exit], { packet: p }, 'sched_cls'), 17n); // SKF_NET_OFF
  const x = run([mov(6, R(1)), ldabs(1, 0), exit]);
  assert.is(x.kind === 'fault' && x.reason, 'invalid-insn');
});

t('map helpers reject a non-map handle', () => {
  const r = run([mov(1, K(0)), mov(2, R(10)), call(1), exit]);
  assert.is(r.kind === 'fault' && r.reason, 'helper-arg');
  const j = run([mov(0, K(0)), jc('jeq', 0, K(0), 0), exit]);
  assert.is(j.kind, 'exit');
});

t.run();
