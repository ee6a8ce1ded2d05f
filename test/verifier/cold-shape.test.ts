// memo.ts: a domain session's cold results (the generic code on bigints, which builds scalars by
// spreads) come out in the compiled tier's one V8 map, scalarConst's literal, unless the result is
// an input handed back; and with the same fields as the generic code's. A 'bigint' session runs
// every call cold. The map is compared with %HaveSameMap (natives syntax turned on for this file's
// one helper), so each case fails if its cold path hands out the spread's object.
import v8 from 'node:v8';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainSession } from '../../src/verifier/memo.ts';
import { D, type Scalar } from '../../src/verifier/regs.ts';
import { unknownLoaded } from '../../src/verifier/mem.ts';
import { LINUX_6_18, scalarConst, scalarUnknown } from '../../src/domains/scalar.ts';
import { scalarAlu } from '../../src/domains/alu.ts';
import { refine } from '../../src/domains/branch.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { coerceRegToSize, coerceRegToSizeSx } from '../../src/domains/alu-move.ts';
import { ptrVarOffset } from '../../src/domains/alu-ptr.ts';

v8.setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const t = suite('verifier/cold-shape');
const fl = LINUX_6_18;
const literal = scalarConst(D, 3n);

// inputs of several maps: literals, and spreads of them (copy maps, as the generic code makes)
const byte = coerceRegToSize(D, scalarUnknown(D), 1, fl);
const inputs: [string, Scalar][] = [
  ['constant', scalarConst(D, 5n)],
  ['unknown', scalarUnknown(D)],
  ['byte (a spread)', byte],
  ['[0, 100] (a spread)', { ...scalarConst(D, 0n), umax: 100n, smax: 100n, u32max: 100n, s32max: 100n, varOff: { value: 0n, mask: 127n } }],
];

// each cold operation on (a, b), with the generic code's results to compare
interface Op { name: string; cold: (dom: DomainSession, a: Scalar, b: Scalar) => Scalar[]; generic: (a: Scalar, b: Scalar) => Scalar[] }
const ops: Op[] = [
  { name: 'alu add64', cold: (dom, a, b) => [dom.alu('add', 64, a, b)], generic: (a, b) => [scalarAlu(D, 'add', 64, a, b, fl)] },
  { name: 'alu xor32', cold: (dom, a, b) => [dom.alu('xor', 32, a, b)], generic: (a, b) => [scalarAlu(D, 'xor', 32, a, b, fl)] },
  { name: 'refine jgt64', cold: (dom, a, b) => { const e = dom.refine(a, b, 'jgt', 64); return [...e.fallthrough, ...e.taken]; }, generic: (a, b) => { const e = refine(D, a, b, 'jgt', 64, fl); return [...e.fallthrough, ...e.taken]; } },
  { name: 'refineFirst jeq32', cold: (dom, a, b) => { const e = dom.refineFirst(a, b, 'jeq', 32); return [...e.fallthrough, ...e.taken]; }, generic: () => [] },
  { name: 'refineSame jsge64', cold: (dom, a) => { const e = dom.refineSame(a, 'jsge', 64); return [...e.fallthrough, ...e.taken]; }, generic: () => [] },
  { name: 'sync', cold: (dom, a) => [dom.sync(a)], generic: (a) => [regBoundsSync(D, a, fl)] },
  { name: 'coerce 2', cold: (dom, a) => [dom.coerce(a, 2, false)], generic: (a) => [coerceRegToSize(D, a, 2, fl)] },
  { name: 'coerce 1 sx', cold: (dom, a) => [dom.coerce(a, 1, true)], generic: (a) => [coerceRegToSizeSx(D, a, 8, fl)] },
  { name: 'ptrVar add', cold: (dom, a, b) => { const r = dom.ptrVar('add', a, b); return [r.raw, r.synced]; }, generic: (a, b) => { const raw = ptrVarOffset(D, 'add', a, b, fl); return [raw, regBoundsSync(D, raw, fl)]; } },
];

t('the helper tells a spread from a literal', () => {
  assert.ok(sameMap(literal, scalarConst(D, 9n)));
  assert.not.ok(sameMap(literal, byte), 'coerce on bigints spreads: a copy map');
});

for (const op of ops) {
  t(`${op.name}: cold results in scalarConst's map (or an input), with the generic code's fields`, () => {
    for (const [an, a] of inputs) {
      for (const [bn, b] of inputs) {
        const dom = new DomainSession(fl, 'bigint');
        const got = op.cold(dom, a, b);
        got.forEach((x, i) => assert.ok(x === a || x === b || sameMap(x, literal), `${an}, ${bn}: result ${i}`));
        const want = op.generic(a, b);
        if (want.length) assert.equal(got, want, `${an}, ${bn}: the generic code's fields`);
      }
    }
  });
}

t('an unknown value loaded (mem.ts, made cold once per flavor) has the literal map', () => {
  for (const size of [1, 2, 4]) for (const sx of [false, true]) assert.ok(sameMap(unknownLoaded(new DomainSession(fl, 'bigint'), size, sx).v, literal), `size ${size}${sx ? ' sx' : ''}`);
});

t.run();
