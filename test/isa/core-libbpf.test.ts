// CO-RE relocations applied by bpfsynth equal what libbpf applied to the same object on the
// same kernel: corpus/core/<name>.libbpf.txt (corpus/record-core.sh) holds libbpf's
// "patched insn #I … -> V" and "substituting insn #I" lines, the hash of the target BTF and the
// verifier's processed count of each program (the model, on the relocated code, must match).
// Replays without root where /sys/kernel/btf/vmlinux is the recorded one; skips otherwise.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { POISON_IMM, VMLINUX_BTF, readTargetBtf, relocateForTarget } from '../../src/isa/core.ts';
import { compareWithLibbpf, parseLibbpfRelos, type LibbpfRelo } from '../../fuzz/core-libbpf.ts';
import { verify } from '../../src/verifier/analyze.ts';

const t = suite('isa/core-libbpf');

function parse(text: string): { hash: string; lines: LibbpfRelo[]; processed: Map<string, number> } {
  const hash = /^# target-btf-sha256 (\w+)$/m.exec(text)?.[1] ?? '';
  const processed = new Map([...text.matchAll(/^# processed (\w+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  return { hash, lines: parseLibbpfRelos(text), processed };
}

const recordings = readdirSync('corpus/core').filter((f) => f.endsWith('.libbpf.txt'));
const here = existsSync(VMLINUX_BTF) ? createHash('sha256').update(readFileSync(VMLINUX_BTF)).digest('hex') : undefined;

t('there are recordings with relocations of every form', () => {
  const all = recordings.flatMap((f) => parse(readFileSync(`corpus/core/${f}`, 'utf8')).lines);
  assert.ok(recordings.length >= 1);
  for (const form of ['ALU/ALU64', 'LDX/ST/STX', 'LDIMM64']) assert.ok(all.some((l) => l.form === form), form);
  assert.ok(all.some((l) => l.what === 'poison'));
});

for (const f of recordings) {
  const name = f.replace(/\.libbpf\.txt$/, '');
  const rec = parse(readFileSync(`corpus/core/${f}`, 'utf8'));
  if (here !== rec.hash) {
    console.log(`skip: isa/core-libbpf ${name}: ${here ? 'this kernel\'s BTF is not the one recorded' : `${VMLINUX_BTF} not readable`} (re-record with corpus/record-core.sh)`);
    continue;
  }
  t(`${name}: every relocation as libbpf applied it`, () => {
    const obj = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`)));
    // libbpf logs a subprogram's relocations under its own name, numbered from its start
    const linked = obj.programs.map((e) => relocateForTarget(obj, obj.link(e.name)));
    const home = (fn: string): { p: (typeof linked)[number]; base: number } => {
      for (const p of linked) {
        const f = p.funcs.find((g) => g.name === fn);
        if (f) return { p, base: f.start };
      }
      throw new Error(`no program links ${fn}`);
    };
    for (const p of linked) {
      const mine = rec.lines.filter((l) => p.funcs.some((f) => f.name === l.prog));
      assert.is(p.core!.outcomes.length, mine.length, `${p.name}: relocation count`);
    }
    for (const progName of new Set(rec.lines.map((l) => l.prog))) {
      const { p, base } = home(progName);
      for (const l of rec.lines.filter((x) => x.prog === progName)) {
        const x = p.insns[base + l.insn];
        const at = `${progName} insn ${l.insn} (in ${p.name})`;
        if (l.what === 'poison') {
          assert.equal([x.code, x.imm], [0x85, POISON_IMM], at);
        } else if (l.form === 'ALU/ALU64') {
          assert.is(BigInt.asUintN(32, BigInt(x.imm)), BigInt.asUintN(32, l.value!), at);
        } else if (l.form === 'LDX/ST/STX') {
          assert.is(BigInt(x.off), l.value, at);
        } else {
          const v = (BigInt(p.insns[base + l.insn + 1].imm >>> 0) << 32n) | BigInt(x.imm >>> 0);
          assert.is(v, l.value, at);
        }
      }
    }
    for (const p of linked) {
      // the compile-time code is kept, and only the relocated slots differ from it
      const changed = p.insns.flatMap((x, i) => (JSON.stringify(x) === JSON.stringify(p.core!.compiled[i]) ? [] : [i]));
      const relocated = new Set(p.core!.outcomes.flatMap((o) => [o.relo.pc, o.relo.pc + 1]));
      assert.ok(changed.every((i) => relocated.has(i)), `${p.name}: slots ${changed} changed`);
    }
    // the differential tool (fuzz/core-libbpf.ts: each function relocated on its own) agrees too
    const cmp = compareWithLibbpf(obj, rec.lines, readTargetBtf(VMLINUX_BTF));
    assert.equal(cmp.diffs, []);
    assert.is(cmp.agree, rec.lines.length);
  });
}

for (const f of recordings) {
  const name = f.replace(/\.libbpf\.txt$/, '');
  const rec = parse(readFileSync(`corpus/core/${f}`, 'utf8'));
  if (here !== rec.hash) continue; // said above
  t(`${name}: the verifier model on the relocated programs: accepted, processed as the kernel`, () => {
    const obj = readObject(new Uint8Array(readFileSync(`corpus/${name}.o`)));
    assert.is(rec.processed.size, obj.programs.length);
    for (const [prog, n] of rec.processed) {
      const v = verify(relocateForTarget(obj, obj.link(prog)));
      assert.is(v.ok, true, `${prog}: ${v.error?.message}`);
      assert.is(v.processed, n, prog);
    }
  });
}

t.run();
