// An XDP packet may be copied into the machine only when a run first touches it
// (src/interp/packet.ts, Machine.pendingPkt): a reused machine must give what a fresh one gives, through
// run(), exec() + packetView(), helpers that move the packet, and a window run that places packet
// bytes itself.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { prepare, type RunResult } from '../../src/interp/index.ts';
import { execute } from '../../src/interp/vm.ts';
import { REGION_PKT } from '../../src/interp/layout.ts';
import { call, exit, K, ldx, mov, program, st, alu } from './util.ts';
import type { Op } from '../../src/isa/op.ts';

const t = suite('interp/lazy-packet');
const view = (r: RunResult) => (r.kind === 'exit' ? { r0: r.r0, n: r.insnCount, pkt: Array.from(r.packet) } : { fault: r.reason, n: r.insnCount });

const BPF_FUNC_xdp_adjust_head = 44;
/** Programs that touch the packet never, by a load, by a store, or only through a helper. */
const PROGRAMS: Record<string, Op[]> = {
  untouched: [mov(0, K(2)), exit],
  load: [ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), mov(0, K(0)), mov(4, { reg: 2 }), alu('add', 4, K(3)), { kind: 'jcond', op: 'jgt', width: 64, dst: 4, src: { reg: 3 }, off: 1 }, ldx(1, 0, 2, 2), exit],
  store: [ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), mov(0, K(1)), mov(4, { reg: 2 }), alu('add', 4, K(2)), { kind: 'jcond', op: 'jgt', width: 64, dst: 4, src: { reg: 3 }, off: 1 }, st(2, 2, 0, 0x1234), exit],
  // grow the head by 4 bytes, then read what is now at data + 4 (the old first byte)
  helper: [mov(6, { reg: 1 }), mov(2, K(-4)), call(BPF_FUNC_xdp_adjust_head), ldx(4, 2, 6, 0), ldx(4, 3, 6, 4), mov(0, K(0)), mov(4, { reg: 2 }), alu('add', 4, K(5)), { kind: 'jcond', op: 'jgt', width: 64, dst: 4, src: { reg: 3 }, off: 1 }, ldx(1, 0, 2, 4), exit],
};

t('a program that never touches the packet returns it unchanged, through run() and exec()', () => {
  const vm = prepare(program(PROGRAMS.untouched));
  const p = Uint8Array.from({ length: 60 }, (_, i) => i + 1);
  const r = vm.run({ packet: p });
  assert.ok(r.kind === 'exit');
  if (r.kind === 'exit') assert.equal(Array.from(r.packet), Array.from(p));
  assert.ok(vm.exec({ packet: p }));
  assert.equal(Array.from(vm.packetView()), Array.from(p));
  const last = vm.lastResult();
  assert.ok(last.kind === 'exit' && last.packet.length === 60);
});

t('the helper sees the packet of this run, not the previous one', () => {
  const vm = prepare(program(PROGRAMS.helper));
  const a = new Uint8Array(64).fill(0xaa), b = new Uint8Array(64).fill(0xbb);
  const ra = vm.run({ packet: a }), rb = vm.run({ packet: b });
  assert.ok(ra.kind === 'exit' && rb.kind === 'exit');
  if (ra.kind === 'exit' && rb.kind === 'exit') {
    assert.is(ra.r0, 0xaan);
    assert.is(rb.r0, 0xbbn);
    assert.equal(Array.from(rb.packet.subarray(0, 4)), [0, 0, 0, 0]); // the grown head
    assert.is(rb.packet.length, 68);
  }
});

t('a window run that places packet bytes itself is not overwritten by a deferred packet', () => {
  const vm = prepare(program(PROGRAMS.load));
  const m = vm.machine;
  assert.ok(vm.exec({ packet: new Uint8Array(64).fill(7) })); // reads byte 2
  assert.ok(vm.exec({ packet: new Uint8Array(64).fill(9) }));
  assert.is(vm.r0lo, 9);
  // as window-states does: bytes into the arena, then the bounds, then the loop directly
  // (with xdp_md fields given, setup takes the general path, which always defers the copy)
  vm.machine.setup({ packet: new Uint8Array(64).fill(3), xdp: {} }); // leaves a deferred packet of 3s
  m.u8.fill(5, m.rBase[REGION_PKT] + 256, m.rBase[REGION_PKT] + 256 + 64);
  m.setPacket(256, 256, 320);
  assert.is(execute(m, 0), 0);
  assert.is(m.RL[0], 5);
});

t('property: a reused machine agrees with a fresh one on any sequence of packets', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.keys(PROGRAMS)),
      fc.array(fc.uint8Array({ minLength: 0, maxLength: 80 }), { minLength: 1, maxLength: 6 }),
      fc.boolean(),
      fc.boolean(),
      (name, packets, viaExec, withFields) => {
        // xdp_md fields send setup down its general path, without them the common one; both
        // defer the copy until a run of the code has copied the packet in (copyAtSetup)
        const input = (p: Uint8Array) => (withFields ? { packet: p, xdp: { rx_queue_index: 0 } } : { packet: p });
        const reused = prepare(program(PROGRAMS[name]));
        for (const p of packets) {
          const fresh = view(prepare(program(PROGRAMS[name])).run(input(p.slice())));
          let got;
          if (viaExec) {
            reused.exec(input(p));
            got = view(reused.lastResult());
          } else got = view(reused.run(input(p)));
          assert.equal(got, fresh, `${name} on ${p.length} bytes`);
        }
      },
    ),
    { numRuns: 300, seed: 20 },
  );
});

t.run();
