// Program loading, logs and test runs against the running kernel.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { loadProgram, resolveMapRefs, processedInsns } from '../../src/kernel/load.ts';
import { testRun, runFull64, Full64Runner, wrapFull64, WRAP_SLOTS } from '../../src/kernel/testrun.ts';
import { parseVerifierLog } from '../../src/kernel/log.ts';
import { u32Key } from '../../src/kernel/maps.ts';
import { PSEUDO } from '../../src/isa/opcodes.ts';
import { fromOp } from '../../src/isa/op.ts';
import type { ScalarState } from '../../src/kernel/regstate.ts';
import { alu64, arrayMap, call, exit, hashMap, jmp, lddw, ldMap, ldMapValue, ldx, mov, prog, R, st, stx } from './progs.ts';
import { fdCount } from './util.ts';

const t = suite('kernel/load');
const avail = kernelAvailable();

t('resolveMapRefs rewrites MAP_IDX(_VALUE) to MAP_FD / MAP_VALUE and skips lddw high halves', () => {
  const insns = [...ldMap(1, 1), ...ldMapValue(2, 0, 8), ...lddw(3, 5n), ...exit()];
  const out = resolveMapRefs(insns, [33, 44]);
  assert.equal([out[0].src, out[0].imm], [PSEUDO.MAP_FD, 44]);
  assert.equal([out[2].src, out[2].imm, out[3].imm], [PSEUDO.MAP_VALUE, 33, 8]);
  assert.equal(out[4], insns[4]);
  assert.throws(() => resolveMapRefs(ldMap(1, 2), [3]), /map index 2 out of range/);
});

t('wrapFull64 puts the body after a 5-slot head and shifts function starts', () => {
  const p = wrapFull64(prog('xdp', [mov(0, 1), exit()], [arrayMap('m')]));
  assert.is(p.insns.length, WRAP_SLOTS + 2);
  assert.is(p.maps.length, 2);
  assert.equal(p.funcs.map((f) => f.start), [0, WRAP_SLOTS]);
  assert.equal([p.insns[1].src, p.insns[1].imm], [PSEUDO.MAP_IDX_VALUE, 1]);
});

