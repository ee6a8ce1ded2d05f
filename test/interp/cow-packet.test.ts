// Copy-on-write packets (src/interp/packet.ts, Machine.pendingPkt and copyAtSetup): an XDP run
// reads the caller's packet array in place until something writes the packet (a store, an
// atomic, a helper that writes packet memory, bpf_xdp_adjust_*), which copies it into the machine
// first. Whichever way a run goes, it must give what a machine that copied at setup gives, on
// both tiers, and never write or hand out the caller's array.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare, type RunInput, type RunResult, type Vm } from '../../src/interp/index.ts';
import type { Op } from '../../src/isa/op.ts';
import type { Program } from '../../src/isa/program.ts';
import { alu, call, exit, jc, K, ldx, mov, program, R, st, stx } from './util.ts';

const t = suite('interp/cow-packet');

const ADJUST_HEAD = 44, ADJUST_META = 54, ADJUST_TAIL = 65, LOAD_BYTES = 189, STORE_BYTES = 190;

const view = (r: RunResult) => (r.kind === 'exit' ? { r0: r.r0, n: r.insnCount, pkt: Array.from(r.packet) } : { fault: r.reason, pc: r.pc, n: r.insnCount });

/** r6 = ctx, r2 = data, r3 = data_end, r7 = data, r0 = 0. */
const HEAD: Op[] = [mov(6, R(1)), ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), mov(7, R(2)), mov(0, K(0))];
/** data and data_end again (after a helper that may move them). */
const RELOAD: Op[] = [ldx(4, 2, 6, 0), ldx(4, 3, 6, 4), mov(7, R(2))];
/** Go on only when the packet has at least 16 bytes (else r0 = 0 and exit). */
const NEED16: Op[] = [mov(4, R(2)), alu('add', 4, K(16)), jc('jgt', 4, R(3), 100)];

/** Programs that read the packet, then write it through one route each, then read it again. */
const ROUTES: Record<string, Op[]> = {
  // r0 = the old byte 0 + 256 * the new byte 0
  'stx byte': [ldx(1, 0, 2, 0), mov(5, K(0x5a)), stx(1, 2, 5, 0), ldx(1, 4, 2, 0), alu('lsh', 4, K(8)), alu('or', 0, R(4))],
  'st half-word': [ldx(2, 0, 2, 2), st(2, 2, 2, 0x1234), ldx(2, 4, 2, 2), alu('lsh', 4, K(16)), alu('or', 0, R(4))],
  'stx double-word': [ldx(8, 0, 2, 8), mov(5, K(-2)), stx(8, 2, 5, 8), ldx(1, 4, 2, 9), alu('add', 0, R(4))],
  'atomic add': [ldx(4, 0, 2, 4), mov(5, K(0x01010101)), { kind: 'atomic', size: 4, op: 'add', fetch: false, dst: 2, src: 5, off: 4 }, ldx(1, 4, 2, 4), alu('add', 0, R(4))],
  'atomic cmpxchg': [ldx(8, 0, 2, 0), mov(5, K(7)), { kind: 'atomic', size: 8, op: 'cmpxchg', fetch: true, dst: 2, src: 5, off: 0 }, ldx(1, 4, 2, 0), alu('add', 0, R(4))],
  'xdp_store_bytes': [ldx(1, 8, 2, 3), st(8, 10, -8, 0x11223344), mov(1, R(6)), mov(2, K(3)), mov(3, R(10)), alu('add', 3, K(-8)), mov(4, K(4)), call(STORE_BYTES), ...RELOAD, ldx(1, 0, 2, 3), alu('lsh', 0, K(8)), alu('or', 0, R(8))],
  'xdp_load_bytes into the packet': [ldx(1, 8, 2, 0), mov(1, R(6)), mov(2, K(8)), mov(3, R(7)), mov(4, K(4)), call(LOAD_BYTES), ...RELOAD, ldx(4, 0, 2, 0), alu('add', 0, R(8))],
  'adjust_head': [ldx(1, 8, 2, 0), mov(1, R(6)), mov(2, K(-4)), call(ADJUST_HEAD), ...RELOAD, ...NEED16, st(1, 2, 0, 0x77), ldx(1, 0, 2, 4), alu('add', 0, R(8))],
  'adjust_tail': [ldx(1, 8, 2, 1), mov(1, R(6)), mov(2, K(-2)), call(ADJUST_TAIL), ...RELOAD, ...NEED16, ldx(1, 0, 2, 1), alu('add', 0, R(8))],
  'adjust_meta': [ldx(1, 8, 2, 2), mov(1, R(6)), mov(2, K(-8)), call(ADJUST_META), ...RELOAD, ldx(4, 5, 6, 8), st(4, 5, 0, 0x0badcafe), ...NEED16, ldx(1, 0, 2, 2), alu('add', 0, R(8))],
};

