// The ringbuf reader against the running kernel, and ringbuf_output records in the kernel and
// the interpreter side by side (skipped with the reason when bpf() is unavailable).
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { KernelMap } from '../../src/kernel/maps.ts';
import { drainRingbuf, ringbufRecordBytes, RingbufReader } from '../../src/kernel/ringbuf.ts';
import { Full64Runner } from '../../src/kernel/testrun.ts';
import { prepare } from '../../src/interp/index.ts';
import { MAP_TYPE, type MapDef } from '../../src/isa/program.ts';
import type { Insn } from '../../src/isa/insn.ts';
import { alu64, call, exit, jmp, ldMap, mov, prog, R, st, stx } from './progs.ts';

const t = suite('kernel/ringbuf');
const avail = kernelAvailable();
const RB: MapDef = { name: 'rb', type: MAP_TYPE.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Lines of /proc/self/maps: a leaked mapping adds one. */
/** BPF map mappings of this process (the rest of /proc/self/maps moves with V8's heap). */
const mappings = (): number => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.endsWith('anon_inode:bpf-map')).length;

t('a record takes round8(8 + len) bytes', () => {
  assert.equal([0, 1, 8, 9, 64, 41].map(ringbufRecordBytes), [8, 16, 16, 24, 72, 56]);
});

/** r0 = ringbuf_output(map 0, fp+at, size, flags); r6 += r0. */
const output = (at: number, size: number, flags = 0): Insn[][] => [ldMap(1, 0), mov(2, R(10)), alu64('add', 2, at), mov(3, size), mov(4, flags), call(130), alu64('add', 6, R(0))];
/** fp-64..fp-1 = 8 distinct words. */
const fill: Insn[][] = Array.from({ length: 8 }, (_, i) => st(8, 10, -8 * (i + 1), 0x01010101 * (i + 1)));

/**
 * 56 records of 64 bytes (a counter in the first 8), one of 41 (the ring then holds
 * 56·72 + 56 = 4088 = 4096 - 8 bytes), then a 0-byte record that does not fit (-EAGAIN) and bad
 * flags (-EINVAL): r0 = -33.
 */
const FILL_RING: Insn[][] = [
  ...fill, mov(6, 0), mov(8, 56),
  stx(8, 10, -64, 8), ...output(-64, 64), alu64('sub', 8, 1), jmp('jne', 8, 0, -(2 + 2 + 1 + 1 + 1 + 1 + 1 + 1 + 1)),
  ...output(-64, 41, 1), ...output(-8, 0, 2), ...output(-8, 0, 4), mov(0, R(6)), exit(),
];

if (!avail.ok) {
  console.log(`skip: kernel/ringbuf: ${avail.reason}`);
} else {
  t('an empty ring drains to nothing; mmap and munmap leave no mapping behind', () => {
    const m = KernelMap.create({ type: MAP_TYPE.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096, name: 'rb' });
    if (!m.ok) throw new Error(m.errno);
    const before = mappings();
    const r = RingbufReader.open(m.value.fd, 4096);
    if (!r.ok) throw new Error(r.errno);
    assert.equal(r.value.drain(), []);
    r.value.close();
    r.value.close(); // idempotent
    assert.equal(drainRingbuf(m.value.fd, 4096), { ok: true, value: [] });
    assert.is(mappings(), before);
    assert.throws(() => RingbufReader.open(m.value.fd, 3000), /power-of-2/);
    m.value.close();
  });

  t('a full ring: kernel and interpreter agree on every record and on -EAGAIN, run after run', () => {
    const p = prog('xdp', FILL_RING, [RB]);
    const open = Full64Runner.open(p, { logOnFailure: true });
    if (!open.ok) throw new Error(`load failed: ${open.load.error ?? open.load.log}`);
    const rb = RingbufReader.open(open.runner.maps[0].fd, 4096);
    if (!rb.ok) throw new Error(rb.errno);
    const vm = prepare(p);
    try {
      // the second and third runs start at position 4088: their records wrap past the end
      for (let run = 0; run < 3; run++) {
        const k = open.runner.run({ data: new Uint8Array(14) });
        const records = rb.value.drain().map(hex);
        const ours = vm.run({ packet: new Uint8Array(14) });
        if (ours.kind !== 'exit') throw new Error(ours.message);
        assert.is(k.r0, BigInt.asUintN(64, -33n));
        assert.is(ours.r0, k.r0);
        assert.is(records.length, 57);
        assert.is(records[0].slice(0, 16), '3800000000000000'); // the counter, 56 first
        assert.equal(ours.output.map((o) => (o.kind === 'ringbuf' ? hex(o.data) : o.kind)), records);
      }
    } finally {
      rb.value.close();
      open.runner.close();
    }
  });

  t('discarded records are skipped; submitted ones read back', () => {
    // r0 = ringbuf_reserve(rb, 16, 0); if r0 == 0 goto out; *(u64 *)r0 = tag; submit or discard
    const reserve = (tag: number, helper: 132 | 133): Insn[][] => [
      ldMap(1, 0), mov(2, 16), mov(3, 0), call(131), jmp('jeq', 0, 0, 5), st(8, 0, 0, tag), st(8, 0, 8, tag + 1), mov(1, R(0)), mov(2, 0), call(helper),
    ];
    const p = prog('xdp', [...reserve(7, 133), ...reserve(9, 132), ...reserve(11, 133), mov(0, 0), exit()], [RB]);
    const open = Full64Runner.open(p, { logOnFailure: true });
    if (!open.ok) throw new Error(`load failed: ${open.load.error ?? open.load.log}`);
    try {
      open.runner.run({ data: new Uint8Array(14) });
      const r = drainRingbuf(open.runner.maps[0].fd, 4096);
      assert.equal(r.ok && r.value.map(hex), ['09000000000000000a00000000000000']);
      assert.equal(drainRingbuf(open.runner.maps[0].fd, 4096), { ok: true, value: [] }); // consumed
    } finally {
      open.runner.close();
    }
  });
}

t.run();
