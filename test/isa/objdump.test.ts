// For every corpus object, our listing agrees with llvm-objdump-19 -d --mcpu=v4 instruction by
// instruction: against the committed listings always, and against a live llvm-objdump when present.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readObject } from '../../src/isa/object.ts';
import { disasm, formatLine } from '../../src/isa/disasm.ts';

const t = suite('isa/objdump');
const dir = 'corpus';
const objects = readdirSync(dir).filter((f) => f.endsWith('.o')).sort();

/** section name → instruction lines ("pc:\tbytes\ttext"), from an llvm-objdump listing. */
function parseListing(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    const sec = /^Disassembly of section (.*):$/.exec(line);
    if (sec) out.set(sec[1], (cur = []));
    else if (cur && /^\s+\d+:\t/.test(line)) cur.push(line.replace(/ <[^<>\s]+>$/, ''));
  }
  return out;
}

function ours(file: string): Map<string, string[]> {
  const obj = readObject(readFileSync(`${dir}/${file}`));
  const out = new Map<string, string[]>();
  for (const [name, { insns }] of obj.code) out.set(name, disasm(insns, 'llvm').map((l) => formatLine(l, 'llvm')));
  return out;
}

t('there is a corpus to compare', () => {
  assert.ok(objects.length >= 12, `${objects.length} objects`);
});

for (const f of objects) {
  t(`${f}: matches the committed llvm-objdump listing`, () => {
    const want = parseListing(readFileSync(`${dir}/objdump/${f.replace(/\.o$/, '')}.raw.txt`, 'utf8'));
    const got = ours(f);
    assert.equal([...got.keys()].sort(), [...want.keys()].sort());
    for (const [sec, lines] of want) assert.equal(got.get(sec), lines, `section ${sec}`);
  });
}

let live = false;
try {
  execFileSync('llvm-objdump-19', ['--version'], { stdio: 'ignore' });
  live = true;
} catch {
  console.log('skip: llvm-objdump-19 not installed; compared with committed listings only');
}
if (live) {
  t('matches a live llvm-objdump-19 on every corpus object', () => {
    for (const f of objects) {
      const text = execFileSync('llvm-objdump-19', ['-d', '--mcpu=v4', `${dir}/${f}`], { encoding: 'utf8' });
      const want = parseListing(text);
      const got = ours(f);
      for (const [sec, lines] of want) assert.equal(got.get(sec), lines, `${f} section ${sec}`);
    }
  });
}

t.run();
