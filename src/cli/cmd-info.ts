import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import type { BpfObject } from '../isa/object.ts';
import { mapTypeName, type ProgType } from '../isa/program.ts';
import { describe as describeError, located } from './errors.ts';
import { readInput } from './io.ts';
import { progTypeArg, readBpfObject } from './source.ts';

export const info: Command = {
  name: 'info',
  summary: 'sections, programs, instruction counts and maps of BPF objects',
  usage: `usage: bpfsynth info FILE.o… [--type T] [--json]

Lists the program sections of clang-built BPF objects with their program types (libbpf's
SEC() names, and the older conventions: NOTYPE symbols, socket1, numbered tail-call
sections), instruction counts (8-byte slots, as the kernel counts them), and maps. A program
that cannot be linked is listed with the reason; the others are unaffected.

  --type T   program type for every program (instead of what the section names say)
  --json     machine-readable output (one object per file; an array with several files)`,
  options: { json: { type: 'boolean' }, type: { type: 'string' } },
  positionals: [1, Infinity],
  run(args) {
    const type = progTypeArg(str(args, 'type'));
    const json = flag(args, 'json');
    const several = args.positionals.length > 1;
    const reports: unknown[] = [];
    let failed = 0;
    for (const path of args.positionals) {
      let obj: BpfObject;
      try {
        obj = readBpfObject(readInput(path));
      } catch (e) {
        if (!several) throw located(path, e);
        const { message } = describeError(located(path, e));
        console.error(`bpfsynth: ${message}`);
        reports.push({ file: path, error: message });
        failed++;
        continue;
      }
      const r = describe(path, obj, type);
      if (json) reports.push(r);
      else print(r, several);
    }
    if (json) console.log(JSON.stringify(several ? reports : reports[0], null, 2));
    return failed ? 1 : 0;
  },
};

interface ProgramRow {
  name: string;
  section: string;
  type: string;
  insns: number;
  linkedInsns?: number;
  subprograms?: string[];
  expectedAttachType?: number;
  attachTo?: string;
  sleepable?: boolean;
  notes?: readonly string[];
  /** Why the program could not be linked. */
  error?: string;
}

function describe(path: string, obj: BpfObject, type: ProgType | undefined) {
  const programs: ProgramRow[] = obj.programs.map((p) => {
    const kind = obj.kindOf(p);
    const row: ProgramRow = { name: p.name, section: p.section, type: type ?? kind.type ?? 'unknown', insns: p.length };
    try {
      const linked = obj.link(p.name, { type });
      row.linkedInsns = linked.insns.length;
      row.subprograms = linked.funcs.slice(1).map((f) => f.name);
      if (linked.load?.expectedAttachType !== undefined) row.expectedAttachType = linked.load.expectedAttachType;
      if (linked.load?.attachTo) row.attachTo = `${linked.load.attachTo.kind} ${linked.load.attachTo.name}`;
      if (linked.load?.sleepable) row.sleepable = true;
      const notes = [...(kind.inferred ? [`type ${kind.type} taken from the object's other programs`] : []), ...(linked.load?.unloadable ? [`not loadable alone: ${linked.load.unloadable}`] : []), ...(linked.notes ?? [])];
      if (notes.length) row.notes = notes;
    } catch (e) {
      row.error = (e as Error).message;
    }
    return row;
  });
  const maps = obj.maps.map((m) => ({ name: m.name, type: mapTypeName(m.type), keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags, ...(m.inner ? { inner: { type: mapTypeName(m.inner.type), keySize: m.inner.keySize, valueSize: m.inner.valueSize, maxEntries: m.inner.maxEntries } } : {}) }));
  const subprograms = obj.funcs.filter((f) => f.section === '.text').map((f) => ({ name: f.name, insns: f.length, global: f.global }));
  return { file: path, license: obj.license, programs, subprograms, maps, btf: !!obj.btf, btfExt: !!obj.btfExt };
}

function print(r: ReturnType<typeof describe>, several: boolean): void {
  if (several) console.log('');
  console.log(`${r.file}: BPF object, license "${r.license}"${r.btf ? ', BTF' : ''}${r.btfExt ? ' + BTF.ext' : ''}`);
  console.log(r.programs.length ? '\nprograms:' : '\nprograms: none');
  for (const p of r.programs) {
    const sub = p.subprograms?.length ? ` (+ ${p.subprograms.join(', ')}: ${p.linkedInsns} linked)` : '';
    console.log(`  ${p.name.padEnd(20)} ${p.section.padEnd(36)} ${p.type.padEnd(14)} ${String(p.insns).padStart(5)} insns${sub}`);
    if (p.error) console.log(`      not linked: ${p.error}`);
    for (const n of p.notes ?? []) console.log(`      note: ${n}`);
  }
  if (r.subprograms.length) {
    console.log('\nsubprograms (.text):');
    for (const s of r.subprograms) console.log(`  ${s.name.padEnd(20)} ${s.global ? 'global' : 'static'} ${String(s.insns).padStart(5)} insns`);
  }
  console.log(r.maps.length ? '\nmaps:' : '\nmaps: none');
  for (const m of r.maps) {
    const inner = m.inner ? `  inner ${m.inner.type} key ${m.inner.keySize} value ${m.inner.valueSize}` : '';
    console.log(`  ${m.name.padEnd(20)} ${m.type.padEnd(14)} key ${m.keySize}  value ${m.valueSize}  max_entries ${m.maxEntries}${m.flags ? `  flags ${`0x${m.flags.toString(16)}`}` : ''}${inner}`);
  }
}
