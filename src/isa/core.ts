// CO-RE as libbpf applies it before loading: every bpf_core_relo record of .BTF.ext resolved
// against a target BTF (the running kernel's, or one given with --btf) and patched into its
// instruction — ALU imm, LDX/ST/STX offset (and load size), lddw imm64 — or, when no target
// field exists, the instruction replaced by libbpf's poison call (helper 0xbad2310) so that the
// verifier reports it if it is reachable. The compile-time program is kept beside the result.
import { existsSync, readFileSync } from 'node:fs';
import { parseBtf, type Btf } from './btf.ts';
import { ElfError, parseElf } from './elf.ts';
import type { BpfObject } from './object.ts';
import { type Insn, insnWith } from './insn.ts';
import { BYTES_SIZE, CLASS, LDDW_CODE, SIZE_BYTES, cls, sizeOf as sizeField, srcBit } from './opcodes.ts';
import type { Program } from './program.ts';
import { CoreError, coreKindName } from './core-spec.ts';
import { resolveRelo, type CoreRelo, type CoreResult } from './core-calc.ts';

export { CoreError } from './core-spec.ts';

/** libbpf's poison: `call 0xbad2310` ("bad relo"); the verifier says "invalid func unknown#195896080". */
export const POISON_IMM = 195896080;

/** A relocation placed in a linked program. */
export interface LinkedRelo extends CoreRelo {
  section: string;
  /** Slot in the linked program. */
  pc: number;
}

export interface CoreOutcome {
  relo: LinkedRelo;
  result: CoreResult;
}

/** What applying CO-RE did to a program (kept on the relocated Program). */
export interface CoreApplied {
  /** Where the target BTF came from (a path). */
  target: string;
  /** The instructions as compiled, before relocation: what an optimizer edits and a writer writes. */
  compiled: readonly Insn[];
  outcomes: readonly CoreOutcome[];
}

/** All core_relo records of an object, by section, with access strings read. */
export function objectCoreRelos(obj: BpfObject): Map<string, CoreRelo[]> {
  const out = new Map<string, CoreRelo[]>();
  if (!obj.btf || !obj.btfExt) return out;
  for (const [section, recs] of obj.btfExt.coreRelo.bySection) {
    out.set(section, recs.map((r) => {
      const dv = new DataView(r.rest.buffer, r.rest.byteOffset, r.rest.byteLength);
      if (r.rest.length < 12) throw new CoreError(`.BTF.ext core_relo record for ${section} is ${r.rest.length + 4} bytes, expected 16`);
      return { insnOff: r.insnOff, typeId: dv.getUint32(0, true), access: obj.btf!.str(dv.getUint32(4, true)), kind: dv.getUint32(8, true) };
    }));
  }
  return out;
}

/** The object's relocations that fall inside a linked program, at their program slots. */
export function programCoreRelos(obj: BpfObject, program: Program): LinkedRelo[] {
  const bySection = objectCoreRelos(obj);
  const out: LinkedRelo[] = [];
  for (const f of program.funcs) {
    const sym = obj.funcs.find((g) => g.name === f.name);
    if (!sym) continue;
    for (const r of bySection.get(sym.section) ?? []) {
      if (r.insnOff % 8) throw new CoreError(`${sym.section}: CO-RE relocation at byte ${r.insnOff} is not at an instruction`);
      const slot = r.insnOff / 8;
      if (slot >= sym.start && slot < sym.start + sym.length) out.push({ ...r, section: sym.section, pc: f.start + slot - sym.start });
    }
  }
  return out.sort((a, b) => a.pc - b.pc);
}

const where = (p: Program, r: LinkedRelo, i: number): string =>
  `program ${p.name}: CO-RE relocation #${i} (${coreKindName(r.kind)} on type [${r.typeId}] access ${r.access}) at insn ${r.pc}`;

/** Apply every relocation to a copy of the program's instructions. Throws CoreError where libbpf refuses the object. */
export function applyCore(program: Program, relos: readonly LinkedRelo[], local: Btf, target: Btf, targetName: string): Program {
  const insns = [...program.insns];
  const outcomes: CoreOutcome[] = [];
  relos.forEach((relo, i) => {
    try {
      const result = resolveRelo(local, relo, target);
      patchInsn(insns, relo.pc, result);
      outcomes.push({ relo, result });
    } catch (e) {
      if (e instanceof CoreError) throw new CoreError(`${where(program, relo, i)}: ${e.message}`);
      throw e;
    }
  });
  return { ...program, insns, core: { target: targetName, compiled: program.insns, outcomes } };
}

function poison(insns: Insn[], pc: number): void {
  const n = insns[pc].code === LDDW_CODE ? 2 : 1;
  for (let k = 0; k < n; k++) insns[pc + k] = { code: CLASS.JMP | 0x80, dst: 0, src: 0, off: 0, imm: POISON_IMM };
}

