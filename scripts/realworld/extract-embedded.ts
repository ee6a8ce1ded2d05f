// Cut the BPF objects out of executables that embed them (libbpf skeletons, as in Debian's
// libbpf-tools): every "\x7fELF" whose header says 64-bit little-endian, e_machine 247 (BPF),
// ending where its section header table ends.
// usage: node --import tsx scripts/realworld/extract-embedded.ts OUTDIR BINARY…
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [outDir, ...bins] = process.argv.slice(2);
if (!outDir || !bins.length) {
  console.error('usage: extract-embedded.ts OUTDIR BINARY…');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
let total = 0;
for (const bin of bins) {
  const b = readFileSync(bin);
  let n = 0;
  for (let at = b.indexOf('\x7fELF', 1); at >= 0; at = b.indexOf('\x7fELF', at + 4)) {
    if (at + 64 > b.length || b[at + 4] !== 2 || b[at + 5] !== 1 || b.readUInt16LE(at + 18) !== 247) continue;
    const shoff = Number(b.readBigUInt64LE(at + 40));
    const end = at + shoff + b.readUInt16LE(at + 58) * b.readUInt16LE(at + 60);
    if (end > b.length || shoff === 0) continue;
    writeFileSync(join(outDir, `${basename(bin)}${n ? `.${n}` : ''}.bpf.o`), b.subarray(at, end));
    n++;
  }
  total += n;
}
console.log(`${total} BPF objects from ${bins.length} binaries into ${outDir}`);
