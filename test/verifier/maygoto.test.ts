// The verifier model on may_goto programs against the 6.18 kernel's recorded answers
// (maygoto-cases.ts), and against the running kernel when bpf() works.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { insn } from '../../src/isa/insn.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { kernelAvailable } from '../../src/kernel/syscall.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { MAY_GOTO_CASES, type MayGotoCase } from './maygoto-cases.ts';

const t = suite('verifier/maygoto');

const programOf = (c: MayGotoCase): Program =>
  bareProgram(c.asm !== undefined ? assemble(c.asm).insns : c.raw!.map(([code, d, s, o, i]) => insn(code, d, s, o, i)), 'xdp');

for (const c of MAY_GOTO_CASES) {
  t(`model: ${c.name}`, () => {
    const v = verify(programOf(c));
    if (c.reject) {
      assert.is(v.ok, false, 'expected a rejection');
      assert.is(v.error!.index, c.reject[0], v.error!.message);
      assert.is(v.error!.message.split('\n')[0], c.reject[1]);
    } else assert.is(v.ok, true, v.error ? `insn ${v.error.index}: ${v.error.message}` : '');
    assert.is(v.processed, c.processed);
  });
}

const k = kernelAvailable();
if (!k.ok) console.log(`skip: live kernel checks of may_goto cases not run (${k.reason})`);
else {
  for (const c of MAY_GOTO_CASES) {
    t(`kernel still answers as recorded: ${c.name}`, () => {
      const r = loadProgram(programOf(c), { logLevel: 1 });
      try {
        assert.is(r.ok, !c.reject, r.log.slice(-300));
        if (c.reject) assert.ok(r.log.includes(`\n${c.reject[1]}\n`) || r.log.startsWith(`${c.reject[1]}\n`), r.log.slice(-300));
        assert.is(r.verifiedInsns, c.processed);
      } finally {
        r.close();
      }
    });
  }
}

t.run();
