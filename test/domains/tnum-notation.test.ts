// Known answers for the corners of the tnum notation parser (src/domains/tnum-notation.ts) that
// the round-trip properties in tnum.test.ts never produce: octal, digit separators, the text an
// error quotes, and the error's class name (the CLI prints errors by name).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTnum, TnumParseError } from '../../src/domains/tnum-notation.ts';

const t = suite('domains/tnum-notation');

t('octal constants and masks take every digit', () => {
  assert.equal(parseTnum('0o17'), { value: 15n, mask: 0n });
  assert.equal(parseTnum('(0o10; 0o7)'), { value: 8n, mask: 7n });
  assert.throws(() => parseTnum('0o8'), /not a number: '0o8'/);
});

t('underscores separate digits and are dropped', () => {
  assert.equal(parseTnum('0x1_0'), { value: 16n, mask: 0n });
  assert.equal(parseTnum('1_000', 16), { value: 1000n, mask: 0n });
  assert.equal(parseTnum('(0x0; 0xff_ff)'), { value: 0n, mask: 0xffffn });
});

t('an error quotes the number trimmed, and is a TnumParseError by name', () => {
  let caught: unknown;
  try {
    parseTnum('(0xg ; 1)');
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TnumParseError);
  assert.is((caught as Error).name, 'TnumParseError');
  assert.is((caught as Error).message, "value: not a number: '0xg'");
  assert.throws(() => parseTnum('  12z  '), (e: unknown) => (e as Error).message === "constant: not a number: '12z'");
});

t('a negative constant down to the signed minimum of the width, and no further', () => {
  assert.equal(parseTnum('-128', 8), { value: 0x80n, mask: 0n });
  assert.equal(parseTnum('-1', 64), { value: (1n << 64n) - 1n, mask: 0n });
  assert.throws(() => parseTnum('-129', 8), (e: unknown) => (e as Error).message === 'constant: -129 is below the signed 8-bit range');
  assert.throws(() => parseTnum('-200', 8), /below the signed 8-bit range/);
});

t('the pair form: surrounding blanks allowed, nothing before or after the parentheses, errors name the part', () => {
  assert.equal(parseTnum('  (0x0; 0xff) '), { value: 0n, mask: 0xffn });
  assert.throws(() => parseTnum('((0x1; 0x2)'), /expected '\(value; mask\)'/);
  assert.throws(() => parseTnum('(0x1; 0x2)junk'), /expected '\(value; mask\)'/);
  assert.throws(() => parseTnum('(0x1; zz)'), (e: unknown) => (e as Error).message === "mask: not a number: 'zz'");
});

t('the bit form: only from its start, with separators', () => {
  assert.equal(parseTnum('0b1_x'), { value: 2n, mask: 1n });
  assert.throws(() => parseTnum('10b1x'), /not a number/);
});

t.run();
