// The compiled tier (src/domains/compiled.ts) recognises states by object: a state stored last
// time is not stored again, the ways answer calls by their input objects, the results cache keeps
// the input objects it compares later, and a result equal to an input is that input. All of that
// holds only while no state is changed after it is made. Here every state is frozen: the
// compiled operators' inputs and results in chains where results feed the next calls, and every
// state the compiled tier hands to the verifier model during whole checks (a write to one would
// throw, modules being strict).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { scalarAlu, type ScalarAluOp } from '../../src/domains/alu.ts';
import { regBoundsSync } from '../../src/domains/sync.ts';
import { LINUX_6_18, type ScalarState } from '../../src/domains/scalar.ts';
import { CompiledOps } from '../../src/domains/compiled.ts';
import { DomainSession } from '../../src/verifier/memo.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { arbTracked, d, WIDTHS } from './arb-scalar.ts';

const t = suite('domains/compiled-immutable');
type S = ScalarState<bigint>;

/** s with its tnum frozen too (the only nested object of a state). */
function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

const CHAIN_OPS: ScalarAluOp[] = ['add', 'and', 'rsh', 'or', 'sub', 'xor', 'lsh'];

t('frozen inputs, results fed back as inputs: every result is the generic code\'s, and freezing them changes nothing', () => {
  const C = new CompiledOps(LINUX_6_18);
  const arbStep = fc.tuple(fc.constantFrom(...CHAIN_OPS), fc.constantFrom(...WIDTHS), fc.nat(3), fc.boolean());
  fc.assert(fc.property(fc.array(arbTracked(), { minLength: 2, maxLength: 4 }), fc.array(arbStep, { minLength: 4, maxLength: 24 }),
    (seeds, steps) => {
      const live: S[] = seeds.map((x) => deepFreeze(x.s));
      for (const [op, w, j, swap] of steps) {
        const x = live[live.length - 1], y = live[j % live.length];
        const [a, b] = swap ? [y, x] : [x, y];
        const r = C.alu(op, w, a, b);
        assert.equal(r, scalarAlu(d, op, w, a, b, LINUX_6_18), `${op}${w}`);
        const s = C.sync(deepFreeze(r));
        assert.equal(s, regBoundsSync(d, r, LINUX_6_18), 'sync of the result');
        live.push(deepFreeze(s));
      }
    }), { numRuns: 60 });
});

t('whole checks with every compiled result frozen: the verifier model changes none of them and answers as unfrozen', () => {
  const corpus = new URL('../../corpus/', import.meta.url);
  for (const name of ['xdp_csum_loop', 'xdp_scale_mix500']) {
    const p = readObject(readFileSync(new URL(`${name}.o`, corpus))).link();
    const plain = verify(p, { flavor: LINUX_6_18, session: new DomainSession(LINUX_6_18, 'compiled') });
    const dom = new DomainSession(LINUX_6_18, 'compiled');
    const c = dom.compiled as unknown as Record<string, (...args: unknown[]) => unknown>;
    let frozen = 0;
    for (const m of ['alu', 'sync', 'refine', 'refineFirst', 'coerce', 'ptrVar']) {
      const f = c[m].bind(c);
      c[m] = (...args: unknown[]) => {
        frozen++;
        return deepFreeze(f(...args));
      };
    }
    const r = verify(p, { flavor: LINUX_6_18, session: dom });
    // (xdp_csum_loop's checksum ALU goes mostly through the verifier's Z3-proved closed forms, src/verifier/alu.ts,
    // and reaches the compiled tier ~26 times per check; xdp_scale_mix500 hundreds of times)
    assert.ok(frozen > 20, `${name}: ${frozen} compiled results frozen`);
    assert.is(r.ok, plain.ok, `${name}: verdict`);
    assert.is(r.processed, plain.processed, `${name}: processed`);
  }
});

t.run();
