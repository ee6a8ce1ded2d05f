// Acquired references: the model against test/verifier/refs-cases.ts and, when bpf() works, each
// case against the running kernel too (so the recorded expectations cannot drift from it).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertVerdict } from './verdict.ts';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { REF_CASES } from './refs-cases.ts';
import { DYNPTR_CASES } from './dynptr-cases.ts';
import type { Case } from './cases.ts';

const t = suite('verifier/refs');
const live = kernelAvailable();
if (!live.ok) console.log(`verifier/refs: kernel checks skipped (${live.reason}); recorded expectations only`);

const programOf = (c: Case): Program => ({ ...bareProgram(assemble(c.asm).insns, c.type ?? 'xdp'), maps: c.maps ?? [] });

/** The kernel's rejection as [insn, first line of the message] (the line after the failing insn's dump). */
function kernelVerdict(p: Program): [number, string] | undefined {
  const r = loadProgram(p, { logLevel: 1 });
  try {
    if (r.ok) return undefined;
    const lines = r.log.split('\n');
    let at = lines.length - 1;
    while (at >= 0 && !/^\d+: \(/.test(lines[at])) at--;
    assert.ok(at >= 0, `kernel log without an instruction: ${r.error ?? r.log.slice(-200)}`);
    return [Number(lines[at].slice(0, lines[at].indexOf(':'))), lines[at + 1]];
  } finally {
    r.close();
  }
}

for (const c of [...REF_CASES, ...DYNPTR_CASES]) {
  t(c.name, () => {
    const p = programOf(c);
    const v = verify(p);
    assertVerdict(v, c.reject);
    if (live.ok) assert.equal(kernelVerdict(p), c.reject, 'the running kernel disagrees with the recorded expectation');
  });
}

t.run();
