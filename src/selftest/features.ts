// The feature a non-agreeing or skipped selftest run belongs to, derived from what the program
// uses (kfunc names, helper ids the model has no prototype for, map types, program type, global
// functions) and, when the program says nothing, from the kind of log line the model missed.
// The counts by feature choose the model's next steps.
import { CALL_CODE } from '../isa/opcodes.ts';
import type { BpfObject } from '../isa/object.ts';
import { MODELLED_TYPES, type Program } from '../isa/program.ts';
import { helperName } from '../isa/helpers.ts';
import { protoOf } from '../isa/protos.ts';

/** What a test's program uses, as far as the object and the linked program tell. */
export interface ProgramFacts {
  readonly type?: string;
  /** kfuncs called (names from the object's relocations). */
  readonly kfuncs: readonly string[];
  /** Helpers called that the model has no prototype for (names). */
  readonly unmodelledHelpers: readonly string[];
  readonly mapTypes: readonly number[];
  /** Global (BTF func_info-checked) functions the program calls. */
  readonly globalFuncs: readonly string[];
}

const PSEUDO_CALL = 1;
const PSEUDO_KFUNC_CALL = 2;

/** The facts of the entry point `name` of `obj`; `program` is its linked form when linking worked. */
export function programFacts(obj: BpfObject, name: string, program?: Program): ProgramFacts {
  const entry = obj.programs.find((f) => f.name === name);
  const kfuncs = new Set<string>();
  if (entry) {
    const defined = new Set(obj.funcs.map((f) => f.name));
    const scan = (section: string, lo: number, hi: number): boolean => {
      const code = obj.code.get(section);
      let local = false;
      for (let i = lo; code && i < Math.min(hi, code.insns.length); i++) {
        const x = code.insns[i];
        if (x.code !== CALL_CODE) continue;
        // clang leaves both local and extern calls as pseudo calls; a call to a symbol the
        // object does not define is a kfunc (libbpf makes it BPF_PSEUDO_KFUNC_CALL)
        const sym = obj.relocAt(section, i);
        if (x.src === PSEUDO_KFUNC_CALL || (sym && !defined.has(sym))) {
          if (sym) kfuncs.add(sym);
        } else if (x.src === PSEUDO_CALL) local = true;
      }
      return local;
    };
    // subprograms live in .text; scanned when the entry calls any (which ones: the linker knows)
    if (scan(entry.section, entry.start, entry.start + entry.length) && obj.code.has('.text')) scan('.text', 0, Infinity);
  }
  const helpers = new Set<string>();
  const type = program?.type ?? (entry ? obj.kindOf(entry).type : undefined);
  for (const x of program?.insns ?? []) {
    if (x.code === CALL_CODE && x.src === 0 && !protoOf(x.imm, program!.type)) helpers.add(helperName(x.imm) ?? `unknown#${x.imm}`);
  }
  const called = new Set(program?.funcs.map((f) => f.name) ?? []);
  return {
    ...(type ? { type } : {}),
    kfuncs: [...kfuncs],
    unmodelledHelpers: [...helpers],
    mapTypes: [...new Set(program?.maps.map((m) => m.type) ?? [])],
    globalFuncs: obj.funcs.filter((f) => f.global && f.section === '.text' && called.has(f.name)).map((f) => f.name),
  };
}

/** kfunc families by name. */
const KFUNC_FAMILIES: [RegExp, string][] = [
  [/^bpf_iter_/, 'iterators'],
  [/dynptr/, 'dynptrs'],
  [/^bpf_throw$/, 'exceptions'],
  [/^bpf_arena_/, 'arenas'],
  [/^bpf_(res_spin|local_irq|preempt)/, 'locks, irqs and preemption (kfuncs)'],
  [/^bpf_(percpu_)?obj_(new|drop)|^bpf_refcount|^bpf_list_|^bpf_rbtree_/, 'allocated objects (obj_new, lists, rbtrees)'],
  [/^bpf_rcu_read/, 'RCU read sections'],
  [/_acquire$|_release$|^bpf_cpumask|kptr/, 'trusted pointers and kptrs (acquire/release kfuncs)'],
  [/^bpf_wq_|^bpf_timer/, 'timers and workqueues'],
  [/^bpf_kfunc_call_test|^bpf_kfunc_st_ops/, 'test-module kfuncs'],
];

