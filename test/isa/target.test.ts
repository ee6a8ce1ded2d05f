// Deployment targets: --target parsing, what each instruction needs, the helper table.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { toOps, type Op } from '../../src/isa/op.ts';
import { firstMissing, maxIsaFor, missingOn, parseTarget, requirement, runningKernel, TargetError, type Target } from '../../src/isa/target.ts';
import { helperSince } from '../../src/isa/helper-since.ts';
import { helperId, HELPER_COUNT } from '../../src/isa/helpers.ts';
import { readObject } from '../../src/isa/object.ts';
import { readFileSync } from 'node:fs';

const t = suite('isa/target');
const k618 = { major: 6, minor: 18 };
const op = (src: string): Op => toOps(assemble(`${src}\nexit`).insns)[0]!;
const target = (text: string): Target => parseTarget(text, k618);

t('parse: defaults to the running kernel and the highest ISA level it runs', () => {
  const d = parseTarget(undefined, k618);
  assert.equal([d.isa, d.kernel], [4, k618]);
  assert.match(d.origin, /running kernel/);
  assert.equal(target('v2').isa, 2);
  assert.equal(target('v2').kernel, k618);
  assert.equal(target('6.1').isa, 3);
  assert.equal(target('6.6').isa, 4);
  assert.equal(target('5.15').isa, 3);
  assert.equal(target('kernel=4.19').isa, 2);
  assert.equal(target('4.9').isa, 1);
  assert.equal(target('v3, kernel=5.15'), { isa: 3, kernel: { major: 5, minor: 15 }, origin: 'ISA given; kernel given' });
});

t('parse: bad or inconsistent targets are errors naming the part', () => {
  for (const [text, msg] of [
    ['v5', /'v5' is neither/], ['6', /'6' is neither/], ['v2,v3', /two ISA levels/], ['6.1,6.6', /two kernels/],
    ['v4,6.1', /v4 needs kernel 6\.6/], ['v3,kernel=4.19', /v3 needs kernel 5\.1/], ['3.10', /older than 3\.19/],
  ] as const) {
    assert.throws(() => target(text), (e: unknown) => e instanceof TargetError && msg.test((e as Error).message), text);
  }
});

t('the running kernel is read from the release string', () => {
  assert.equal(runningKernel('6.18.0-12-amd64'), k618);
  assert.equal(runningKernel('5.15.167'), { major: 5, minor: 15 });
  assert.throws(() => runningKernel('unknown'), (e: unknown) => e instanceof TargetError);
  assert.is(maxIsaFor({ major: 6, minor: 5 }), 3);
  assert.is(maxIsaFor({ major: 6, minor: 6 }), 4);
});

t('requirements: the ISA level of each instruction family', () => {
  const cases: [string, number][] = [
    ['r0 += 1', 1], ['w0 += w1', 1], ['*(u32 *)(r10 - 4) = 1', 1], ['lock *(u64 *)(r10 - 8) += r1', 1], ['r0 = be16 r0', 1],
    ['if r0 < r1 goto +0', 2], ['if r0 s<= 3 goto +0', 2], ['if r0 > r1 goto +0', 1],
    ['if w0 == 1 goto +0', 3], ['r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)', 3],
    ['r0 = *(s8 *)(r1 + 0)', 4], ['r0 = (s16)r1', 4], ['r0 s/= 3', 4], ['r0 s%= r1', 4], ['r0 = bswap32 r0', 4], ['gotol +0', 4],
  ];
  for (const [src, isa] of cases) assert.is(requirement(op(src)).isa, isa, src);
});

t('requirements: kernel releases gate what has no ISA level (may_goto, calls, helpers)', () => {
  const at = (text: string, src: string) => missingOn(target(text), op(src));
  assert.match(at('6.6', 'may_goto +0') ?? '', /may_goto needs kernel 6\.9; the target is 6\.6/);
  assert.is(at('6.9', 'may_goto +0'), undefined);
  assert.match(at('5.4', 'call 130') ?? '', /bpf_ringbuf_output#130 needs kernel 5\.8/);
  assert.is(at('5.8', 'call 130'), undefined);
  assert.match(at('6.1', 'call 210') ?? '', /cgrp_storage_get#210 needs kernel 6\.2/);
  assert.match(at('v2', 'r0 = *(s8 *)(r1 + 0)') ?? '', /sign-extending load needs ISA v4; the target is v2/);
});

t('helper table: known first releases, monotone in the id, nothing for unknown ids', () => {
  const since = (name: string) => helperSince(helperId(name)!);
  assert.equal(since('map_lookup_elem'), { major: 3, minor: 19 });
  assert.equal(since('xdp_adjust_head'), { major: 4, minor: 10 });
  assert.equal(since('redirect_map'), { major: 4, minor: 14 });
  assert.equal(since('xdp_adjust_tail'), { major: 4, minor: 18 });
  assert.equal(since('sk_storage_get'), { major: 5, minor: 2 });
  assert.equal(since('loop'), { major: 5, minor: 17 });
  assert.is(helperSince(0), undefined);
  assert.is(helperSince(HELPER_COUNT), undefined);
  let last = 0;
  for (let id = 1; id < HELPER_COUNT; id++) {
    const v = helperSince(id)!;
    const n = v.major * 1000 + v.minor;
    assert.ok(n >= last, `helper ${id}`);
    last = n;
  }
});

t('firstMissing: the first slot the target lacks, lddw halves skipped', () => {
  const ops = toOps(assemble('r1 = 0x100000000 ll\nif w1 > 3 goto +1\nr0 = *(s8 *)(r10 - 1)\nexit').insns);
  assert.equal(firstMissing(target('v2'), ops)?.pc, 2);
  assert.equal(firstMissing(target('v3'), ops)?.pc, 3);
  assert.is(firstMissing(target('v4'), ops), undefined);
});

t('a linked program names maps by index: that counts as by fd (4.14 loads it), global data needs 5.2', () => {
  const ops = toOps(readObject(new Uint8Array(readFileSync('corpus/xdp_pktcntr.o'))).link().insns);
  assert.ok(ops.some((o) => o?.kind === 'lddw' && o.pseudo === 5));
  assert.is(firstMissing(target('4.14'), ops), undefined);
  const data = { kind: 'lddw', dst: 1, pseudo: 6, lo: 0, hi: 0 } as const;
  assert.match(missingOn(target('4.19'), data) ?? '', /map value \(global data\) needs kernel 5\.2/);
  assert.is(missingOn(target('5.2'), data), undefined);
});

t.run();
