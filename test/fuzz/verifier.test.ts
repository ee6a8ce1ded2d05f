// The verifier model against the kernel: recorded verdicts and per-instruction register states
// of near-miss programs (no root needed), the saved fixture logs, and the differences the
// fuzzer found, each pinned with the running 6.18 kernel's own log lines.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { programOf, replayVerifier, stateAgreement } from '../../fuzz/verifier/run.ts';
import { compareStates, decodePaths, encodePaths, pathKeys } from '../../fuzz/verifier/states.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { logPaths } from '../../src/kernel/log.ts';
import { bareProgram, type MapDef } from '../../src/isa/program.ts';
import { insn, decodeBytes } from '../../src/isa/insn.ts';
import { assemble } from '../../src/isa/asm.ts';
import { FIXTURE_PROGRAMS } from '../kernel/fixture-progs.ts';

const t = suite('fuzz/verifier');

const asm = (src: string) => bareProgram(assemble(src.replace(/;\s*/g, '\n')).insns, 'xdp');
const modelLog = (src: string) => verify(asm(src), { states: true }).log!;
/** The model's log has the kernel's line (instruction lines compared up to the state, spacing aside). */
const hasLine = (log: string[], line: string) => log.some((l) => l.replace(/ +;/, ' ;') === line.replace(/ +;/, ' ;'));

t('recorded programs: verdicts agree, and where both accept every printed register state agrees', () => {
  const r = replayVerifier('corpus/traces/verifier.jsonl.gz', { quickLimit: 20_000, keepDiffs: 5 });
  const diffs = r.diffs.map((d) => `insn ${d.pc} R${d.reg} ${d.where}: kernel ${d.kernel}, model ${d.model}`).join('\n');
  assert.ok(r.programs >= 6000);
  assert.is(r.falseAccepts, 0, r.examples.join('\n'));
  assert.is(r.falseRejects, 0, r.examples.join('\n'));
  assert.ok(r.programsWithStates >= 2000, `${r.programsWithStates} programs with states`);
  assert.ok(r.statesCompared >= 500_000, `${r.statesCompared} states compared`);
  assert.ok(stateAgreement(r) >= 0.999, `${r.stateMismatches} of ${r.statesCompared} differ:\n${diffs}`);
  assert.ok(r.statesUncompared < r.statesCompared / 1000, `${r.statesUncompared} not compared`);
  assert.ok(r.countDiffs / r.programs < 0.01, `${r.countDiffs} processed-count differences`);
});

t('fixture logs (6.18): the model has every printed state, path by path', () => {
  for (const [name, prog] of Object.entries(FIXTURE_PROGRAMS)) {
    const log = readFileSync(new URL(`../kernel/fixtures/${name}.log`, import.meta.url), 'utf8');
    const kernel = logPaths(log);
    assert.is(encodePaths(decodePaths(encodePaths(kernel))), encodePaths(kernel), name);
    const s = compareStates(prog, decodePaths(encodePaths(kernel)), verify(prog, { trace: true }).trace!);
    assert.ok(s.compared > 0, name);
    assert.is(s.equal, s.compared, `${name}: ${JSON.stringify(s.diffs)}`);
    assert.is(s.uncompared, 0, name);
  }
});

t('paths are named by where they were pushed, not by their order', () => {
  // 0: if r1 > 1 goto 2 (pushes 0→2); 1: exit-path … the pushes of one path pop in reverse order
  const insns = [insn(0x25, 1, 0, 1, 1), insn(0x25, 2, 0, 1, 1), insn(0x95)];
  const a = [{ from: -1, to: 0, pcs: [0, 1, 2] }, { from: 1, to: 3, pcs: [] }, { from: 0, to: 2, pcs: [2] }];
  const k = pathKeys(a, insns);
  assert.is(k[0], 'root');
  assert.is.not(k[1], k[2]);
  // the same pops with an extra (pruned-away) path in between keep their names
  const b = [a[0], a[1], { from: 1, to: 3, pcs: [] }, a[2]];
  const kb = pathKeys(b, insns);
  assert.is(kb[1], k[1]);
  assert.is(kb[3], k[2]);
  assert.ok(kb[2].startsWith('u1>3'));
});

