// The interpreter against the kernel: recorded test_run answers (xdp, tc, socket_filter with
// LD_ABS, raw_tracepoint; trace_printk messages) replay without root; a bounded live run when
// bpf() works; and the comparison catches a wrong answer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecord, fuzzInterp, replayInterp, type InterpRecord } from '../../fuzz/interp/run.ts';
import { readRecording } from '../../fuzz/record.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { decodeBytes } from '../../src/isa/insn.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { parseTrace } from '../../fuzz/interp/tracefs.ts';

const t = suite('fuzz/interp');
const REC = 'corpus/traces/interp.jsonl.gz';
const RECS = readRecording<InterpRecord>(REC); // read once: 20,000 programs

t('recorded kernel runs: 0 mismatches', () => {
  const r = replayInterp(RECS);
  assert.ok(r.programs >= 20000 && r.runs >= 29000, `${r.programs} programs, ${r.runs} runs`);
  assert.is(r.rejected, 0);
  assert.is(r.mismatches, 0, r.examples.join('\n'));
  assert.ok(r.printkRuns >= 1000, `printk compared in ${r.printkRuns} runs`);
});

/** The instructions of a recorded program, as decoded ops. */
const opsOf = (rec: InterpRecord): Op[] => toOps(decodeBytes(new Uint8Array(Buffer.from(rec.code, 'hex')))).filter((o): o is Op => o !== null);

t('recordings cover every program type and instruction group, LD_ABS/LD_IND and printk', () => {
  const recs = RECS;
  const types = new Set(recs.map((r) => r.type ?? 'xdp'));
  assert.equal([...types].sort(), ['raw_tracepoint', 'sched_cls', 'socket_filter', 'xdp']);
  const seen = new Set<string>();
  for (const rec of recs.filter((_, i) => i % 5 === 0)) {
    for (const op of opsOf(rec)) {
      if (op.kind === 'alu') seen.add(`alu${op.width} ${op.op}`);
      else if (op.kind === 'jcond') seen.add(`jmp${op.width} ${op.op}`);
      else if (op.kind === 'atomic') seen.add(`atomic${op.size * 8} ${op.op}${op.fetch ? ' fetch' : ''}`);
      else if (op.kind === 'ldx' || op.kind === 'st' || op.kind === 'stx') seen.add(`${op.kind}${op.size * 8}${op.kind === 'ldx' && op.signed ? 's' : ''}`);
      else if (op.kind === 'ldabs' || op.kind === 'ldind') seen.add(`${op.kind}${op.size * 8}`);
      else if (op.kind === 'end') seen.add(`${op.order}${op.bits}`);
      else if (op.kind === 'ja') seen.add(op.long ? 'gotol' : 'ja');
      else if (op.kind === 'call') seen.add(`call ${op.callKind}${op.callKind === 'helper' ? ` ${op.imm}` : ''}`);
      else seen.add(op.kind);
    }
  }
  const want = [
    ...['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'neg', 'mov', 'movsx'].flatMap((o) => [`alu64 ${o}`, `alu32 ${o}`]),
    ...['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'].flatMap((o) => [`jmp64 ${o}`, `jmp32 ${o}`]),
    ...['add', 'or', 'and', 'xor'].flatMap((o) => [`atomic64 ${o}`, `atomic32 ${o} fetch`]), 'atomic64 xchg fetch', 'atomic32 cmpxchg fetch',
    'atomic64 load_acq', 'atomic32 store_rel',
    'ldx8', 'ldx16', 'ldx32', 'ldx64', 'ldx8s', 'ldx16s', 'ldx32s', 'st8', 'st64', 'stx16', 'stx32',
    'ldabs8', 'ldabs16', 'ldabs32', 'ldind8', 'ldind16', 'ldind32', 'le16', 'be32', 'swap64', 'ja', 'gotol', 'lddw', 'exit',
    'call local', 'call helper 1', 'call helper 2', 'call helper 3', 'call helper 6', 'call helper 26', 'call helper 28',
  ];
  assert.equal(want.filter((x) => !seen.has(x)), []);
  const msgs = recs.flatMap((r) => r.runs.flatMap((x) => x.printk ?? []));
  assert.ok(msgs.length >= 1000 && msgs.some((m) => m.includes('\n')), `${msgs.length} printk messages`);
});

t('a wrong r0, packet byte or printk message in the kernel answer is reported', () => {
  const recs = RECS;
  const rec = recs.find((r) => r.loaded && r.runs[0].kind === 'exit')!;
  assert.equal(checkRecord(rec).diffs, []);
  const badR0 = structuredClone(rec);
  badR0.runs[0].r0 = '0x123456789';
  assert.match(checkRecord(badR0).diffs[0] ?? '', /r0: kernel 0x123456789, interp/);
  const badPkt = structuredClone(rec);
  badPkt.runs[0].packet = (badPkt.runs[0].packet!.startsWith('00') ? 'ff' : '00') + badPkt.runs[0].packet!.slice(2);
  assert.match(checkRecord(badPkt).diffs[0] ?? '', /packet: kernel/);
  const withMsg = structuredClone(recs.find((r) => r.runs[0].printk?.length)!);
  assert.equal(checkRecord(withMsg).diffs, []);
  withMsg.runs[0].printk![0] += '!';
  assert.match(checkRecord(withMsg).diffs[0] ?? '', /printk: kernel/);
});

t('tracefs text: this process\'s messages, multi-line ones whole', () => {
  const text = [
    '# tracer: nop', '#', '            node-41     [001] b..11  88.9: bpf_trace_printk: one',
    '           other-7      [000] b..11  89.0: bpf_trace_printk: not ours', '    node-41 [001] b..11  89.1: bpf_trace_printk: two', 'lines', '',
    '    node-41 (   41) [000] .N.11  89.2: bpf_trace_printk: ', '',
  ].join('\n');
  assert.equal(parseTrace(text, 41), ['one', 'two\nlines\n', '']);
});

const k = kernelAvailable();
if (!k.ok) console.log(`skip: fuzz/interp live: ${k.reason}`);
else {
  t('live kernel, 1000 fresh programs: 0 mismatches', async () => {
    const { kernelRecord, printkSupport } = await import('../../fuzz/interp/kernel.ts');
    const pk = printkSupport();
    if (!pk.ok) console.log(`note: fuzz/interp live: trace_printk messages not compared: ${pk.reason}`);
    const seed = Date.now() % 100000;
    const r = fuzzInterp({ count: 1000, seed, kernel: kernelRecord });
    assert.is(r.rejected, 0, r.examples.join('\n'));
    assert.is(r.mismatches, 0, `bpfsynth fuzz interp --count 1000 --seed ${seed}\n${r.examples.join('\n')}`);
  });
}

t.run();
