// protoOf: a helper's prototype for a program type is a variant that allows the type, or, when
// none does, the helper's first (whose types then refuse the program), as with no type given.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { protoOf } from '../../src/isa/protos.ts';
import { PROG_TYPES } from '../../src/isa/program.ts';

const t = suite('isa/protos');

const allows = (p: { types?: readonly string[] }, type: string): boolean => !p.types || p.types.includes(type);

t('every helper id and program type: a variant allowing the type, else the first', () => {
  let helpers = 0, refused = 0;
  for (let id = 0; id < 512; id++) {
    const first = protoOf(id);
    if (!first) {
      for (const type of PROG_TYPES) assert.is(protoOf(id, type), undefined);
      continue;
    }
    helpers++;
    // the helper's variants: every answer for some type
    const variants = new Set(PROG_TYPES.map((type) => protoOf(id, type)));
    variants.add(first);
    for (const type of PROG_TYPES) {
      const p = protoOf(id, type)!;
      if (allows(p, type)) continue;
      refused++;
      assert.is(p, first, `helper ${id} for ${type}: no variant allows it, so the first`);
      for (const v of variants) assert.not.ok(allows(v!, type), `helper ${id} for ${type}: ${v!.name} allows it but was not chosen`);
    }
  }
  assert.ok(helpers > 20 && refused > 0);
});

t('a helper with a variant per program type (check_mtu) gets its type\'s', () => {
  // (the one-variant shortcut must not answer for these: each type's variant differs)
  const xdp = protoOf(163, 'xdp')!, tc = protoOf(163, 'sched_cls')!;
  assert.is(xdp.name, 'check_mtu');
  assert.is.not(xdp, tc);
  assert.ok(allows(xdp, 'xdp') && !allows(xdp, 'sched_cls'));
  assert.ok(allows(tc, 'sched_cls') && !allows(tc, 'xdp'));
  // a type neither allows: the first variant
  assert.is(protoOf(163, 'kprobe'), protoOf(163));
});

t.run();
