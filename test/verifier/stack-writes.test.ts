// Stack writes slot by slot (src/verifier/stack.ts spill, writeBytes, writeRange) against the
// kernel's byte-at-a-time loops written out here: for random stacks (never-written slots, spills
// of every width, misc, zero and dynptr bytes) and random writes, each slot ends with the same
// byte kinds, the same spilled register (none after a data write) and nothing else.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { type Slot, type Stack, byteOf, spill, spiOf, writeBytes, writeRange } from '../../src/verifier/stack.ts';
import { immReg } from '../../src/verifier/regs.ts';

const t = suite('verifier/stack-writes');

const INVALID = '????????';
const put = (s: string, i: number, c: string): string => s.slice(0, i) + c + s.slice(i + 1);
const isSpill = (s: Slot | undefined): boolean => !!s && s.types[7] === 'r' && !!s.spilled;

/** save_register_state, byte by byte. */
function refSpill(st: Stack, spi: number, size: number, reg: Slot['spilled']): void {
  const old = st[spi]?.types ?? INVALID;
  let types = '';
  for (let i = 0; i < 8; i++) types += i >= 8 - size ? 'r' : old[i] === 'r' ? 'm' : old[i];
  st[spi] = { types, spilled: reg };
}

/** check_stack_write_fixed_off's data write: each byte, its slot scrubbed of a spill first. */
function refBytes(st: Stack, off: number, size: number, kind: string): void {
  for (let b = off; b < off + size; b++) {
    const s = st[spiOf(b)];
    let types = s?.types ?? INVALID;
    if (isSpill(s)) types = types.replace(/r/g, 'm');
    st[spiOf(b)] = { types: put(types, byteOf(b), kind) };
  }
}

/** check_stack_write_var_off: each byte misc, or zero where it was zero and the value may be. */
function refRange(st: Stack, lo: number, hi: number, zero: boolean): void {
  for (let b = lo; b < hi; b++) {
    const s = st[spiOf(b)];
    let types = s?.types ?? INVALID;
    if (isSpill(s)) types = types.replace(/r/g, 'm');
    st[spiOf(b)] = { types: put(types, byteOf(b), zero && types[byteOf(b)] === '0' ? '0' : 'm') };
  }
}

const kinds = fc.constantFrom('?', 'm', '0', 'r', 'd');
const slot: fc.Arbitrary<Slot | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.array(kinds, { minLength: 8, maxLength: 8 }).map((k) => ({ types: k.join('') })),
  fc.tuple(fc.array(kinds, { minLength: 8, maxLength: 8 }), fc.constantFrom(1, 2, 4, 8), fc.integer({ min: -3, max: 3 }))
    .map(([k, n, v]) => ({ types: k.slice(0, 8 - n).join('') + 'r'.repeat(n), spilled: immReg(v) })),
);

type Write =
  | { k: 'spill'; spi: number; size: number; v: number }
  | { k: 'bytes'; off: number; size: number; zero: boolean }
  | { k: 'range'; off: number; len: number; zero: boolean };

const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ k: fc.constant('spill' as const), spi: fc.nat(7), size: fc.constantFrom(1, 2, 4, 8), v: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ k: fc.constant('bytes' as const), off: fc.integer({ min: -64, max: -1 }), size: fc.integer({ min: 1, max: 24 }), zero: fc.boolean() }),
  fc.record({ k: fc.constant('range' as const), off: fc.integer({ min: -64, max: -1 }), len: fc.integer({ min: 1, max: 40 }), zero: fc.boolean() }),
);

/** What a slot holds, compared: kinds, spilled value (or none), dynptr (or none). */
const view = (s: Stack): string[] =>
  Array.from({ length: 9 }, (_, i) => (s[i] ? `${s[i]!.types}|${s[i]!.spilled ? s[i]!.spilled!.v.varOff.value : '-'}|${s[i]!.dynptr ? 'd' : '-'}` : '.'));

t('spill, writeBytes and writeRange leave every slot as the byte-at-a-time loops do', () => {
  fc.assert(fc.property(fc.array(slot, { minLength: 8, maxLength: 8 }), fc.array(write, { minLength: 1, maxLength: 6 }), (slots, writes) => {
    const a: Stack = slots.slice(), b: Stack = slots.slice();
    for (const w of writes) {
      if (w.k === 'spill') {
        spill(a, w.spi, immReg(w.v), w.size);
        refSpill(b, w.spi, w.size, immReg(w.v));
      } else if (w.k === 'bytes') {
        // (a write stays within the 8 slots the stacks hold)
        const off = Math.max(w.off, -64), size = Math.min(w.size, -off);
        writeBytes(a, off, size, w.zero ? '0' : 'm');
        refBytes(b, off, size, w.zero ? '0' : 'm');
      } else {
        const hi = Math.min(w.off + w.len, 0);
        writeRange(a, w.off, hi, w.zero);
        refRange(b, w.off, hi, w.zero);
      }
      assert.equal(view(a), view(b));
    }
    return true;
  }), { numRuns: 2000 });
});

t('a write across slots touches exactly its bytes', () => {
  // fp-12 .. fp-5: indices 0-3 of slot 1 and 4-7 of slot 0 (slot_type order: index 0 is the highest address)
  const st: Stack = [{ types: 'rrrrrrrr', spilled: immReg(7) }, { types: '00000000' }];
  writeBytes(st, -12, 8, 'm');
  assert.is(st[0]!.types, 'mmmmmmmm', 'the spill scrubbed, its other bytes misc');
  assert.is(st[0]!.spilled, undefined);
  assert.is(st[1]!.types, 'mmmm0000');
  // fp-8 .. fp-3: indices 2-7 of slot 0; a zero byte stays zero, a misc one misc, 0-1 untouched
  const z: Stack = [{ types: '?0?0mmmm' }];
  writeRange(z, -8, -2, true);
  assert.is(z[0]!.types, '?0m0mmmm');
  const spilled: Stack = [{ types: '????rrrr', spilled: immReg(1) }];
  spill(spilled, 0, immReg(2), 2);
  assert.is(spilled[0]!.types, '????mmrr', 'a narrower spill over an older one: its bytes above become misc');
});

t.run();
