// The verifier model against the kernel's verdicts on recorded near-miss programs, and the
// false accept the fuzzer found (a same-register comparison 6.18 does not decide).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { replayVerifier } from '../../fuzz/verifier/run.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { insn } from '../../src/isa/insn.ts';

const t = suite('fuzz/verifier');

t('recorded kernel verdicts: no false accepts or rejects, <1% exploration differences', () => {
  const r = replayVerifier('corpus/traces/verifier.jsonl.gz');
  assert.ok(r.programs >= 6000);
  assert.is(r.falseAccepts, 0, r.examples.join('\n'));
  assert.is(r.falseRejects, 0, r.examples.join('\n'));
  assert.ok(r.stateMismatches / r.programs < 0.01, `${r.stateMismatches} processed-count differences`);
});

t('regression: `call; if r0 s>= r0 goto +1` explores the fall-through, as 6.18 does', () => {
  const bad = insn(0xcc, 1, 2, 5, 0); // ALU with a reserved field set
  const v = verify(bareProgram([insn(0x85, 0, 0, 0, 7), insn(0x7d, 0, 0, 1, 0), bad, insn(0x95)], 'xdp'));
  assert.is(v.ok, false);
  assert.is(v.error?.message, 'BPF_ALU uses reserved fields');
});

t.run();