/** Helper families by name (the helpers the model has no prototype for). */
const HELPER_FAMILIES: [RegExp, string][] = [
  [/dynptr/, 'dynptrs'],
  [/^spin_(un)?lock$/, 'spin locks'],
  [/^kptr_xchg$/, 'trusted pointers and kptrs (acquire/release kfuncs)'],
  [/^timer_/, 'timers and workqueues'],
  [/^(loop|for_each_map_elem|find_vma|user_ringbuf_drain)$/, 'callbacks (bpf_loop, for_each, find_vma)'],
];

/** Map types that need what the model lacks, by enum value. */
const MAP_FAMILIES: Record<number, string> = {
  12: 'map in map', 13: 'map in map', 24: 'local storage maps', 28: 'local storage maps', 29: 'local storage maps', 32: 'local storage maps',
  26: 'struct_ops', 31: 'callbacks (bpf_loop, for_each, find_vma)', 33: 'arenas',
};

/** What the missed log line is about, when the program's facts name nothing. */
const LOG_KINDS: [RegExp, string][] = [
  [/mark_precise|precis|regs=|propagating/, 'precision tracking log'],
  [/: safe|processed \d+ insns|states/, 'pruning and state log'],
  [/stack depth/, 'stack depth log'],
  [/R\d+(_w)?=|fp-\d+=/, 'register state lines'],
  [/^kernel retval|^interpreter/, 'return values (interpreter)'],
  [/func_info|BTF|btf/, 'program BTF (func_info, line_info)'],
  [/bpf_context access/, 'context fields'],
  [/invalid mem access 'map_ptr'/, 'map_ptr field reads (BTF)'],
  // the tests are 6.12's, the kernel 6.18: where the two disagree the wording or rule moved
  [/^kernel log lacks/, "kernel log differs from the 6.12 test's __msg"],
  [/^kernel (accepts|rejects) a __/, 'kernel verdict differs from the 6.12 test'],
];

export function kfuncFamily(name: string): string {
  return KFUNC_FAMILIES.find(([re]) => re.test(name))?.[1] ?? 'kfuncs (other)';
}

export function helperFamily(name: string): string {
  return HELPER_FAMILIES.find(([re]) => re.test(name))?.[1] ?? `helper bpf_${name}`;
}

/** The feature of one run: what its reason names first, then what its program uses, then the kind of log line. */
export function featureOf(reason: string, facts?: ProgramFacts): string {
  const kf = /kfunc '([\w]+)'/.exec(reason);
  if (kf) return kfuncFamily(kf[1]);
  const hp = /helper bpf_(\w+)#\d+|unknown helper (\d+)/.exec(reason);
  if (hp) return helperFamily(hp[1] ?? helperName(Number(hp[2])) ?? `unknown#${hp[2]}`);
  const pt = /program type (\w+) is not modelled/.exec(reason);
  if (pt) return `program type ${pt[1]}`;
  if (facts?.type && !MODELLED_TYPES.has(facts.type as Program['type'])) return `program type ${facts.type}`;
  if (facts?.kfuncs.length) return kfuncFamily(facts.kfuncs[0]);
  if (facts?.unmodelledHelpers.length) return helperFamily(facts.unmodelledHelpers[0]);
  for (const t of facts?.mapTypes ?? []) if (MAP_FAMILIES[t]) return MAP_FAMILIES[t];
  if (facts?.globalFuncs.length) return 'global functions (BTF func_info)';
  for (const [re, name] of LOG_KINDS) if (re.test(reason)) return name;
  if (/link:|section/.test(reason)) return 'object linking';
  return 'other';
}
