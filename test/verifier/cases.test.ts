// The verifier model against expectations recorded from the 6.18 kernel (test/verifier/cases.ts).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertVerdict } from './verdict.ts';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { stateAt } from '../../src/verifier/report.ts';
import { CASES } from './cases.ts';

const t = suite('verifier/cases');

for (const c of CASES) {
  t(c.name, () => {
    const prog = { ...bareProgram(assemble(c.asm).insns, c.type ?? 'xdp'), maps: c.maps ?? [] };
    const v = verify(prog);
    assertVerdict(v, c.reject);
    if (c.processed !== undefined) assert.is(v.processed, c.processed);
    if (c.reg) assert.is(stateAt(prog, c.reg.at, c.reg.r), c.reg.is);
  });
}

t.run();
