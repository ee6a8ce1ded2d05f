// The domain calculators, as data: command line → printed result.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runMain } from './run-main.ts';

const t = suite('cli/domain-calc');

async function out(args: string[]): Promise<{ code: number; text: string }> {
  const r = await runMain(args);
  return { code: r.code, text: r.out + r.err };
}

const rows: [string[], string][] = [
  [['tnum', 'mul', '0b1x0', '(0x2; 0x1)'], '(0x0; 0x1e)   0bxxxx0'],
  [['tnum', 'add', '(0x0; 0xf)', '1'], '(0x0; 0x1f)   0bxxxxx'],
  [['tnum', 'and', '(0x0; 0xff)', '0xf0'], '(0x0; 0xf0)   0bxxxx0000'],
  [['tnum', 'lshift', '(0x1; 0x2)', '4'], '(0x10; 0x20)   0bx10000'],
  [['tnum', 'in', '5', '(0x1; 0x6)'], 'true'],
  [['scalar', 'add', 'umin=0,umax=255', '1'], 'scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))'],
  [['scalar', 'and', 'scalar()', '0xff'], 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
  [['scalar', 'lsh', 'umax=15', '4', '--width', '32'], 'scalar(smin=smin32=0,smax=umax=smax32=umax32=240,var_off=(0x0; 0xf0))'],
  [['scalar', 'sx32', 'smin32=-5,smax32=256'], 'scalar(smin=smin32=-5,smax=smax32=256)'],
  [['scalar', 'swap16', '0x1234'], '13330'],
  [['branch', 'jgt', 'umax=5', '10'], 'branch: never taken\nfall-through: A=scalar(smin=smin32=0,smax=umax=smax32=umax32=5,var_off=(0x0; 0x7)) B=10'],
];

for (const [args, want] of rows) {
  t(args.join(' '), async () => {
    const r = await out(args);
    assert.is(r.code, 0, r.text);
    assert.is(r.text.trimEnd(), want);
  });
}

t('bad operands are one-line errors', async () => {
  const r = await out(['scalar', 'add', 'x', '1']);
  assert.is(r.code, 1);
  assert.match(r.text, /^bpfsynth: A 'x': /);
  assert.is((await out(['tnum', 'frob', '1', '2'])).code, 2);
  assert.is((await out(['tnum', 'add', '(0x1; 0x1)', '2'])).code, 1);
});

t.run();
