// Extern values from the running kernel, as libbpf finds them: Kconfig from /proc/config.gz
// (or /boot/config-$(uname -r)), libbpf's LINUX_* pseudo-options, BTF ids from
// /sys/kernel/btf/vmlinux, addresses from /proc/kallsyms. Everything is read lazily, once.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { BTF_KIND, parseBtf } from '../isa/btf.ts';
import type { ExternResolver } from '../isa/externs.ts';

let kconfigCache: Map<string, string> | undefined;
function kconfig(): Map<string, string> {
  if (kconfigCache) return kconfigCache;
  kconfigCache = new Map();
  let text = '';
  try {
    if (existsSync('/proc/config.gz')) text = gunzipSync(readFileSync('/proc/config.gz')).toString();
    else if (existsSync(`/boot/config-${release()}`)) text = readFileSync(`/boot/config-${release()}`, 'utf8');
  } catch {
    text = '';
  }
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (m) kconfigCache.set(m[1], m[2]);
  }
  return kconfigCache;
}

/** KERNEL_VERSION(a, b, c) of a release string, the patch level capped at 255 as libbpf does. */
export function kernelVersionCode(rel: string): number | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(rel);
  return m ? (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(255, Number(m[3] ?? 0)) : undefined;
}

let btfIndex: Map<string, number> | undefined | null;
/** `kind:name` → type id in vmlinux BTF (null when the kernel has no BTF). */
function vmlinuxIndex(): Map<string, number> | null {
  if (btfIndex !== undefined) return btfIndex;
  try {
    const btf = parseBtf(readFileSync('/sys/kernel/btf/vmlinux'));
    btfIndex = new Map();
    for (const t of btf.types) if (t.name) btfIndex.set(`${t.kind}:${t.name}`, t.id);
  } catch {
    btfIndex = null;
  }
  return btfIndex;
}

/** Type id of a named object in the running kernel's BTF. */
export function vmlinuxTypeId(name: string, kind: 'func' | 'var' | 'typedef' | 'struct'): number | undefined {
  const k = { func: BTF_KIND.FUNC, var: BTF_KIND.VAR, typedef: BTF_KIND.TYPEDEF, struct: BTF_KIND.STRUCT }[kind];
  return vmlinuxIndex()?.get(`${k}:${name}`);
}

let kallsyms: Map<string, bigint> | undefined;
function address(name: string): bigint | undefined {
  if (!kallsyms) {
    kallsyms = new Map();
    try {
      for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
        const [a, , n] = line.split(/\s+/);
        if (n && !kallsyms.has(n)) kallsyms.set(n, BigInt(`0x${a}`));
      }
    } catch {
      /* no kallsyms: every untyped ksym is unresolved */
    }
  }
  return kallsyms.get(name);
}

/** Resolve externs against the machine we run on. */
export const runningKernelExterns: ExternResolver = {
  kconfig(name) {
    switch (name) {
      case 'LINUX_KERNEL_VERSION': return String(kernelVersionCode(release()) ?? 0);
      case 'LINUX_HAS_BPF_COOKIE': return 'y';
      case 'LINUX_HAS_SYSCALL_WRAPPER': return 'y';
      default: return kconfig().get(name);
    }
  },
  btfId: (name, kind) => vmlinuxTypeId(name, kind),
  address,
};
