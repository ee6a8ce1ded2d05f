// may_goto (BPF_JMP|BPF_JCOND, 0xe5) through the ISA layer: bytes, both listing syntaxes, the
// assembler, and the malformed forms with the kernel's wording (recorded from 6.18), checked
// against a live llvm-mc/llvm-objdump-19 when installed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBytes, insn } from '../../src/isa/insn.ts';
import { fromOp, toOp, InsnError } from '../../src/isa/op.ts';
import { formatKernel, formatLlvm } from '../../src/isa/disasm.ts';
import { assemble } from '../../src/isa/asm.ts';
import { tempDir } from '../temp-dir.ts';

const t = suite('isa/maygoto');

/** [offset, llvm-objdump-19 text, kernel log text] */
const FORMS: [number, string, string][] = [
  [2, 'may_goto +0x2', 'may_goto pc+2'],
  [0, 'may_goto +0x0', 'may_goto pc+0'],
  [-3, 'may_goto -0x3', 'may_goto pc-3'],
  [32767, 'may_goto +0x7fff', 'may_goto pc+32767'],
];

for (const [off, llvm, kernel] of FORMS) {
  t(`off ${off}: decodes, prints and assembles`, () => {
    const x = insn(0xe5, 0, 0, off, 0);
    const op = toOp([x], 0);
    assert.equal(op, { kind: 'maygoto', off });
    assert.equal(fromOp(op), [x]);
    assert.is(formatLlvm(op), llvm);
    assert.is(formatKernel(op), kernel);
    assert.equal(assemble(`may_goto ${off < 0 ? off : `+${off}`}`).insns, [x]);
  });
}

t('a label target resolves to the slot offset', () => {
  const { insns } = assemble('l: r0 = 0\nmay_goto l\nexit');
  assert.is(insns[1].code, 0xe5);
  assert.is(insns[1].off, -2);
});

/** Malformed forms: [code, dst, src, off, imm] → the kernel's message (6.18, recorded). */
const BAD: [number[], string][] = [
  [[0xe5, 0, 0, 1, 1], 'invalid may_goto imm 1'],
  [[0xe5, 0, 1, 1, 0], 'invalid may_goto imm 0'],
  [[0xe5, 1, 0, 1, 0], 'invalid may_goto imm 0'],
  [[0xe6, 0, 0, 1, 0], 'unknown opcode e6'],
  [[0xed, 0, 0, 1, 0], 'unknown opcode ed'],
];
for (const [[c, d, s, o, i], msg] of BAD) {
  t(`rejects ${c.toString(16)} dst=${d} src=${s} imm=${i}: ${msg}`, () => {
    try {
      toOp([insn(c, d, s, o, i)], 0);
      assert.unreachable('decoded');
    } catch (e) {
      assert.instance(e, InsnError);
      assert.is((e as Error).message, msg);
    }
  });
}

let llvmMc = true;
try {
  execFileSync('llvm-mc-19', ['--version'], { stdio: 'ignore' });
} catch {
  llvmMc = false;
  console.log('skip: llvm-mc-19 not installed; live llvm comparison not run');
}
if (llvmMc) {
  t('llvm-mc-19 encodes and llvm-objdump-19 prints as we do', () => {
    const dir = tempDir('maygoto-');
    const src = FORMS.map(([off]) => `may_goto ${off < 0 ? off : `+${off}`}`).join('\n');
    writeFileSync(join(dir, 'a.s'), `.text\n${src}\nexit\n`);
    execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-filetype=obj', join(dir, 'a.s'), '-o', join(dir, 'a.o')]);
    const out = execFileSync('llvm-objdump-19', ['-d', '--no-show-raw-insn', join(dir, 'a.o')], { encoding: 'utf8' });
    const texts = out.split('\n').filter((l) => l.includes('may_goto')).map((l) => l.split('\t').pop()!.replace(/ <.*$/, '').trim());
    assert.equal(texts, FORMS.map(([, llvm]) => llvm));
    const ours = encodeBytes(assemble(`${src}\nexit`).insns);
    execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    const theirs = readFileSync(join(dir, 'a.bin'));
    assert.equal([...ours], [...theirs]);
  });
}

t.run();