const u64 = (v: number): bigint => BigInt.asUintN(64, BigInt(v));

/** bpf_core_patch_insn: check the compile-time value, then write the target's. */
export function patchInsn(insns: Insn[], pc: number, r: CoreResult): void {
  const x = insns[pc];
  if (!x) throw new CoreError(`instruction ${pc} is outside the program`);
  switch (cls(x.code)) {
    case CLASS.ALU: case CLASS.ALU64: {
      if (srcBit(x.code)) throw new CoreError('relocated ALU instruction has a register source');
      if (r.poison) return poison(insns, pc);
      if (r.validate && u64(x.imm) !== r.orig) throw new CoreError(`instruction has imm ${x.imm}, expected ${r.orig}`);
      insns[pc] = insnWith(x, { imm: Number(BigInt.asIntN(32, r.value)) });
      return;
    }
    case CLASS.LDX: case CLASS.ST: case CLASS.STX: {
      if (r.poison) return poison(insns, pc);
      if (r.validate && u64(x.off) !== r.orig) throw new CoreError(`instruction has offset ${x.off}, expected ${r.orig}`);
      if (r.value > 32767n) throw new CoreError(`offset ${r.value} does not fit the instruction`);
      if (r.badResize) return poison(insns, pc); // libbpf: "accesses field incorrectly"
      let code = x.code;
      if (r.newSize !== r.origSize) {
        if (SIZE_BYTES[sizeField(x.code)] !== r.origSize) throw new CoreError(`instruction accesses ${SIZE_BYTES[sizeField(x.code)]} bytes, expected ${r.origSize}`);
        const size = BYTES_SIZE[r.newSize as 1 | 2 | 4 | 8];
        if (size === undefined) throw new CoreError(`field of ${r.newSize} bytes cannot be loaded`);
        code = (x.code & ~0x18) | size;
      }
      insns[pc] = insnWith(x, { code, off: Number(r.value) });
      return;
    }
    case CLASS.LD: {
      const hi = insns[pc + 1];
      if (x.code !== LDDW_CODE || !hi || x.src !== 0 || x.off !== 0 || hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        throw new CoreError('relocated lddw has an unexpected form');
      }
      if (r.poison) return poison(insns, pc);
      const imm = (BigInt(hi.imm >>> 0) << 32n) | BigInt(x.imm >>> 0);
      if (r.validate && imm !== r.orig) throw new CoreError(`lddw has ${imm}, expected ${r.orig}`);
      insns[pc] = insnWith(x, { imm: Number(BigInt.asIntN(32, r.value)) });
      insns[pc + 1] = insnWith(hi, { imm: Number(BigInt.asIntN(32, r.value >> 32n)) });
      return;
    }
    default:
      throw new CoreError(`cannot relocate instruction with opcode 0x${x.code.toString(16)}`);
  }
}

/** Slots an editor must leave alone in a relocated program: each relocated instruction (both lddw halves). */
export function coreSlots(program: Program): number[] {
  const core = program.core;
  if (!core) return [];
  return core.outcomes.flatMap((o) => (core.compiled[o.relo.pc].code === LDDW_CODE ? [o.relo.pc, o.relo.pc + 1] : [o.relo.pc]));
}

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

const targets = new Map<string, Btf>();
/** A target BTF by path (cached): raw BTF (/sys/kernel/btf/vmlinux) or an ELF file with a .BTF section (a vmlinux). */
export function readTargetBtf(path: string): Btf {
  let b = targets.get(path);
  if (!b) {
    const bytes = new Uint8Array(readFileSync(path));
    try {
      const isElf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
      const sec = isElf ? parseElf(bytes).sections.find((s) => s.name === '.BTF') : undefined;
      if (isElf && !sec) throw new ElfError('ELF file without a .BTF section');
      b = parseBtf(sec ? sec.data : bytes);
    } catch (e) {
      if (e instanceof ElfError) throw new CoreError(`target BTF ${path}: ${e.message}`);
      throw e;
    }
    targets.set(path, b);
  }
  return b;
}

/**
 * Relocate a linked program of `obj` for a target BTF: `btfPath` when given, else the running
 * kernel's when readable. A program without CO-RE relocations comes back unchanged.
 */
export function relocateForTarget(obj: BpfObject, program: Program, btfPath?: string): Program {
  const relos = programCoreRelos(obj, program);
  if (!relos.length) return program;
  const path = btfPath ?? VMLINUX_BTF;
  if (btfPath === undefined && !existsSync(path)) {
    throw new CoreError(`program ${program.name} has ${relos.length} CO-RE relocations and ${VMLINUX_BTF} is not readable: give the target's BTF with --btf FILE`);
  }
  const applied = applyCore(program, relos, obj.btf!, readTargetBtf(path), path);
  // the linker's note says the relocations were left unapplied: no longer true
  return { ...applied, notes: applied.notes?.filter((n) => !n.includes('CO-RE relocation')) };
}