/** The route's program, behind the head and a 16-byte bounds check. */
const routeProgram = (ops: Op[]) => program([...HEAD, ...NEED16, ...ops, exit].map((o, i, all) => (o.kind === 'jcond' && o.off === 100 ? { ...o, off: all.length - 2 - i } : o)));

/** A machine that copies the packet at every setup: the reference (what the loop did before copy-on-write). */
function copying(prog: Program): Vm {
  const vm = prepare(prog);
  vm.machine.copyAtSetup = true;
  return vm;
}

const packetOf = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (i * 37 + seed * 11 + 1) & 0xff);

t('a read then a write: the run sees the caller\'s bytes, then its own write; the caller\'s array stays as it was', () => {
  const p = packetOf(64, 1), before = Array.from(p);
  const vm = prepare(routeProgram(ROUTES['stx byte']));
  assert.is(vm.machine.copyAtSetup, false);
  const r = vm.run({ packet: p });
  assert.ok(r.kind === 'exit');
  if (r.kind === 'exit') {
    assert.is(r.r0, BigInt(p[0] + 0x5a * 256));
    assert.is(r.packet[0], 0x5a);
    assert.equal(Array.from(r.packet.subarray(1)), before.slice(1));
    assert.ok(r.packet !== p);
  }
  assert.equal(Array.from(p), before);
  // the write copied the packet in: the machine now copies at setup, with the same results
  assert.is(vm.machine.copyAtSetup, true);
  assert.equal(view(vm.run({ packet: p })), view(r));
  assert.equal(Array.from(p), before);
});

t('a run that only reads bytes and half-words never copies the packet, and its output is the input', () => {
  const vm = prepare(program([...HEAD, ...NEED16, ldx(1, 0, 2, 5), ldx(2, 4, 2, 12), alu('add', 0, R(4)), exit]));
  for (const tier of ['interpreter', 'compiled'] as const) {
    const v = tier === 'interpreter' ? vm : prepare(vm.program, { tier });
    assert.is(v.tier, tier);
    for (let k = 0; k < 3; k++) {
      const p = packetOf(40, k), before = Array.from(p);
      assert.ok(v.exec({ packet: p }));
      assert.is(v.machine.pendingPkt, p, `${tier}: still deferred`);
      assert.is(v.r0lo, p[5] + p[12] + 256 * p[13]);
      const r = v.lastResult();
      assert.ok(r.kind === 'exit' && r.packet !== p);
      if (r.kind === 'exit') assert.equal(Array.from(r.packet), before);
      assert.equal(Array.from(v.packetView()), before);
      assert.equal(Array.from(p), before);
    }
  }
});

t('every write route: deferred, copied at setup and compiled runs agree; the caller\'s array is never written', () => {
  for (const [name, ops] of Object.entries(ROUTES)) {
    for (const len of [0, 12, 16, 64]) {
      const p = packetOf(len, len), before = Array.from(p);
      const want = view(copying(routeProgram(ops)).run({ packet: p.slice() }));
      const lazy = prepare(routeProgram(ops));
      assert.equal(view(lazy.run({ packet: p })), want, `${name}, ${len} bytes, first run`);
      assert.equal(view(lazy.run({ packet: p })), want, `${name}, ${len} bytes, second run`);
      assert.ok(lazy.exec({ packet: p }));
      assert.equal(view(lazy.lastResult()), want, `${name}, ${len} bytes, exec`);
      // xdp_md fields given: the general setup path, which always defers
      assert.equal(view(prepare(routeProgram(ops)).run({ packet: p, xdp: {} })), want, `${name}, ${len} bytes, general path`);
      const compiled = prepare(routeProgram(ops), { tier: 'compiled' });
      assert.equal(view(compiled.run({ packet: p })), want, `${name}, ${len} bytes, ${compiled.tier} tier`);
      assert.equal(Array.from(p), before, `${name}, ${len} bytes: input unchanged`);
    }
  }
});

