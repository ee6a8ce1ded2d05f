// BPF_MAP_TYPE_LPM_TRIE in a proof. The kernel's lookup (trie_lookup_elem) walks the trie and
// returns the value of the longest stored prefix that matches the key's first `prefixlen` bits,
// or NULL: for trie contents that do not change during the run, a deterministic function of the
// key's bytes. A proof therefore names the entry found by an uninterpreted function of those
// bytes (the same function in both programs, since they share the map's contents) and reads its
// presence and value bytes as a hash map's, indexed by the entry. Two keys that reach one entry
// get one value (the function may map them together); distinct entries, distinct values. Every
// real trie embeds in that model, so a proof over it holds for every trie. An update or delete
// would change the function, so a program that writes the trie is left undecided.
import type { Z3BV } from '../bv/z3.ts';
import { toZ3, type FV } from './fold.ts';
import { Unsupported, type Exec } from './exec.ts';

/** The entry (as a key of the entry tables) that a lookup of `key` in LPM map `m` finds. */
export function lpmEntry(ex: Exec, m: number, key: FV): Z3BV {
  const bits = ex.inp.maps0[m].def.keySize * 8;
  const sort = ex.ctx.BitVec.sort(bits);
  const f = ex.ctx.Function.declare(`map${m}_lpm_entry`, sort, sort);
  return f.call(toZ3(ex.ctx, key, bits)) as Z3BV;
}

/** Refuse a helper that would change the trie: the lookup function is fixed for the run. */
export function lpmReadOnly(m: number, what: string): never {
  throw new Unsupported(`${what} on LPM trie map ${m}: a proof models only lookups in an unchanged trie`);
}