if (!avail.ok) {
  console.log(`skip: ${avail.reason}`);
} else {
  t('load r0 = 42 at every log level; test_run returns 42', () => {
    for (const logLevel of [0, 1, 2] as const) {
      const r = loadProgram(prog('xdp', [mov(0, 42), exit()]), { logLevel });
      assert.ok(r.ok, r.log);
      assert.is(r.verifiedInsns, 2);
      if (logLevel === 2) assert.match(r.log, /0: \(b7\) r0 = 42 +; R0=42/);
      if (logLevel === 0) assert.is(r.log, '');
      const run = testRun(r.fd!, { data: new Uint8Array(64) });
      assert.ok(run.ok);
      assert.is(run.retval, 42);
      assert.is(run.dataOut?.length, 64);
      r.close();
    }
  });

  t('rejection: errno, the verifier message, maps closed', () => {
    const before = fdCount();
    const r = loadProgram(prog('socket_filter', [mov(0, 5), ldx(8, 0, 0, 0), exit()], [arrayMap('unused')]), { logLevel: 1 });
    assert.not.ok(r.ok);
    assert.is(r.errno, 'EACCES');
    assert.is(parseVerifierLog(r.log).error, "R0 invalid mem access 'scalar'");
    assert.is(r.maps.length, 0);
    assert.ok(fdCount() <= before, `fds: ${fdCount()} after, ${before} before`); // no leak (the runtime may close one of its own meanwhile)
    // log_level 0 + logOnFailure gets the reason with a second load
    const r0 = loadProgram(prog('xdp', [exit()]), { logOnFailure: true });
    assert.is(r0.errno, 'EACCES');
    assert.match(r0.log, /R0 !read_ok/);
    assert.is(processedInsns(r0.log), 1);
  });

  t('malformed program: EINVAL with the kernel reason', () => {
    const r = loadProgram(prog('xdp', [mov(0, 0), ...[jmp('jeq', 0, 0, 5)], exit()]), { logLevel: 1 });
    assert.is(r.errno, 'EINVAL');
    assert.match(r.log, /jump out of range from insn 1 to 7/);
  });

  t('a small log buffer grows until the whole log fits', () => {
    const body = Array.from({ length: 50 }, (_, i) => alu64('add', 0, i));
    const r = loadProgram(prog('xdp', [mov(0, 0), ...body, exit()]), { logLevel: 2, logSize: 64 });
    assert.ok(r.ok, r.errno);
    assert.match(r.log, /^func#0 @0/);
    assert.match(r.log, /processed 52 insns/);
    r.close();
  });

  t('map programs: lookup + write through map_value, final map contents', () => {
    const before = fdCount();
    // key 0 → value[0] += 5 ; also global data map value (MAP_IDX_VALUE) gets 0x77 at offset 8
    const p = prog('xdp', [
      st(4, 10, -4, 0),
      mov(2, R(10)),
      alu64('add', 2, -4),
      ldMap(1, 0),
      call(1),
      jmp('jeq', 0, 0, 3),
      ldx(8, 1, 0, 0),
      alu64('add', 1, 5),
      stx(8, 0, 0, 1),
      ldMapValue(1, 1, 8),
      st(8, 1, 0, 0x77),
      mov(0, 2),
      exit(),
    ], [hashMap('counts', 4, 8, 4), { ...arrayMap('glob', 16), initial: Uint8Array.from({ length: 16 }, (_, i) => i) }]);
    const open = Full64Runner.open(p);
    assert.ok(open.ok);
    if (!open.ok) return;
    const run = open.runner;
    const seeded = new Uint8Array(8);
    new DataView(seeded.buffer).setBigUint64(0, 10n, true);
    assert.ok(run.maps[0].update(u32Key(0), seeded).ok);
    const r1 = run.run({ data: new Uint8Array(20) });
    assert.is(r1.r0, 2n);
    assert.is(r1.retval, 2);
    assert.equal(r1.maps.map((m) => m.name), ['counts', 'glob']);
    assert.is(new DataView(r1.maps[0].entries[0][1].buffer).getBigUint64(0, true), 15n);
    assert.equal([...r1.maps[1].entries[0][1]], [0, 1, 2, 3, 4, 5, 6, 7, 0x77, 0, 0, 0, 0, 0, 0, 0]);
    run.resetMaps();
    const r2 = run.run({ data: new Uint8Array(20) });
    assert.is(r2.maps[0].entries.length, 0, 'hash emptied by reset, lookup misses');
    assert.equal([...r2.maps[1].entries[0][1]].slice(0, 9), [0, 1, 2, 3, 4, 5, 6, 7, 0x77]);
    run.close();
    assert.ok(fdCount() <= before, `fds: ${fdCount()} after, ${before} before`); // no leak (the runtime may close one of its own meanwhile)
  });

  t('runFull64: all 64 bits of r0', () => {
    const before = fdCount();
    for (const v of [0x123456789abcdef0n, 0xffffffff00000000n, 1n << 63n]) {
      const r = runFull64(prog('xdp', [lddw(0, v), exit()]), { data: new Uint8Array(14) });
      assert.ok(r.ok, r.load?.log);
      assert.is(r.r0, v);
      assert.is(r.r0Bits, 64);
      assert.is(r.retval, Number(v & 0xffffffffn));
    }
    // cgroup_skb: the entry's return range (0..1) still holds through the wrapper
    const c = runFull64(prog('cgroup_skb', [mov(0, 1), exit()]), { data: new Uint8Array(64) });
    assert.is(c.r0, 1n);
    const bad = runFull64(prog('cgroup_skb', [mov(0, 7), exit()]), { data: new Uint8Array(64) });
    assert.not.ok(bad.ok);
    assert.match(bad.load!.log, /R0 has smin=7 smax=7 should have been in \[0, 1\]|should have been in/);
    // raw_tracepoint and syscall run with a context only
    const rt = runFull64(prog('raw_tracepoint', [ldx(8, 0, 1, 0), exit()]), { ctx: new Uint8Array(8).fill(0xab) });
    assert.is(rt.r0, 0xababababababababn);
    const sc = runFull64(prog('syscall', [ldx(8, 0, 1, 8), exit()]), { ctx: Uint8Array.from({ length: 16 }, (_, i) => i) });
    assert.is(sc.r0, 0x0f0e0d0c0b0a0908n);
    // LD_ABS cannot live beside bpf-to-bpf calls: the harness falls back to the 32-bit retval
    const abs = runFull64(prog('socket_filter', [mov(6, R(1)), fromOp({ kind: 'ldabs', size: 1, imm: 1 }), exit()]), { data: Uint8Array.from({ length: 20 }, (_, i) => i + 0x40) });
    assert.is(abs.r0Bits, 32);
    // socket_filter (like cgroup_skb and lwt_*) runs with skb->data past the 14-byte Ethernet
    // header (test_run's eth_type_trans pull); sched_cls/act and xdp see the header.
    assert.is(abs.r0, 0x40n + 14n + 1n);
    assert.ok(fdCount() <= before, `fds: ${fdCount()} after, ${before} before`); // no leak (the runtime may close one of its own meanwhile)
  });

  t('XDP output packet and ctx, and the verifier state at an insn', () => {
    const p = prog('xdp', [
      ldx(4, 2, 1, 0),
      ldx(4, 3, 1, 4),
      mov(4, R(2)),
      alu64('add', 4, 14),
      mov(0, 3),
      jmp('jgt', 4, R(3), 1),
      st(1, 2, 0, 0xaa),
      exit(),
    ]);
    const r = loadProgram(p, { logLevel: 2 });
    assert.ok(r.ok, r.log);
    const L = parseVerifierLog(r.log);
    const at4 = L.records.find((x) => x.kind === 'insn' && x.idx === 3);
    assert.is(at4?.kind === 'insn' && at4.state?.regs.get(4)?.kind, 'ptr');
    const run = testRun(r.fd!, { data: new Uint8Array(20) });
    assert.is(run.retval, 3);
    assert.is(run.dataOut![0], 0xaa);
    const short = testRun(r.fd!, { data: new Uint8Array(14) });
    assert.is(short.dataOut![0], 0xaa);
    r.close();
  });

  t('scalar bounds from a real log match the parsed record', () => {
    const r = loadProgram(prog('socket_filter', [ldx(4, 0, 1, 0), alu64('and', 0, 0xf0), exit()]), { logLevel: 2 });
    const L = parseVerifierLog(r.log);
    const rec = L.records.find((x) => x.kind === 'insn' && x.idx === 1);
    const r0 = (rec?.kind === 'insn' ? rec.state?.regs.get(0) : undefined) as ScalarState;
    assert.equal([r0.umin, r0.umax, r0.varOff.value, r0.varOff.mask], [0n, 0xf0n, 0n, 0xf0n]);
    r.close();
  });

  t('no fd leaks across many loads and runs', () => {
    const before = fdCount();
    for (let i = 0; i < 50; i++) {
      const r = runFull64(prog('sched_cls', [mov(0, i), exit()], [arrayMap('x')]), { data: new Uint8Array(32) });
      assert.is(r.r0, BigInt(i));
      const bad = loadProgram(prog('sched_cls', [exit()], [arrayMap('x')]));
      assert.not.ok(bad.ok);
    }
    assert.ok(fdCount() <= before, `fds: ${fdCount()} after, ${before} before`); // no leak (the runtime may close one of its own meanwhile)
  });
}

t.run();
