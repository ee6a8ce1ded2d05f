// The interpreter against the kernel: recorded test_run answers (xdp, tc, socket_filter with
// LD_ABS, raw_tracepoint; trace_printk messages) replay without root; a bounded live run when
// bpf() works; and the comparison catches a wrong answer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecord, encodeProgram, fuzzInterp, interpCases, interpRuns, programOf, replayInterp, type InterpRecord } from '../../fuzz/interp/run.ts';
import { buildProgram } from '../../fuzz/interp/gen.ts';
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

/** A recorded-style xdp case whose program calls ringbuf_output (map 2 in mapsFor('xdp')) twice. */
function ringbufRecord(): InterpRecord {
  const out = (size: number): Op[] => [
    { kind: 'lddw', dst: 1, pseudo: 5, lo: 2, hi: 0 }, { kind: 'alu', op: 'mov', width: 64, dst: 2, src: { reg: 10 } },
    { kind: 'alu', op: 'add', width: 64, dst: 2, src: { imm: -96 } }, { kind: 'alu', op: 'mov', width: 64, dst: 3, src: { imm: size } },
    { kind: 'alu', op: 'mov', width: 64, dst: 4, src: { imm: 0 } }, { kind: 'call', callKind: 'helper', imm: 130, off: 0 },
  ];
  const p = buildProgram([[{ kind: 'st', size: 8, dst: 10, off: -96, imm: 0x5a }], out(3), out(12)], [0, 0, 0, 0, 0, 0], 'xdp');
  return { type: 'xdp', code: encodeProgram(p), packets: ['00'.repeat(14)], loaded: true, runs: [] };
}

t('ringbuf records: old records without them replay; a wrong, missing or extra record is reported', () => {
  const rec = ringbufRecord();
  const ours = interpRuns(programOf(rec.code, 'xdp'), [new Uint8Array(14)]);
  assert.equal(ours[0].ringbuf, ['rb:5a0000', 'rb:5a0000000000000000000000']);
  rec.runs = structuredClone(ours);
  assert.equal(checkRecord(rec).diffs, []);
  assert.is(checkRecord(rec).ringbufRuns, 1);
  assert.is(checkRecord(rec).ringbufRecords, 2);
  const noField = structuredClone(rec);
  delete noField.runs[0].ringbuf; // a recording from before ringbuf records were read
  assert.equal(checkRecord(noField).diffs, []);
  const wrong = structuredClone(rec);
  wrong.runs[0].ringbuf![1] = 'rb:00';
  assert.match(checkRecord(wrong).diffs[0] ?? '', /ringbuf: kernel 2 records, interp 2; #1: kernel rb:00\n/);
  const missing = structuredClone(rec);
  missing.runs[0].ringbuf = ['rb:5a0000'];
  assert.match(checkRecord(missing).diffs[0] ?? '', /ringbuf: kernel 1 records, interp 2; #1: kernel \(none\)/);
  const extra = structuredClone(rec);
  extra.runs[0].ringbuf!.push('rb:01');
  assert.match(checkRecord(extra).diffs[0] ?? '', /ringbuf: kernel 3 records, interp 2; #2: kernel rb:01/);
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

  t('live kernel: generated ringbuf_output programs load, agree record for record, and sometimes fill the ring', async () => {
    const { kernelRecord } = await import('../../fuzz/interp/kernel.ts');
    const cases = [...interpCases(3000, 4242)].filter((c) => c.program.insns.some((x) => x.code === 0x85 && x.src === 0 && x.imm === 130));
    assert.ok(cases.length >= 200, `${cases.length} ringbuf programs`);
    let runs = 0, nearlyFull = 0;
    for (const c of cases) {
      const rec = kernelRecord(c);
      assert.ok(rec.loaded, `kernel rejected a ringbuf program: ${rec.runs[0]?.message}`);
      const r = checkRecord(rec);
      assert.equal(r.diffs, []);
      runs += r.ringbufRuns;
      // bytes the records took: round8(8 + len) each; a ring of 4096 holds at most 4088
      for (const run of rec.runs) if ((run.ringbuf ?? []).reduce((n, x) => n + ((8 + x.slice(x.indexOf(':') + 1).length / 2 + 7) & ~7), 0) > 4088 - 264) nearlyFull++;
    }
    assert.ok(runs >= 200, `ringbuf compared in ${runs} runs`);
    assert.ok(nearlyFull > 0, 'no run came within one record of a full ring');
  });
}

t.run();
