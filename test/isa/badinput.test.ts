// Bad input never escapes as anything but a typed, one-line error: random bytes, truncations
// and mutations of real objects, unknown opcodes, odd hex.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { ElfError } from '../../src/isa/elf.ts';
import { DecodeError, decodeBytes, insn } from '../../src/isa/insn.ts';
import { InsnError, toOp, toOps } from '../../src/isa/op.ts';
import { parseHex } from '../../src/cli/io.ts';
import { InputError } from '../../src/cli/errors.ts';

const t = suite('isa/badinput');
const corpus = readdirSync('corpus').filter((f) => f.endsWith('.o')).map((f) => new Uint8Array(readFileSync(`corpus/${f}`)));

/** Read and link everything; the only acceptable failures are typed ones with one-line messages. */
function readAll(bytes: Uint8Array): string | undefined {
  try {
    const obj = readObject(bytes);
    for (const p of obj.programs) toOps(obj.link(p.name).insns);
    return undefined;
  } catch (e) {
    if (e instanceof ElfError || e instanceof DecodeError || e instanceof InsnError) {
      assert.not.match(e.message, /\n/);
      return e.message;
    }
    throw e;
  }
}

t('random bytes give ElfError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
    assert.ok(readAll(b) !== undefined);
  }), { numRuns: 500 });
});

t('truncated corpus objects give typed errors', () => {
  fc.assert(fc.property(fc.constantFrom(...corpus), fc.nat(), (obj, n) => {
    const cut = obj.subarray(0, n % obj.length);
    readAll(cut);
  }), { numRuns: 300 });
});

t('mutated corpus objects never throw untyped errors', () => {
  fc.assert(fc.property(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (obj, edits) => {
    const b = obj.slice();
    for (const [at, v] of edits) b[at % b.length] = v;
    readAll(b);
  }), { numRuns: 1500 });
});

t('a name with a control character in a damaged object is shown escaped, on one line', () => {
  // fast-check's find in a clean-clone run: xdp1.o with the map name "rxcnt" in .BTF's strings
  // made "\nxcnt" (and one byte of .BTF's types zeroed); the error named the map with a raw newline
  const x = new Uint8Array(readFileSync('corpus/xdp1.o'));
  assert.is(new TextDecoder().decode(x.subarray(3820, 3825)), 'rxcnt');
  x[3820] = 10;
  x[3689] = 0;
  const msg = readAll(x) ?? '';
  assert.match(msg, /map \\nxcnt is described in \.BTF but has no symbol in \.maps/);
});

t('header fields that matter are checked', () => {
  const x = corpus[0].slice();
  x[18] = 62; // e_machine = x86-64
  assert.match(readAll(x) ?? '', /not a BPF object: e_machine is 62 \(x86-64\)/);
  assert.match(readAll(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46])) ?? '', /too short/);
  assert.match(readAll(new TextEncoder().encode('hello world, this is not an ELF file at all.........................')) ?? '', /bad magic/);
});

t('decoder: truncated bytecode and unknown opcodes name the place', () => {
  assert.throws(() => decodeBytes(new Uint8Array(12)), (e: unknown) => e instanceof DecodeError && /not a multiple of 8 .*byte 8/.test(e.message));
  assert.throws(() => toOp([insn(0xff)], 0), (e: unknown) => e instanceof InsnError && e.index === 0);
  assert.throws(() => toOp([insn(0x18, 1)], 0), /invalid bpf_ld_imm64 insn/);
  assert.throws(() => toOps([insn(0xb7), insn(0x8e)]), (e: unknown) => e instanceof InsnError && e.index === 1);
});

t('decoder: every opcode byte decodes or fails with InsnError', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: -32768, max: 32767 }), fc.integer(), (code, regs, off, imm) => {
    try {
      toOp([insn(code, regs & 15, regs >> 4, off, imm), insn(0)], 0);
    } catch (e) {
      assert.instance(e, InsnError);
    }
  }), { numRuns: 20000 });
});

t('hex: odd length and bad digits name line and column', () => {
  assert.equal([...parseHex('b7 00 00 00\n0x0100 0000')], [0xb7, 0, 0, 0, 1, 0, 0, 0]);
  assert.throws(() => parseHex('b7 0', 'stdin'), (e: unknown) => e instanceof InputError && e.message === "stdin:1:4: odd number of hex digits in '0' (each byte needs two)");
  assert.throws(() => parseHex('b7\n00 zz', 'f.hex'), /f\.hex:2:4: 'z' is not a hex digit/);
});

t.run();
