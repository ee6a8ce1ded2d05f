// Differential check of CO-RE against libbpf: what libbpf patched into each instruction, read
// from `bpftool -d prog loadall` (its "relo #N: patched insn #I (FORM) … -> V" and
// "substituting insn #I" lines), against what src/isa/core.ts patches for the same target.
// libbpf numbers instructions from the start of each function (entry or .text subprogram),
// so each function is relocated on its own here; no program type or linking is needed.
//
//   node --import tsx fuzz/core-libbpf.ts DIR|FILE.o…   (root: loads with bpftool in a private
//   mount namespace; the target is /sys/kernel/btf/vmlinux)
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Btf } from '../src/isa/btf.ts';
import { readObject, type BpfObject } from '../src/isa/object.ts';
import { POISON_IMM, VMLINUX_BTF, applyCore, objectCoreRelos, readTargetBtf } from '../src/isa/core.ts';
import type { Program } from '../src/isa/program.ts';

export interface LibbpfRelo { prog: string; insn: number; what: 'patched' | 'poison'; form?: string; value?: bigint }

/** libbpf's relocation lines (with or without the "libbpf: " prefix). */
export function parseLibbpfRelos(text: string): LibbpfRelo[] {
  const out: LibbpfRelo[] = [];
  for (const l of text.split('\n')) {
    const m = /prog '(\w+)': relo #\d+: (?:patched insn #(\d+) \(([\w/]+)\) \w+ \d+ -> (\d+)|substituting insn #(\d+))/.exec(l);
    if (!m) continue;
    if (m[2] !== undefined) out.push({ prog: m[1], insn: Number(m[2]), what: 'patched', form: m[3], value: BigInt(m[4]) });
    else out.push({ prog: m[1], insn: Number(m[5]), what: 'poison' });
  }
  return out;
}

/** Each function of the object relocated on its own (slot 0 = its first instruction), by name. */
export function relocateFunctions(obj: BpfObject, target: Btf): { byFunc: Map<string, Program>; errors: string[] } {
  const relos = objectCoreRelos(obj);
  const byFunc = new Map<string, Program>();
  const errors: string[] = [];
  for (const fn of obj.funcs) {
    const mine = (relos.get(fn.section) ?? [])
      .filter((r) => r.insnOff / 8 >= fn.start && r.insnOff / 8 < fn.start + fn.length)
      .map((r) => ({ ...r, section: fn.section, pc: r.insnOff / 8 - fn.start }));
    const insns = obj.code.get(fn.section)!.insns.slice(fn.start, fn.start + fn.length);
    const bare: Program = { name: fn.name, section: fn.section, type: 'kprobe', insns, maps: [], license: obj.license, funcs: [{ name: fn.name, start: 0 }] };
    try {
      byFunc.set(fn.name, applyCore(bare, mine, obj.btf!, target, 'target'));
    } catch (e) {
      errors.push(`${fn.name}: ${(e as Error).message}`);
    }
  }
  return { byFunc, errors };
}

/** Compare libbpf's lines with our relocation of the same object: agreements and one line per difference. */
export function compareWithLibbpf(obj: BpfObject, lines: readonly LibbpfRelo[], target: Btf): { agree: number; diffs: string[] } {
  const { byFunc, errors } = relocateFunctions(obj, target);
  const diffs = [...errors];
  let agree = 0;
  for (const l of lines) {
    const p = byFunc.get(l.prog);
    if (!p) {
      diffs.push(`${l.prog} insn ${l.insn}: no such function relocated here`);
      continue;
    }
    const x = p.insns[l.insn];
    let ours: bigint | 'poison';
    if (x.code === 0x85 && x.imm === POISON_IMM) ours = 'poison';
    else if (l.form === 'LDX/ST/STX') ours = BigInt(x.off);
    else if (l.form === 'LDIMM64') ours = (BigInt(p.insns[l.insn + 1].imm >>> 0) << 32n) | BigInt(x.imm >>> 0);
    else ours = BigInt.asUintN(32, BigInt(x.imm));
    const theirs = l.what === 'poison' ? 'poison' : l.form === 'ALU/ALU64' ? BigInt.asUintN(32, l.value!) : l.value!;
    if (ours === theirs) agree++;
    else diffs.push(`${l.prog} insn ${l.insn} (${l.form ?? 'poison'}): libbpf ${theirs}, bpfsynth ${ours}`);
  }
  const ours = [...byFunc.values()].reduce((n, p) => n + (p.core?.outcomes.length ?? 0), 0);
  if (lines.length && ours !== lines.length) diffs.push(`${ours} relocations here, libbpf logged ${lines.length}`);
  return { agree, diffs };
}

/** libbpf's relocation log of an object: `bpftool -d prog loadall` in a private mount namespace. */
export function libbpfLog(path: string): string {
  const script = 'mount -t bpf bpf /sys/fs/bpf || exit 99; bpftool -d prog loadall "$1" /sys/fs/bpf/o 2>&1 >/dev/null; exit 0';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`bpftool in a private mount namespace failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2).flatMap((a) => (statSync(a).isDirectory() ? readdirSync(a).filter((f) => f.endsWith('.o')).sort().map((f) => join(a, f)) : [a]));
  if (!files.length) {
    console.error('usage: node --import tsx fuzz/core-libbpf.ts DIR|FILE.o…');
    process.exit(2);
  }
  const target = readTargetBtf(VMLINUX_BTF);
  let objects = 0, total = 0, agree = 0, differing = 0;
  for (const f of files) {
    let obj: BpfObject;
    try {
      obj = readObject(new Uint8Array(readFileSync(f)));
    } catch (e) {
      console.log(`${f}: not read: ${(e as Error).message}`);
      continue;
    }
    if (!objectCoreRelos(obj).size) continue;
    objects++;
    const lines = parseLibbpfRelos(libbpfLog(f));
    const r = compareWithLibbpf(obj, lines, target);
    total += lines.length;
    agree += r.agree;
    if (r.diffs.length) differing++;
    for (const d of r.diffs) console.log(`${f}: ${d}`);
  }
  console.log(`${objects} objects with CO-RE relocations; ${agree}/${total} of libbpf's relocations equal; ${differing} objects with a difference`);
  process.exit(differing ? 1 : 0);
}
