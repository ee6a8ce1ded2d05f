// The interpreter against the kernel: recorded test_run answers replay without root; a bounded
// live run when bpf() works; and the comparison catches a wrong answer.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRecord, fuzzInterp, replayInterp, type InterpRecord } from '../../fuzz/interp/run.ts';
import { readRecording } from '../../fuzz/record.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';

const t = suite('fuzz/interp');
const REC = 'corpus/traces/interp.jsonl.gz';

t('recorded kernel runs: 0 mismatches', () => {
  const r = replayInterp(REC);
  assert.ok(r.programs >= 10000 && r.runs >= 19000, `${r.programs} programs, ${r.runs} runs`);
  assert.is(r.rejected, 0);
  assert.is(r.mismatches, 0, r.examples.join('\n'));
});

t('recordings cover XDP and tc programs', () => {
  const recs = readRecording<InterpRecord>(REC);
  assert.ok(recs.some((r) => r.type === 'sched_cls') && recs.some((r) => (r.type ?? 'xdp') === 'xdp'));
});

t('a wrong r0 or packet byte in the kernel answer is reported', () => {
  const rec = readRecording<InterpRecord>(REC).find((r) => r.loaded && r.runs[0].kind === 'exit')!;
  assert.equal(checkRecord(rec).diffs, []);
  const badR0 = structuredClone(rec);
  badR0.runs[0].r0 = '0x123456789';
  assert.match(checkRecord(badR0).diffs[0] ?? '', /r0: kernel 0x123456789, interp/);
  const badPkt = structuredClone(rec);
  badPkt.runs[0].packet = (badPkt.runs[0].packet!.startsWith('00') ? 'ff' : '00') + badPkt.runs[0].packet!.slice(2);
  assert.match(checkRecord(badPkt).diffs[0] ?? '', /packet: kernel/);
});

const k = kernelAvailable();
if (!k.ok) console.log(`skip: fuzz/interp live: ${k.reason}`);
else {
  t('live kernel, 1000 fresh programs: 0 mismatches', async () => {
    const { kernelRecord } = await import('../../fuzz/interp/kernel.ts');
    const seed = Date.now() % 100000;
    const r = fuzzInterp({ count: 1000, seed, kernel: kernelRecord });
    assert.is(r.rejected, 0, r.examples.join('\n'));
    assert.is(r.mismatches, 0, `bpfsynth fuzz interp --count 1000 --seed ${seed}\n${r.examples.join('\n')}`);
  });
}

t.run();
