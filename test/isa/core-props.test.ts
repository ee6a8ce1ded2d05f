// Properties of CO-RE bitfield relocations, checked by meaning rather than against libbpf's
// formulas: for a bitfield anywhere in a target struct, loading FIELD_BYTE_SIZE bytes at
// FIELD_BYTE_OFFSET, shifting left by FIELD_LSHIFT_U64 and right (arithmetic when FIELD_SIGNED)
// by FIELD_RSHIFT_U64 gives the field's value, for any bytes; a field that no aligned 8-byte
// load holds is refused. Plain members relocate to their byte offset and size.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { BTF_KIND, parseBtf } from '../../src/isa/btf.ts';
import { resolveRelo } from '../../src/isa/core-calc.ts';
import { CORE_KIND, CoreError } from '../../src/isa/core-spec.ts';
import { BtfBuilder } from './btf-build.ts';

const t = suite('isa/core-props');
const obj = readObject(new Uint8Array(readFileSync('corpus/core_task.o')));
const local = obj.btf!;
const task = local.byName('task_struct', BTF_KIND.STRUCT)!;
const access = (member: string): string => `0:${task.members.findIndex((m) => m.name === member)}`;

/** A target task_struct of 64 bytes with the bitfield at (bitOff, bits) and comm at a byte offset. */
function target(bitOff: number, bits: number, signed: boolean, commAt: number) {
  const b = new BtfBuilder();
  const int = b.int(signed ? 'int' : 'unsigned int', 4, signed);
  const char = b.int('char', 1);
  const comm = b.array(char, 16, int);
  b.struct('task_struct', 64 + 16, [['sched_reset_on_fork', int, bitOff, bits], ['comm', comm, commAt * 8]]);
  return parseBtf(b.bytes());
}

const value = (kind: number, member: string, tb: ReturnType<typeof parseBtf>): bigint =>
  resolveRelo(local, { insnOff: 0, typeId: task.id, access: access(member), kind }, tb).value;

t('a bitfield read with the relocated offset, size and shifts is the field', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 63 * 8 }), fc.integer({ min: 1, max: 32 }), fc.boolean(),
    fc.uint8Array({ minLength: 80, maxLength: 80 }),
    (bitOff, bits, signed, bytes) => {
      const tb = target(bitOff, bits, signed, 64);
      const v = (k: number): bigint => value(k, 'sched_reset_on_fork', tb);
      let off: bigint;
      try {
        off = v(CORE_KIND.FIELD_BYTE_OFFSET);
      } catch (e) {
        // refused only when no naturally aligned load of up to 8 bytes holds the field
        assert.ok(e instanceof CoreError);
        assert.ok(Math.floor(bitOff / 64) !== Math.floor((bitOff + bits - 1) / 64), `${bitOff}+${bits}`);
        return;
      }
      const size = Number(v(CORE_KIND.FIELD_BYTE_SIZE));
      assert.ok([1, 2, 4, 8].includes(size) && Number(off) % size === 0);
      let word = 0n;
      for (let i = size - 1; i >= 0; i--) word = (word << 8n) | BigInt(bytes[Number(off) + i]);
      word = BigInt.asUintN(64, word << v(CORE_KIND.FIELD_LSHIFT_U64));
      const isSigned = v(CORE_KIND.FIELD_SIGNED) === 1n;
      assert.is(isSigned, signed);
      const got = isSigned ? BigInt.asUintN(64, BigInt.asIntN(64, word) >> v(CORE_KIND.FIELD_RSHIFT_U64)) : word >> v(CORE_KIND.FIELD_RSHIFT_U64);
      // the field, bit by bit (little-endian bit numbering), extended by its signedness
      let field = 0n;
      for (let i = bits - 1; i >= 0; i--) field = (field << 1n) | BigInt((bytes[(bitOff + i) >> 3] >> ((bitOff + i) & 7)) & 1);
      const want = signed ? BigInt.asUintN(64, BigInt.asIntN(bits, field)) : field;
      assert.is(got, want, `bit ${bitOff}, ${bits} bits, ${signed ? 'signed' : 'unsigned'}`);
    },
  ), { numRuns: 300 });
});

t('a plain member relocates to its offset and size', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 64 }), (at) => {
    const tb = target(0, 1, false, at);
    assert.is(value(CORE_KIND.FIELD_BYTE_OFFSET, 'comm', tb), BigInt(at));
    assert.is(value(CORE_KIND.FIELD_BYTE_SIZE, 'comm', tb), 16n);
    assert.is(value(CORE_KIND.FIELD_EXISTS, 'comm', tb), 1n);
  }), { numRuns: 50 });
});

t.run();