t('a program that writes only some packets: runs before and after the first write agree with the reference', () => {
  // writes byte 1 only when byte 0 is 0xff
  const ops: Op[] = [ldx(1, 0, 2, 1), ldx(1, 4, 2, 0), jc('jne', 4, K(0xff), 1), st(1, 2, 1, 0x42)];
  const lazy = prepare(routeProgram(ops)), compiled = prepare(routeProgram(ops), { tier: 'compiled' });
  const packets = [packetOf(32, 1), packetOf(32, 2), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xff : i)), packetOf(32, 3), packetOf(20, 4)];
  for (const p of packets) {
    const before = Array.from(p), want = view(copying(routeProgram(ops)).run({ packet: p.slice() }));
    assert.equal(view(lazy.run({ packet: p })), want);
    assert.equal(view(compiled.run({ packet: p })), want);
    assert.equal(Array.from(p), before);
  }
  assert.is(lazy.machine.copyAtSetup, true);
});

// ---- random programs over the packet, on both tiers ----

const dataReg = fc.constantFrom(2, 7);
const valReg = fc.constantFrom(0, 4, 5, 8);
const size = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const off = fc.integer({ min: -4, max: 40 });
const imm = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, -1, 0xff, 0x80));

/** A fragment: one op or a short sequence (a helper call with its arguments and the reload after it). */
const fragment: fc.Arbitrary<Op[]> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(size, valReg, dataReg, off, fc.boolean()).map(([sz, d, s, o, sx]) => [ldx(sz, d, s, o, sx && sz !== 8)]) },
  { weight: 2, arbitrary: fc.tuple(size, dataReg, off, imm).map(([sz, d, o, v]) => [st(sz, d, o, v)]) },
  { weight: 2, arbitrary: fc.tuple(size, dataReg, valReg, off).map(([sz, d, s, o]) => [stx(sz, d, s, o)]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(4 as const, 8 as const), fc.constantFrom('add' as const, 'xor' as const, 'xchg' as const, 'cmpxchg' as const), fc.boolean(), dataReg, valReg, off)
    .map(([sz, op, fetch, d, s, o]): Op[] => [{ kind: 'atomic', size: sz, op, fetch: fetch || op === 'xchg' || op === 'cmpxchg', dst: d, src: s, off: o }]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('add' as const, 'xor' as const, 'lsh' as const, 'mov' as const), valReg, fc.oneof(valReg.map(R), imm.map(K))).map(([o, d, s]) => [alu(o, d, s)]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('jeq' as const, 'jgt' as const, 'jset' as const), valReg, imm, fc.integer({ min: 0, max: 2 })).map(([o, d, v, k]) => [jc(o, d, K(v), k)]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(ADJUST_HEAD, ADJUST_TAIL, ADJUST_META), fc.integer({ min: -24, max: 24 })).map(([h, delta]) => [mov(1, R(6)), mov(2, K(delta)), call(h), ...RELOAD]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(LOAD_BYTES, STORE_BYTES), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 8 }), fc.boolean())
    .map(([h, o, len, intoPacket]) => [st(8, 10, -8, 0x5a5a5a5a), mov(1, R(6)), mov(2, K(o)), mov(3, R(intoPacket ? 7 : 10)), alu('add', 3, K(intoPacket ? 0 : -8)), mov(4, K(len)), call(h), ...RELOAD]) },
);

const randomProgram = fc.array(fragment, { minLength: 1, maxLength: 10 }).map((fs) => program([...HEAD, ...fs.flat(), exit]));

t('property: random packet programs give the copying reference\'s results on both tiers, deferred or not', () => {
  fc.assert(
    fc.property(randomProgram, fc.array(fc.uint8Array({ minLength: 0, maxLength: 48 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (prog, packets, withFields) => {
      const lazy = prepare(prog), compiled = prepare(prog, { tier: 'compiled' });
      for (const p of packets) {
        const before = Array.from(p);
        const input = (q: Uint8Array): RunInput => (withFields ? { packet: q, xdp: {} } : { packet: q });
        const want = view(copying(prog).run(input(p.slice())));
        assert.equal(view(lazy.run(input(p))), want, 'interpreter');
        assert.ok(lazy.exec(input(p)) === (want.r0 !== undefined));
        assert.equal(view(lazy.lastResult()), want, 'interpreter, exec');
        assert.equal(view(compiled.run(input(p))), want, `${compiled.tier} tier`);
        assert.equal(Array.from(p), before, 'input unchanged');
      }
    }),
    { numRuns: 300, seed: 6 },
  );
});

t.run();
