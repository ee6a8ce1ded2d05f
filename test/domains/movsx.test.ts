// r = (s8|s16|s32) r against states the running kernel (6.18.44) logged: pre-state (as printed
// before the instruction), instruction, post-state (as printed after it). Tests as data.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { concrete64x32 as d } from '../../src/bv/concrete.ts';
import { scalarMovsx } from '../../src/domains/alu.ts';
import { LINUX_6_12 } from '../../src/domains/scalar.ts';
import { parseRegState, type ScalarState as LogScalar } from '../../src/kernel/regstate.ts';
import { fromLogScalar, printDomainScalar } from '../../src/kernel/domain-state.ts';
import { LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('domains/movsx');
const parse = (s: string) => fromLogScalar(parseRegState(s) as LogScalar);

const CASES: [pre: string, ext: 8 | 16 | 32, post: string][] = [
  // the s32 range fits the source width: 32-bit bounds kept, 64-bit = their sign extension
  ['scalar(smax=0x7fffffff79b996b5,umax=0xffffffff79b996b5,smin32=0,smax32=umax32=0x79b996b5,var_off=(0x0; 0xffffffff7fffffff))', 32,
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=0x79b996b5,var_off=(0x0; 0x7fffffff))'],
  ['scalar(smin32=-5,smax32=256)', 32, 'scalar(smin=smin32=-5,smax=smax32=256)'],
  ['scalar(smax=0x7fffffff00000100,umax=0xffffffff00000100,smin32=0,smax32=umax32=256,var_off=(0x0; 0xffffffff000001ff))', 16,
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=256,var_off=(0x0; 0x1ff))'],
  ['scalar(smin=0,smax=umax=0xffffffff,smin32=-1,smax32=0,var_off=(0x0; 0xffffffff))', 8, 'scalar(smin=smin32=-1,smax=smax32=0)'],
  ['scalar(smin=0x80000000ffffff80,smax=0x7fffffffffffff80,umin=umin32=0xffffff80,umax=0xffffffffffffff80,smin32=-128,smax32=-128,umax32=0xffffff80,var_off=(0xffffff80; 0xffffffff00000000))', 8, '-128'],
  ['scalar(smax=0x7fffffff00000066,umax=0xffffffff00000066,smin32=0,smax32=umax32=102,var_off=(0x0; 0xffffffff00000066))', 8,
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=102,var_off=(0x0; 0x7f))'],
  // s32 only partly known: the u32 bounds stay and reach the 64-bit ones through the sync
  ['scalar(smax=0x7fffffff8000ff00,umax=0xffffffff8000ff00,smax32=0xff00,umax32=0x8000ff00,var_off=(0x0; 0xffffffff8000ff00))', 32,
    'scalar(smin=0xffffffff80000000,smax=smax32=0xff00,umax=0xffffffff8000ff00,umax32=0x8000ff00)'],
  ['scalar(smin=0x8000000000001000,umin=umin32=4096)', 32, 'scalar(smin=0xffffffff80000000,smax=0x7fffffff,umin=umin32=4096)'],
  // the s32 range does not fit: the older rule on the 64-bit bounds
  ['scalar(smin=0x8000000000000100,smax=0x7fffffff0000017f,umin=smin32=umin32=256,umax=0xffffffff0000017f,smax32=umax32=383,var_off=(0x100; 0xffffffff0000007f))', 8,
    'scalar(smin=smin32=-128,smax=smax32=127)'],
  ['scalar(smin=umin=smin32=umin32=256,smax=umax=smax32=umax32=383,var_off=(0x100; 0x7f))', 8,
    'scalar(smin=smin32=0,smax=umax=smax32=umax32=127,var_off=(0x0; 0x7f))'],
  ['scalar(smin=smin32=-100,smax=smax32=200)', 8, 'scalar(smin=smin32=-128,smax=smax32=127)'],
];

for (const [pre, ext, post] of CASES) {
  t(`(s${ext}) ${pre} → ${post}`, () => {
    assert.is(printDomainScalar(scalarMovsx(d, 64, ext, parse(pre), LINUX_6_18)), post);
  });
}

t('the 6.12 rule ignores the 32-bit bounds', () => {
  const pre = parse('scalar(smin=0,smax=umax=0xffffffff,smin32=-1,smax32=0,var_off=(0x0; 0xffffffff))');
  assert.is(printDomainScalar(scalarMovsx(d, 64, 8, pre, LINUX_6_12)), 'scalar(smin=smin32=-128,smax=smax32=127)');
});

t.run();
