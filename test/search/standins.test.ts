// The optimizer's stand-in for bpf_fib_lookup (src/search/standins.ts): a deterministic function
// of the bytes the kernel reads, succeeding on some inputs and failing on others, so the tests
// of a program calling it run past the call instead of faulting (where every candidate that
// faults too would pass them).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { readObject } from '../../src/isa/object.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { prepare } from '../../src/interp/index.ts';
import { STAND_INS } from '../../src/search/standins.ts';
import { makeTests } from '../../src/search/tests.ts';
import { rng } from '../../src/search/chain.ts';

const t = suite('search/standins');

/**
 * XDP: zero a bpf_fib_lookup at fp-64, family FAMILY, ipv4_dst and the byte after tos from the
 * packet's first 4 bytes and byte 4, then the lookup with plen PLEN: on success 100 + ifindex,
 * else the helper's return value.
 */
const program = (family: number, plen = 64) => bareProgram(assemble(`
r6 = r1
r7 = *(u32 *)(r6 + 0)
r8 = *(u32 *)(r6 + 4)
r0 = r7
r0 += 5
if r0 > r8 goto +22
r3 = 0
*(u64 *)(r10 - 64) = r3
*(u64 *)(r10 - 56) = r3
*(u64 *)(r10 - 48) = r3
*(u64 *)(r10 - 40) = r3
*(u64 *)(r10 - 32) = r3
*(u64 *)(r10 - 24) = r3
*(u64 *)(r10 - 16) = r3
*(u64 *)(r10 - 8) = r3
*(u8 *)(r10 - 64) = ${family}
r3 = *(u32 *)(r7 + 0)
*(u32 *)(r10 - 32) = r3
r3 = *(u8 *)(r7 + 4)
*(u8 *)(r10 - 51) = r3
r1 = r6
r2 = r10
r2 += -64
r3 = ${plen}
r4 = 0
call 69
if r0 != 0 goto +3
r0 = *(u32 *)(r10 - 56)
r0 += 100
exit
exit`).insns, 'xdp');

const run = (vm: ReturnType<typeof prepare>, packet: Uint8Array): number => {
  const r = vm.run({ packet });
  assert.is(r.kind, 'exit', r.kind === 'fault' ? r.message : '');
  return r.kind === 'exit' ? Number(BigInt.asIntN(64, r.r0)) : NaN;
};

const packet = (i: number, extra = 0): Uint8Array => Uint8Array.from([10, 0, i >> 8, i & 0xff, extra, ...new Array(59).fill(0)]);

t('without the stand-in the call faults; with it, both outcomes, decided by the bytes the kernel reads', () => {
  const p = program(2);
  const bare = prepare(p);
  assert.is(bare.run({ packet: packet(1) }).kind, 'fault');
  const vm = prepare(p, { standIns: STAND_INS });
  const seen = new Set<number>();
  for (let i = 0; i < 64; i++) {
    const a = run(vm, packet(i));
    assert.is(run(vm, packet(i)), a, 'deterministic');
    // byte 13 (the tos union past tos) is not read for IPv4
    assert.is(run(vm, packet(i, 0x5a)), a, 'unread bytes do not matter');
    assert.ok((a >= 100 && a <= 103) || (a >= 1 && a <= 8), `result ${a}`);
    seen.add(a >= 100 ? 100 : 1);
  }
  assert.equal([...seen].sort((x, y) => x - y), [1, 100], 'successes and failures');
});

t('kernel argument errors: plen below sizeof(struct bpf_fib_lookup), an unknown family', () => {
  assert.is(run(prepare(program(2, 63), { standIns: STAND_INS }), packet(1)), -22, '-EINVAL');
  assert.is(run(prepare(program(3), { standIns: STAND_INS }), packet(1)), -97, '-EAFNOSUPPORT');
  const v6 = prepare(program(10), { standIns: STAND_INS });
  assert.ok(run(v6, packet(1)) >= 0, 'AF_INET6 is looked up');
});

t("xdp_fwd's tests no longer fault in the original (18 did before the stand-in)", () => {
  const p = readObject(new Uint8Array(readFileSync('corpus/k2/xdp_fwd_kern.o'))).link(undefined, { type: 'xdp' });
  const faults = (standIns?: typeof STAND_INS): number =>
    makeTests(prepare(p, standIns ? { standIns } : {}), p, rng(1)).flatMap((g) => g.expected).filter((o) => !o.ok).length;
  assert.ok(faults() > 0, 'without: the tests stop at the call');
  assert.is(faults(STAND_INS), 0);
});

t.run();