t('regression: 6.18 syncs linked scalars only into live registers', () => {
  // r5 dead after the jump: it keeps its range on the taken edge (kernel log lines)
  const dead = modelLog('call 7; r5 = r0; r5 &= 255; r6 = r5; if r6 == 17 goto +2; r0 = 0; exit; r0 = r6; exit');
  assert.ok(hasLine(dead, 'from 4 to 7: R0=scalar(id=1) R5=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)) R6=17 R10=fp0'), dead.join('\n'));
  const live = modelLog('call 7; r5 = r0; r5 &= 255; r6 = r5; if r6 == 17 goto +2; r0 = r5; exit; r0 = r6; exit');
  assert.ok(hasLine(live, 'from 4 to 7: R0=scalar(id=1) R5=17 R6=17 R10=fp0'), live.join('\n'));
  // spilled copies are always synced
  const spill = modelLog('call 7; r6 = r0; r6 &= 255; r7 = r6; *(u64 *)(r10 - 8) = r6; if r7 == 17 goto +2; r0 = 0; exit; r0 = r7; exit');
  assert.ok(hasLine(spill, 'from 5 to 8: R0=scalar(id=1) R6=scalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)) R7=17 R10=fp0 fp-8=17'), spill.join('\n'));
});

t('regression: a packet pointer moved by a constant loses the pkt_end markers, keeps a real range (the false accept of a 100k live run)', () => {
  const head = 'r2 = *(u32 *)(r1 + 4); r1 = *(u32 *)(r1 + 0); r3 = r1; r3 += 14; if r3 > r2 goto +2; r0 = 0; exit;';
  assert.ok(hasLine(modelLog(`${head} r3 += 8; r0 = 0; exit`), '7: (07) r3 += 8 ; R3=pkt(off=22,r=0)'));
  assert.ok(hasLine(modelLog(`${head} r4 = 4; r3 -= r4; r0 = 0; exit`), '8: (1f) r3 -= r4 ; R3=pkt(off=10,r=0) R4=4'));
  assert.ok(hasLine(modelLog(`${head} r4 = r3; r0 = 0; exit`), '7: (bf) r4 = r3 ; R3=pkt(off=14,r=0xfffffffffffffffe) R4=pkt(off=14,r=0xfffffffffffffffe)'));
  const kept = modelLog('r2 = *(u32 *)(r1 + 4); r1 = *(u32 *)(r1 + 0); r3 = r1; r3 += 14; if r3 > r2 goto +3; r3 += 8; r0 = 0; exit; r0 = 0; exit');
  assert.ok(hasLine(kept, '5: (07) r3 += 8 ; R3=pkt(off=22,r=14)'), kept.join('\n'));
  // the mutant of xdp_parse_drop: a scalar reached a load only through the jump that keeps the marker
  const v = verify(bareProgram(decodeBytes(Buffer.from(FA_PKT_MARKER, 'hex')), 'xdp'), {});
  assert.is(v.ok ? '' : v.error?.message ?? '', "R3 invalid mem access 'scalar'");
});

const FA_PKT_MARKER = 'b70000000100000061120400000000006113000000000000bf31000000000000070100000e0000002d213d000000000071350c000000000071340d000000000067040000080000004f5400000000000015040100810000005504040088a80000bf3100000000000007010000120000002d21340000000000693410000000000015040f0086dd0000b7000000020000005504300008000000bf130000000000000703000014000000b7000000010000002d232c00000000007114000000000000570400000f000000b7030000050000002d210e00000000006704000002000000bf130000000000000f4300000000000007010000090000000500040000000000bf1300000000000007030000280000002d232000000000000701000006000000711100000000000015010c0006000000b70000000200000055011b0011000000bf310000000000000701000008000000b7000000010000002d211700000000006931020000000000dc0100001000000065010c006e0000001501130009000000150112001300000005000c0000000000bf3100000000000007010000140000002d210e00000000006931020000000000dc01000010000000650107006e00000015010a000900000015010900130000000500070000000000150107006f000000150106006c07000015010500cb2b00000500030000000000150103006f000000150102006c07000015010100cb2b0000b7000000020000009500000000000000';

