import type { Command } from './args.ts';
import { flag, str } from './args.ts';
import { assemble } from '../isa/asm.ts';
import { encodeBytes } from '../isa/insn.ts';
import { UsageError, located } from './errors.ts';
import { readInput, writeAtomic } from './io.ts';

export const asmCmd: Command = {
  name: 'asm',
  summary: 'assemble text into raw bytecode',
  usage: `usage: bpfsynth asm FILE.s -o OUT [--hex]

Assembles llvm-objdump or verifier-log syntax (both accepted, mixed freely), with labels
('loop:', 'goto loop', 'call func'), helper names ('call bpf_map_lookup_elem') and comments
(';', '#', '//'). Writes raw little-endian bytecode, or hex text with --hex. '-' reads stdin
or writes stdout.

  -o, --output OUT   where to write (required)
  --hex              write hex text, one instruction per line`,
  options: { output: { type: 'string', short: 'o' }, hex: { type: 'boolean' } },
  positionals: [1, 1],
  run(args) {
    const path = args.positionals[0];
    const out = str(args, 'output');
    if (!out) throw new UsageError("asm: missing -o OUT (use '-o -' for stdout)");
    const where = path === '-' ? 'stdin' : path;
    let bytes: Uint8Array;
    try {
      bytes = encodeBytes(assemble(new TextDecoder().decode(readInput(path))).insns);
    } catch (e) {
      throw located(where, e);
    }
    const data = flag(args, 'hex') ? hexLines(bytes) : bytes;
    if (out === '-') process.stdout.write(data);
    else writeAtomic(out, data);
    return 0;
  },
};

function hexLines(b: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 8) lines.push([...b.subarray(i, i + 8)].map((x) => x.toString(16).padStart(2, '0')).join(' '));
  return lines.join('\n') + '\n';
}
