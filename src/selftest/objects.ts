// The built selftest objects and the Program each test loads: libbpf's linking of one entry
// point (subprograms, maps, global data) through BpfObject.link, or the reason it cannot be.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readObject, type BpfObject } from '../isa/object.ts';
import type { Program } from '../isa/program.ts';
import { extractSpecs, type TestSpec } from './spec.ts';

export const DEFAULT_OBJ_DIR = 'corpus/selftests/obj';
export const DEFAULT_SPECS = 'corpus/selftests/specs.json';

/** Privilege level of one run of a test (test_loader runs up to two per program). */
export type Mode = 'priv' | 'unpriv';

/** One run: a test at one privilege level. */
export interface Case {
  readonly spec: TestSpec;
  readonly mode: Mode;
}

export const caseKey = (c: { spec: { file: string; name: string }; mode: Mode } | { file: string; name: string; mode: Mode }): string =>
  'spec' in c ? `${c.spec.file}:${c.spec.name}${c.mode === 'unpriv' ? ' @unpriv' : ''}` : `${c.file}:${c.name}${c.mode === 'unpriv' ? ' @unpriv' : ''}`;

/** Objects of a directory by source file name (verifier_and.c → verifier_and.bpf.o), read lazily. */
export class ObjectDir {
  private readonly cache = new Map<string, BpfObject | Error>();
  constructor(readonly dir: string) {}

  files(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => n.endsWith('.bpf.o')).sort().map((n) => n.replace(/\.bpf\.o$/, '.c'));
  }

  object(file: string): BpfObject | Error {
    let o = this.cache.get(file);
    if (!o) {
      try {
        o = readObject(readFileSync(join(this.dir, file.replace(/\.c$/, '.bpf.o'))));
      } catch (e) {
        o = e as Error;
      }
      this.cache.set(file, o);
    }
    return o;
  }

  /** Every test of every object (specs read from the objects themselves). */
  specs(): TestSpec[] {
    const out: TestSpec[] = [];
    for (const f of this.files()) {
      const o = this.object(f);
      if (!(o instanceof Error)) out.push(...extractSpecs(o, f));
    }
    return out;
  }

  /** The Program a test loads, or why it cannot be built here. */
  program(spec: TestSpec): Program | { skip: string } {
    const o = this.object(spec.file);
    if (o instanceof Error) return { skip: `object: ${o.message}` };
    try {
      return o.link(spec.name);
    } catch (e) {
      return { skip: `link: ${(e as Error).message}` };
    }
  }
}

/** The runs of `specs` (auxiliary programs are not tests), filtered by a regex on "file:name". */
export function casesOf(specs: readonly TestSpec[], opts: { filter?: RegExp; unpriv?: boolean } = {}): Case[] {
  const out: Case[] = [];
  for (const spec of specs) {
    if (spec.auxiliary) continue;
    for (const mode of ['priv', 'unpriv'] as const) {
      if (!spec[mode]) continue;
      if (mode === 'unpriv' && !opts.unpriv) continue;
      const c = { spec, mode };
      if (opts.filter && !opts.filter.test(caseKey(c)) && !opts.filter.test(spec.description)) continue;
      out.push(c);
    }
  }
  return out;
}
