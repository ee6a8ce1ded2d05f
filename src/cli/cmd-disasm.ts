import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import { disasm, formatLine, type Syntax } from '../isa/disasm.ts';
import { readBpfObject, progTypeArg } from './source.ts';
import { decodeBytes } from '../isa/insn.ts';
import { InputError, UsageError, located } from './errors.ts';
import { isElf, parseHex, readInput } from './io.ts';
import type { Insn } from '../isa/insn.ts';

export const disasmCmd: Command = {
  name: 'disasm',
  summary: 'disassemble a BPF object, raw bytecode or hex',
  usage: `usage: bpfsynth disasm [FILE] [--section S] [--raw | --hex] [--syntax llvm|kernel] [--linked [--type T]] [--json]

FILE is a BPF object (.o), raw bytecode (with --raw) or hex text (with --hex; the default
when reading stdin, i.e. no FILE or '-'). Objects print like 'llvm-objdump -d --mcpu=v4',
section by section; --linked prints one program as it will be loaded (subprograms appended,
map references resolved) instead.

  --section S      only this section (objects) / program to link (--linked)
  --type T         with --linked: program type instead of the section's
  --syntax SYN     llvm (default) or kernel (the verifier log's: '(61) r0 = *(u32 *)(r1 +4)')
  --no-bytes       leave out the raw bytes
  --json           one JSON object per instruction`,
  options: {
    section: { type: 'string' }, raw: { type: 'boolean' }, hex: { type: 'boolean' }, syntax: { type: 'string' },
    linked: { type: 'boolean' }, type: { type: 'string' }, json: { type: 'boolean' }, 'no-bytes': { type: 'boolean' },
  },
  positionals: [0, 1],
  run(args) {
    const path = args.positionals[0] ?? '-';
    const where = path === '-' ? 'stdin' : path;
    const syntax = (str(args, 'syntax') ?? 'llvm') as Syntax;
    if (syntax !== 'llvm' && syntax !== 'kernel') throw new UsageError(`--syntax must be llvm or kernel, not '${syntax}'`);
    if (flag(args, 'raw') && flag(args, 'hex')) throw new UsageError('--raw and --hex exclude each other');
    let bytes: Uint8Array;
    const blocks: { title?: string; insns: Insn[]; label?: (pc: number) => string | undefined; reloc?: (pc: number) => string | undefined }[] = [];
    try {
      bytes = readInput(path);
      const section = str(args, 'section');
      if (!flag(args, 'raw') && !flag(args, 'hex') && isElf(bytes)) {
        const obj = readBpfObject(bytes);
        if (flag(args, 'linked')) {
          const p = obj.link(section, { type: progTypeArg(str(args, 'type')) });
          const names = new Map(p.funcs.map((f) => [f.start, f.name]));
          blocks.push({ title: `${p.name} (${p.section}, ${p.type}) linked`, insns: [...p.insns], label: (pc) => names.get(pc) });
        } else {
          const secs = [...obj.code.keys()].filter((s) => section === undefined || s === section);
          if (section !== undefined && !secs.length) throw new InputError(`no executable section '${section}' (have: ${[...obj.code.keys()].join(', ')})`);
          for (const s of secs) {
            const names = new Map(obj.funcs.filter((f) => f.section === s).map((f) => [f.start, f.name]));
            blocks.push({ title: s, insns: obj.code.get(s)!.insns, label: (pc) => names.get(pc), reloc: (pc) => obj.relocAt(s, pc) });
          }
        }
      } else {
        const raw = flag(args, 'raw') ? bytes : parseHex(new TextDecoder().decode(bytes), where);
        blocks.push({ insns: decodeBytes(raw) });
      }
    } catch (e) {
      throw located(where, e);
    }
    const json = flag(args, 'json');
    const out: string[] = [];
    for (const b of blocks) {
      const lines = disasm(b.insns, syntax);
      if (json) {
        for (const l of lines) {
          out.push(JSON.stringify({ section: b.title, pc: l.pc, text: l.text, bytes: l.insns.map((x) => ({ ...x })), ...(l.error ? { error: l.error } : {}), ...(b.reloc?.(l.pc) ? { reloc: b.reloc(l.pc) } : {}) }));
        }
        continue;
      }
      if (b.title) out.push('', `Disassembly of section ${b.title}:`);
      for (const l of lines) {
        const name = b.label?.(l.pc);
        if (name) out.push('', `${syntax === 'llvm' ? l.pc.toString(16).padStart(16, '0') + ' ' : ''}<${name}>:`);
        let s = formatLine(l, syntax, !flag(args, 'no-bytes'));
        const r = b.reloc?.(l.pc);
        if (r) s += `\t; ${r}`;
        if (l.error) s += `\t; ${l.error}`;
        out.push(s);
      }
    }
    console.log(out.join('\n').replace(/^\n/, ''));
    return 0;
  },
};
