// The definedness pre-filter and the idioms on the flow core's register effects: the cases where
// the old per-module tables disagreed with the kernel, with the kernel's recorded answer (6.18,
// log_level 1) as the expectation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps } from '../../src/isa/op.ts';
import { firstUndefinedRead } from '../../src/search/prefilter.ts';
import { proposeIdiom } from '../../src/search/idioms.ts';

const t = suite('search/prefilter');
const asm = (src: string) => assemble(src).insns;

t('LD_ABS leaves r1-r5 undefined (kernel: insn 3 "R2 !read_ok"; the old table kept them)', () => {
  assert.is(firstUndefinedRead(asm('r6 = r1\nr2 = 1\nr0 = *(u8 *)skb[0]\nr0 = r2\nexit'), undefined, 'socket_filter'), 3);
  assert.is(firstUndefinedRead(asm('r6 = r1\nr7 = 1\nr0 = *(u8 *)skb[0]\nr0 = r7\nexit'), undefined, 'socket_filter'), -1, 'r6-r9 survive');
});

t('a helper reads its prototype\'s arguments (kernel: insn 1 "R2 !read_ok"; the old table read none)', () => {
  assert.is(firstUndefinedRead(asm('r1 = 0\ncall bpf_redirect\nexit'), undefined, 'xdp'), 1);
  assert.is(firstUndefinedRead(asm('r1 = 0\nr2 = 0\ncall bpf_redirect\nexit'), undefined, 'xdp'), -1);
  assert.is(firstUndefinedRead(asm('call bpf_ktime_get_ns\nexit'), undefined, 'xdp'), -1, 'no arguments');
});

t('constant store: an atomic fetch in between overwrites the register (the old table missed it)', () => {
  const slots = toOps(asm('r2 = 5\nr2 = atomic_fetch_add((u64 *)(r10 - 8), r2)\n*(u64 *)(r10 - 16) = r2\nr0 = 0\nexit'));
  const straight = new Set([0, 1, 2, 3]);
  assert.is(proposeIdiom(slots, straight, [2], () => 0), null, 'r2 at the store is the fetched value, not 5');
  const plain = toOps(asm('r2 = 5\nr3 = 1\n*(u64 *)(r10 - 16) = r2\nr0 = 0\nexit'));
  assert.equal(proposeIdiom(plain, straight, [2], () => 0), [[2, { kind: 'st', size: 8, dst: 10, off: -16, imm: 5 }]], 'without it, the idiom applies');
});

t.run();
