// The verifier model against the kernel: recorded verdicts and per-instruction register states
// of near-miss programs (no root needed), the saved fixture logs, and the differences the
// fuzzer found, each pinned with the running 6.18 kernel's own log lines.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { replayVerifier, stateAgreement } from '../../fuzz/verifier/run.ts';
import { compareStates, decodePaths, encodePaths, pathKeys } from '../../fuzz/verifier/states.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { logPaths } from '../../src/kernel/log.ts';
import { bareProgram } from '../../src/isa/program.ts';
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

t.run();