t('regression: a comparison of a register with itself refines it as both operands', () => {
  const w = modelLog('call 7; r1 = r0; if w1 s>= w1 goto +2; r0 = r1; exit; r0 = 0; exit');
  assert.ok(hasLine(w, '2: (7e) if w1 s>= w1 goto pc+2 ; R1=scalar(id=1,smin32=0x80000001,smax32=0x7ffffffe)'), w.join('\n'));
  const lt = modelLog('call 7; r1 = r0; r1 &= 1; r1 += 3; if r1 < r1 goto +2; r0 = 0; exit; r0 = r1; exit');
  assert.ok(hasLine(lt, 'from 4 to 7: R0=scalar(id=1) R1=4 R10=fp0'), lt.join('\n'));
});

t('regression: a 32-bit copy of a pointer is an unknown zero-extended scalar', () => {
  const l = modelLog('r6 = *(u32 *)(r1 + 0); w3 = (s8)w6; r0 = r3; exit');
  assert.ok(hasLine(l, '1: (bc) w3 = (s8)w6 ; R3=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)) R6=pkt(r=0)'), l.join('\n'));
});

t('regression: 1- and 2-byte load-acquire / store-release are accepted (aligned), other narrow atomics are not', () => {
  const run = (x: ReturnType<typeof insn>) => verify(bareProgram([insn(0xb7, 0, 0, 0, 0), insn(0x7b, 10, 0, -8, 0), x, insn(0x95)], 'xdp'));
  assert.is(run(insn(0xd3, 1, 10, -8, 0x100)).ok, true); // r1 = load_acquire((u8 *)(r10 -8))
  assert.is(run(insn(0xcb, 10, 0, -8, 0x110)).ok, true); // store_release((u16 *)(r10 -8), r0)
  assert.is(run(insn(0xcb, 10, 0, -7, 0x110)).error?.message, 'misaligned stack access off 0+0+-7 size 2');
  assert.is(run(insn(0xd3, 10, 0, -8, 0)).error?.message, 'invalid atomic operand size');
});

t('regression: xdp_md.egress_ifindex is not readable by a plain XDP program (6.18: devmap programs only)', () => {
  const v = verify(asm('r0 = *(u32 *)(r1 + 20); exit'));
  assert.is(v.error?.message, 'invalid bpf_context access off=20 size=4');
  assert.is(verify(asm('r0 = *(u32 *)(r1 + 16); exit')).ok, true);
});

t('regression: bpf_get_cgroup_classid takes the skb in tc programs and no argument elsewhere; get_route_realm is tc only', () => {
  const run = (type: 'xdp' | 'sched_cls' | 'tracepoint', src: string) => verify(bareProgram(assemble(src.replace(/;\s*/g, '\n')).insns, type));
  assert.is(run('tracepoint', 'r1 = 0; call 17; r0 = 0; exit').ok, true);
  assert.is(run('xdp', 'r1 = 0; call 17; r0 = 0; exit').ok, true);
  assert.is(run('sched_cls', 'r1 = 0; call 17; r0 = 0; exit').error?.message, 'R1 type=scalar expected=ctx');
  assert.is(run('sched_cls', 'call 17; r0 = 0; exit').ok, true);
  assert.is(run('sched_cls', 'call 24; r0 = 0; exit').ok, true);
  assert.is(run('xdp', 'call 24; r0 = 0; exit').error?.message, 'program of this type cannot use helper bpf_get_route_realm#24');
});

t('regression: a map reference to a missing map rejects the program even where it is never reached', () => {
  // 0: r0 = 0; 1: if r0 == 1 goto 3 (never taken); 2: exit; 3: r1 = map_value(map 2); 5: exit
  const v = verify(bareProgram([insn(0xb7, 0, 0, 0, 0), insn(0x15, 0, 0, 1, 1), insn(0x95), insn(0x18, 1, 6, 0, 2), insn(0, 0, 0, 0, 0), insn(0x95)], 'xdp'));
  assert.is(v.ok, false);
  assert.is(v.error?.index, 3);
});

