// Properties: every valid instruction survives encode → decode and disasm → asm, in both syntaxes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { arbOp } from './arb.ts';
import { fromOp, toOp, toOps } from '../../src/isa/op.ts';
import { decodeBytes, encodeBytes } from '../../src/isa/insn.ts';
import { formatLine, formatOp } from '../../src/isa/disasm.ts';
import { assemble } from '../../src/isa/asm.ts';

const t = suite('isa/roundtrip');

t('fromOp then toOp is the identity on valid instructions', () => {
  fc.assert(fc.property(arbOp, (op) => {
    const insns = fromOp(op);
    assert.equal(toOp(insns, 0), op);
  }), { numRuns: 5000 });
});

t('encode then decode bytes is the identity', () => {
  fc.assert(fc.property(fc.array(arbOp, { maxLength: 20 }), (ops) => {
    const insns = ops.flatMap(fromOp);
    assert.equal(decodeBytes(encodeBytes(insns)), insns);
    assert.equal(toOps(insns).filter((x) => x !== null), ops);
  }), { numRuns: 1000 });
});

for (const syntax of ['llvm', 'kernel'] as const) {
  t(`asm(disasm(x)) == x in ${syntax} syntax`, () => {
    fc.assert(fc.property(arbOp, (op) => {
      // kernel syntax prints lddw pseudo forms as a bare value: only plain lddw round-trips there;
      // llvm syntax prints helper, local and kfunc calls alike as `call N`, as llvm-objdump does
      fc.pre(!(syntax === 'kernel' && op.kind === 'lddw' && op.pseudo !== 0));
      fc.pre(!(syntax === 'llvm' && op.kind === 'call' && op.callKind !== 'helper'));
      const insns = fromOp(op);
      // kernel lines carry their opcode, `0: (18) r0 = 0x0`, which is what tells lddw from mov
      const text = syntax === 'kernel' ? formatLine({ pc: 0, insns, text: formatOp(op, syntax) }, syntax) : formatOp(op, syntax);
      const back = assemble(text).insns;
      assert.equal(back, insns, text);
    }), { numRuns: 5000 });
  });
}

t('whole listings assemble back, labels and comments included', () => {
  const src = `
    ; count down from 10
    r1 = 10          # loop counter
  loop:
    r0 += r1         // accumulate
    r1 -= 1
    if r1 != 0 goto loop
    call bpf_ktime_get_ns
    call sub
    exit
  sub:
    r0 = 0x123456789 ll
    exit`;
  const { insns, labels } = assemble(src);
  assert.is(labels.get('loop'), 1);
  assert.is(labels.get('sub'), 7);
  assert.equal(toOp(insns, 3), { kind: 'jcond', op: 'jne', width: 64, dst: 1, src: { imm: 0 }, off: -3 });
  assert.equal(toOp(insns, 4), { kind: 'call', callKind: 'helper', imm: 5, off: 0 });
  assert.equal(toOp(insns, 5), { kind: 'call', callKind: 'local', imm: 1, off: 0 });
});

t.run();
