// The assertion every case-as-data verifier test makes: the model's verdict, and for a
// rejection the instruction and the start of the kernel's message.
import * as assert from 'uvu/assert';
import type { Verdict } from '../../src/verifier/analyze.ts';

export function assertVerdict(v: Verdict, reject: readonly [number, string] | undefined): void {
  if (reject) {
    assert.is(v.ok, false, `expected rejection: ${reject[1]}`);
    assert.is(v.error!.index, reject[0], v.error!.message);
    assert.ok(v.error!.message.startsWith(reject[1]), `message: ${v.error!.message}`);
  } else {
    assert.is(v.ok, true, v.error ? `insn ${v.error.index}: ${v.error.message}` : '');
  }
}
