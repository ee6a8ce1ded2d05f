import type { Command } from './args.ts';
import { flag } from './args.ts';
import { readObject } from '../isa/object.ts';
import { mapTypeName } from '../isa/program.ts';
import { progTypeOfSection } from '../isa/program.ts';
import { located } from './errors.ts';
import { readInput } from './io.ts';

export const info: Command = {
  name: 'info',
  summary: 'sections, programs, instruction counts and maps of a BPF object',
  usage: `usage: bpfsynth info FILE.o [--json]

Lists the program sections of a clang-built BPF object with their program types and
instruction counts (8-byte slots, as the kernel counts them), and its maps.

  --json   machine-readable output`,
  options: { json: { type: 'boolean' } },
  positionals: [1, 1],
  run(args) {
    const path = args.positionals[0];
    let obj;
    try {
      obj = readObject(readInput(path));
    } catch (e) {
      throw located(path, e);
    }
    const programs = obj.programs.map((p) => {
      const linked = obj.link(p.name);
      return { name: p.name, section: p.section, type: progTypeOfSection(p.section) ?? 'unknown', insns: p.length, linkedInsns: linked.insns.length, subprograms: linked.funcs.slice(1).map((f) => f.name) };
    });
    const maps = obj.maps.map((m) => ({ name: m.name, type: mapTypeName(m.type), keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: m.flags }));
    const subprogs = obj.funcs.filter((f) => f.section === '.text').map((f) => ({ name: f.name, insns: f.length, global: f.global }));
    if (flag(args, 'json')) {
      console.log(JSON.stringify({ file: path, license: obj.license, programs, subprograms: subprogs, maps, btf: !!obj.btf, btfExt: !!obj.btfExt }, null, 2));
      return 0;
    }
    console.log(`${path}: BPF object, license "${obj.license}"${obj.btf ? ', BTF' : ''}${obj.btfExt ? ' + BTF.ext' : ''}`);
    console.log('\nprograms:');
    for (const p of programs) {
      const sub = p.subprograms.length ? ` (+ ${p.subprograms.join(', ')}: ${p.linkedInsns} linked)` : '';
      console.log(`  ${p.name.padEnd(20)} ${p.section.padEnd(36)} ${p.type.padEnd(14)} ${String(p.insns).padStart(5)} insns${sub}`);
    }
    if (subprogs.length) {
      console.log('\nsubprograms (.text):');
      for (const s of subprogs) console.log(`  ${s.name.padEnd(20)} ${s.global ? 'global' : 'static'} ${String(s.insns).padStart(5)} insns`);
    }
    console.log(maps.length ? '\nmaps:' : '\nmaps: none');
    for (const m of maps) {
      console.log(`  ${m.name.padEnd(20)} ${m.type.padEnd(14)} key ${m.keySize}  value ${m.valueSize}  max_entries ${m.maxEntries}${m.flags ? `  flags ${`0x${m.flags.toString(16)}`}` : ''}`);
    }
    return 0;
  },
};
