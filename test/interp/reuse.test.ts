// A machine is reused across runs and setup rewrites only what a run could have changed
// (Machine.setup in src/interp/machine.ts, the packet region in src/interp/packet.ts): these
// runs would see a previous run's bytes if it skipped too much.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prepare } from '../../src/interp/index.ts';
import { mayWriteMemory, decodePrograms } from '../../src/interp/decode.ts';
import { call, exit, jc, K, ldx, mapDef, mov, program, R, st, stx, alu } from './util.ts';

const t = suite('interp/reuse');
const pkt = (n: number, fill = 0xab): Uint8Array => new Uint8Array(n).fill(fill);
const r0Of = (r: ReturnType<ReturnType<typeof prepare>['run']>): bigint => {
  if (r.kind !== 'exit') throw new Error(`fault ${r.reason}: ${r.message}`);
  return r.r0;
};

t('mayWriteMemory: stores, atomics and calls write; loads and ALU do not', () => {
  const dec = (ops: Parameters<typeof program>[0]) => decodePrograms([program(ops)], 0).code;
  assert.is(mayWriteMemory(dec([ldx(8, 0, 10, -8), exit])), false);
  assert.is(mayWriteMemory(dec([st(8, 10, -8, 1), mov(0, K(0)), exit])), true);
  assert.is(mayWriteMemory(dec([mov(1, K(0)), call(5), exit])), true);
});

t('a program that writes the stack sees it zeroed again on the next run', () => {
  // r0 = *(fp-8); *(fp-8) = 7; exit — run twice: the second run must not read the 7
  const vm = prepare(program([ldx(8, 0, 10, -8), st(8, 10, -8, 7), exit]));
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
});

t('noUninitStackReads: the frame is not re-zeroed (the caller promised no such reads; this program breaks it to show it)', () => {
  const ops = [ldx(8, 0, 10, -8), st(8, 10, -8, 7), exit];
  const vm = prepare(program(ops), { noUninitStackReads: true });
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 7n);
  // poisoned runs still get their image, and a zeroed run after one starts from zeros
  const p5 = r0Of(vm.run({ packet: pkt(64), poison: 5 }));
  assert.is(r0Of(vm.run({ packet: pkt(64), poison: 5 })), p5);
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
});

t('poisoned and zeroed stacks alternate correctly on a program without stores', () => {
  const vm = prepare(program([ldx(8, 0, 10, -8), exit]));
  const zero = r0Of(vm.run({ packet: pkt(64) }));
  const p5 = r0Of(vm.run({ packet: pkt(64), poison: 5 }));
  assert.is(zero, 0n);
  assert.is.not(p5, 0n);
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
  assert.is(r0Of(vm.run({ packet: pkt(64), poison: 5 })), p5);
  assert.is.not(r0Of(vm.run({ packet: pkt(64), poison: 6 })), p5);
  assert.is(r0Of(vm.run({ packet: pkt(64), poison: 5 })), p5);
});

t('patching a store into a store-free program makes the next runs re-zero the stack', () => {
  const vm = prepare(program([ldx(8, 0, 10, -8), mov(1, K(0)), exit]));
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
  assert.ok(vm.patch(1, { kind: 'st', size: 8, dst: 10, off: -8, imm: 9 }));
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
});

t('reloading a store-free program after one with stores still starts from zeros', () => {
  const vm = prepare(program([stx(8, 10, 1, -8), mov(0, K(0)), exit]));
  vm.run({ packet: pkt(64) }); // fp-8 now holds r1 (the ctx pointer)
  vm.reload(program([ldx(8, 0, 10, -8), exit]).insns);
  assert.is(r0Of(vm.run({ packet: pkt(64) })), 0n);
});

// bpf_xdp_adjust_head(ctx, -8) exposes 8 bytes of headroom: test_run's frame starts zeroed, so
// they must read 0 even after a previous run wrote there; then write 0xff into them.
const headroomProg = program([
  mov(6, R(1)), mov(2, K(-8)), call(44),
  ldx(4, 2, 6, 0), ldx(4, 3, 6, 4), mov(4, R(2)), alu('add', 4, K(8)),
  mov(0, K(99)), jc('jgt', 4, R(3), 3),
  ldx(8, 0, 2, 0), st(8, 2, 0, -1),
  mov(0, R(0)),
  exit,
]);

t('headroom a previous run wrote is zero again, whatever the packet lengths', () => {
  const vm = prepare(headroomProg);
  for (const n of [64, 20, 100, 14, 64]) assert.is(r0Of(vm.run({ packet: pkt(n) })), 0n, `packet of ${n}`);
});

t('a shorter packet after a longer one: the longer one\'s tail is gone (adjust_tail grows into zeros)', () => {
  // r0 = the byte at data + 30 after bpf_xdp_adjust_tail(ctx, +40) on a 20-byte packet
  const vm = prepare(program([
    mov(6, R(1)), mov(2, K(40)), call(65),
    ldx(4, 2, 6, 0), ldx(4, 3, 6, 4), mov(4, R(2)), alu('add', 4, K(31)),
    mov(0, K(99)), jc('jgt', 4, R(3), 1),
    ldx(1, 0, 2, 30),
    exit,
  ]));
  assert.is(r0Of(vm.run({ packet: pkt(100, 0xcd) })), 0xcdn);
  assert.is(r0Of(vm.run({ packet: pkt(20, 0xcd) })), 0n);
});

t('an input refused for its size leaves the packet region and the maps after it intact', () => {
  const vm = prepare(program([mov(0, K(0)), exit], 'xdp', [mapDef(2, 4, 8, 4)]));
  const key = new Uint8Array(4), value = new Uint8Array(8).fill(0x11);
  vm.maps[0].set(key, value);
  vm.saveBaseline();
  vm.run({ packet: pkt(64) });
  assert.throws(() => vm.run({ packet: pkt(5000) }), RangeError);
  vm.run({ packet: pkt(64) });
  assert.equal([...vm.maps[0].get(key)!], [...value]);
});

t('exec: the hot path agrees with run, without a result object', () => {
  const vm = prepare(program([ldx(4, 2, 1, 0), ldx(1, 0, 2, 0), exit]));
  for (const n of [0, 1, 7]) {
    const r = vm.run({ packet: pkt(64, n) });
    assert.ok(vm.exec({ packet: pkt(64, n), borrow: true }));
    assert.is(vm.r0lo, n);
    assert.is((r as { r0lo: number }).r0lo, n);
    assert.is(vm.r0hi, 0);
    assert.equal([...vm.packetView()], [...pkt(64, n)], `run ${n}`);
    assert.equal(vm.lastResult(), r);
  }
  const faulty = prepare(program([ldx(8, 0, 0, 0), exit]));
  assert.is(faulty.exec({ packet: pkt(64) }), false);
  assert.is(faulty.lastResult().kind, 'fault');
});

t.run();