t('regression: `call; if r0 s>= r0 goto +1` explores the fall-through, as 6.18 does', () => {
  const bad = insn(0xcc, 1, 2, 5, 0); // ALU with a reserved field set
  const v = verify(bareProgram([insn(0x85, 0, 0, 0, 7), insn(0x7d, 0, 0, 1, 0), bad, insn(0x95)], 'xdp'));
  assert.is(v.ok, false);
  assert.is(v.error?.message, 'BPF_ALU uses reserved fields');
});

t('regression: processed counts of generated programs with helper calls and many spills equal the kernel\'s', () => {
  // generated programs (fuzz verifier --seed 11), the kernel's `processed N insns`
  const map = (name: string, type: number, keySize: number, valueSize: number, maxEntries: number): MapDef => ({ name, type, keySize, valueSize, maxEntries, flags: 0 });
  const found: { source: string; processed: number; maps: MapDef[]; code: string }[] = [
  // 41 history entries (44 spills) force a checkpoint at 72: then one at 81 prunes 77->81
  { source: 'gen:raw_tracepoint', processed: 82, maps: [map('arr', 2, 4, 16, 4), map('hash', 1, 4, 16, 8), map('rb', 27, 0, 0, 4096)],
    code: 'bf19000000000000b706000000000000b7070000000000007a0af8ff000000007a0af0ff000000007a0ae8ff000000007a0ae0ff000000007a0ad8ff000000007a0ad0ff000000007a0ac8ff000000007a0ac0ff000000007a0ab8ff000000007a0ab0ff000000007a0aa8ff000000007a0aa0ff000000007a0aa0fe000000007a0aa8fe000000007a0ab0fe000000007a0ab8fe000000007a0ac0fe000000007a0ac8fe000000007a0ad0fe000000007a0ad8fe000000007a0ae0fe000000007a0ae8fe000000007a0af0fe000000007a0af8fe000000007a0a00ff000000007a0a08ff000000007a0a10ff000000007a0a18ff000000007a0a20ff000000007a0a28ff000000007a0a30ff000000007a0a38ff000000007a0a40ff000000007a0a48ff000000007a0a50ff000000007a0a58ff000000007a0a60ff000000007a0a68ff000000007a0a70ff000000007a0a78ff000000007a0a80ff000000007a0a88ff000000007a0a90ff000000007a0a98ff00000000b7000000da9db1c9b7010000e973550bb7020000f5ffffffb703000003000000b704000079379314b705000005000000b7080000000000007995400000000000b704000000000000b70300000000000018510000020000000000000000000000bfa200000000000007020000e0ffffff8500000082000000b708000000000000b7010000f8ffffffb7020000f7ffffffb7030000f6ffffffb7040000f8ffffffb7050000f3ffffff69a3ecff000000009f0400000000000018040000c94b2abb000000002cea627855020100186e08f80500030000000000d401000040000000440200000080000064020000010000001e000300000000005f020000000000006700000026000000bf3110000000000061a5e0ff0000000079945000000000009500000000000000' },
  // csum_diff size arguments: precision backtracked from before the call, 53->55 pruned
  { source: 'gen:xdp', processed: 75, maps: [map('arr', 2, 4, 16, 4), map('hash', 1, 4, 16, 8), map('rb', 27, 0, 0, 4096)],
    code: 'bf19000000000000619600000000000061970400000000007a0af8ff000000007a0af0ff000000007a0ae8ff000000007a0ae0ff000000007a0ad8ff000000007a0ad0ff000000007a0ac8ff000000007a0ac0ff000000007a0ab8ff000000007a0ab0ff000000007a0aa8ff000000007a0aa0ff00000000b7000000f6ffffffb701000080000000b7020000ea0ceee6b703000005000000b7040000ffffffffb7050000fdffffffb708000000000000bfa100000000000007010000c0ffffffb702000004000000bfa300000000000007030000e0ffffffb704000000000000b7050000fcffffff850000001c000000b7010000fbffffffb7020000d55930b6b7030000ffffffffb704000005000000b7050000fcffffffbf68000000000000070800000e0000002d7801000000000073560d0000000000b708000000000000620ab8ff05000000bfa200000000000007020000b8ffffff185100000100000000000000000000008500000003000000b708000000000000b701000007000000b70200000b000000b7030000fdffffffb704000014000000b7050000e1e094ae3f500000000000004e010100000000000c12000000000000c5040200fcffffffaf11000000000000cc32000000000000180000006170713b00000000cedf80720403000017916598bfa100000000000007010000c0ffffffb702000000000000bfa300000000000007030000e0ffffffb704000004000000b705000017000080850000001c000000b7010000d347dd1eb702000000000080b7030000fd9587a1b7040000f5ffffffb7050000f7ffffff9500000000000000' },
  // an atomic add and an atomic fetch-add on the stack walked over by the precision walk: 55->57 pruned
  { source: 'gen:raw_tracepoint', processed: 63, maps: [map('arr', 2, 4, 16, 4), map('hash', 1, 4, 16, 8), map('rb', 27, 0, 0, 4096)],
    code: 'bf19000000000000b706000000000000b7070000000000007a0af8ff000000007a0af0ff000000007a0ae8ff000000007a0ae0ff000000007a0ad8ff000000007a0ad0ff000000007a0ac8ff000000007a0ac0ff000000007a0ab8ff000000007a0ab0ff000000007a0aa8ff000000007a0aa0ff00000000b700000000800000b701000020000000b70200009213a1beb70300009c30f3d6b704000000000080b70500004d7ed24eb708000000000000620ab8ff00000000bfa200000000000007020000b8ffffff185100000100000000000000000000008500000001000000150002000000000062000c0020000000db80000000000000b700000020000000b708000000000000b7010000d17587b4b7020000f7ffffffb703000000000080b704000000000000b705000010507ab818010000e1b345fe00000000db84030261a0c0ff000000005d240400000000004f04000000000000180200001ebc7805000000000cb508fcd704000010000000d402000040000000851000000f000000b7010000ffffff7fb702000007000000b703000040000000b7040000ff000000b7050000f3ffffff7a0ae0fffeffffff37050100c446f5ea16050100ffffff7f1c23000000000000c35adcff00000000160102003f000000d701000020000000d704000040000000c35ae0ff010000009500000000000000bf100000000000002700000003000000af200000000000009500000000000000' },
  // a constant map key from a narrow (4-byte) spill: precision stops at the store
  { source: 'gen:socket_filter', processed: 72, maps: [map('arr', 2, 4, 16, 4), map('hash', 1, 4, 16, 8), map('ret', 2, 4, 8, 1), map('rb', 27, 0, 0, 4096)],
    code: 'bf19000000000000bf16000000000000b7070000000000007a0af8ff000000007a0af0ff000000007a0ae8ff000000007a0ae0ff000000007a0ad8ff000000007a0ad0ff000000007a0ac8ff000000007a0ac0ff000000007a0ab8ff000000007a0ab0ff000000007a0aa8ff000000007a0aa0ff00000000b700000038d1542cb7010000f4ffffffb7020000ebffffffb70300000f000000b704000009000000b705000001000000b70800000000000079a3f0ff000000000700000000000080ce5401000000000097020000ffffff7f620ab8ff00000000bfa200000000000007020000b8ffffff185100000000000000000000000000008500000001000000150002000000000062000c005272958cdb80000000000000b70000005272958cb708000000000000b70100002dafe719b7020000a8158d26b7030000f1ffffffb704000000800000b7050000c962e08b61953000000000007c04000000000000de4101000000000044010000ffffffffdd41030000000000cc2200000000000097040000ecba630d04010000dead9f88bf91000000000000b702000055000000bfa300000000000007030000a0ffffffb704000002000000850000001a000000b7010000f6ffffffb7020000f1ffffffb7030000f3ffffffb70400000e000000b70500001000000069a4a0ff00000000186100000200000000000000000000007b010000000000009500000000000000' },
  ];
  for (const f of found) assert.is(verify(programOf(f)).processed, f.processed, f.source);
});

t.run();
