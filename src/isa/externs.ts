// Extern symbols of a BPF object, resolved as libbpf resolves them: `.kconfig` variables become
// one read-only array map whose contents the loader fills in (CONFIG_* values and libbpf's
// LINUX_KERNEL_VERSION etc.), `.ksyms` functions become kfunc calls by vmlinux BTF id, typed
// `.ksyms` variables BTF ids, untyped ones kallsyms addresses. The values come from an
// ExternResolver, so this module stays pure (src/kernel/externs.ts reads the running kernel).
import { ElfError } from './elf.ts';
import { BTF_KIND, type Btf } from './btf.ts';
import { MAP_TYPE, type MapDef } from './program.ts';

export interface ExternResolver {
  /** A .kconfig value in Kconfig syntax ('y', 'm', 'n', '123', '0x10', '"text"'); undefined when unset. */
  kconfig(name: string): string | undefined;
  /** vmlinux BTF id of a kernel function (kfunc) or variable (typed __ksym). */
  btfId(name: string, kind: 'func' | 'var'): number | undefined;
  /** Address of an untyped __ksym (from kallsyms). */
  address(name: string): bigint | undefined;
}

/** A resolver that knows nothing (every extern unresolved). */
export const NO_EXTERNS: ExternResolver = { kconfig: () => undefined, btfId: () => undefined, address: () => undefined };

export interface KconfigVar {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

/** The `.kconfig` externs of an object, laid out in one map value (natural alignment, BTF order). */
export function kconfigLayout(btf: Btf | undefined): { vars: KconfigVar[]; size: number } {
  const sec = btf?.byName('.kconfig', BTF_KIND.DATASEC);
  const vars: KconfigVar[] = [];
  let at = 0;
  for (const m of sec?.members ?? []) {
    const v = btf!.types[m.type];
    if (v?.kind !== BTF_KIND.VAR) throw new ElfError(`.kconfig entry at offset ${m.offset} is not a variable`);
    const size = btf!.sizeOf(v.sizeOrType);
    const align = Math.min(8, size & -size || 1);
    at = Math.ceil(at / align) * align;
    vars.push({ name: v.name, offset: at, size });
    at += size;
  }
  return { vars, size: Math.ceil(at / 8) * 8 };
}

/** Is this extern variable's BTF type `void` (untyped __ksym: an address)? */
export function ksymIsTyped(btf: Btf | undefined, name: string): boolean {
  const sec = btf?.byName('.ksyms', BTF_KIND.DATASEC);
  const v = sec?.members.map((m) => btf!.types[m.type]).find((t) => t?.name === name && t.kind === BTF_KIND.VAR);
  return !!v && v.sizeOrType !== 0;
}

/** The .kconfig map: contents from the resolver (weak externs that are unset read as 0). */
export function kconfigMap(layout: { vars: KconfigVar[]; size: number }, ext: ExternResolver, weak: (name: string) => boolean): MapDef {
  const value = new Uint8Array(Math.max(8, layout.size));
  const dv = new DataView(value.buffer);
  for (const v of layout.vars) {
    const text = ext.kconfig(v.name);
    if (text === undefined) {
      if (!weak(v.name)) throw new ElfError(`extern ${v.name} (.kconfig): no value on this system and not declared __weak`);
      continue;
    }
    if (text.startsWith('"')) {
      const bytes = new TextEncoder().encode(text.slice(1, text.endsWith('"') ? -1 : undefined));
      value.set(bytes.subarray(0, v.size - 1), v.offset);
      continue;
    }
    const n = text === 'y' ? 1n : text === 'm' ? 2n : text === 'n' ? 0n : /^-?(0x[0-9a-f]+|\d+)$/i.test(text) ? BigInt(text) : undefined;
    if (n === undefined) throw new ElfError(`extern ${v.name} (.kconfig): value '${text}' is neither y/m/n, a number nor a string`);
    if (v.size === 8) dv.setBigUint64(v.offset, BigInt.asUintN(64, n), true);
    else if (v.size === 4) dv.setUint32(v.offset, Number(BigInt.asUintN(32, n)), true);
    else if (v.size === 2) dv.setUint16(v.offset, Number(BigInt.asUintN(16, n)), true);
    else if (v.size === 1) dv.setUint8(v.offset, Number(BigInt.asUintN(8, n)));
    else throw new ElfError(`extern ${v.name} (.kconfig): ${v.size}-byte variable cannot hold a number`);
  }
  return { name: '.kconfig', type: MAP_TYPE.array, keySize: 4, valueSize: value.length, maxEntries: 1, flags: 0x80 /* BPF_F_RDONLY_PROG */, initial: value, readonly: true };
}
