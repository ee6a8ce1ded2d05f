// A kernel selftest's expectations, read from the BTF decl tags that the annotations of
// tools/testing/selftests/bpf/progs/bpf_misc.h compile to ("comment:test_expect_msg=12=…"),
// with test_loader.c's reading of them: a program without tags is a privileged __success test,
// the unprivileged run inherits the privileged verdict, messages and retval unless it has its own.
import { BTF_KIND } from '../isa/btf.ts';
import type { BpfObject } from '../isa/object.ts';

/** prog_flags bits the annotations name (include/uapi/linux/bpf.h). */
export const PROG_FLAG_BITS: Record<string, number> = {
  BPF_F_STRICT_ALIGNMENT: 1, BPF_F_ANY_ALIGNMENT: 2, BPF_F_TEST_RND_HI32: 4, BPF_F_TEST_STATE_FREQ: 8,
  BPF_F_SLEEPABLE: 16, BPF_F_XDP_HAS_FRAGS: 32, BPF_F_TEST_REG_INVARIANTS: 128,
};
/** test_loader's starting prog_flags (testing_prog_flags(): both are accepted by 6.18). */
export const DEFAULT_PROG_FLAGS = PROG_FLAG_BITS.BPF_F_TEST_RND_HI32 | PROG_FLAG_BITS.BPF_F_TEST_REG_INVARIANTS;
/** __retval(POINTER_VALUE): any value is fine (test_loader.c). */
export const POINTER_VALUE = 0xcafe4a;
const NAMED_RETVALS: Record<string, number> = { INT_MIN: -0x80000000, POINTER_VALUE, TEST_DATA_LEN: 64 };

/** What one privilege level expects. */
export interface Expectation {
  readonly failure: boolean;
  /** __msg patterns, in order: verbatim text with {{POSIX ERE}} parts. */
  readonly msgs: readonly string[];
  /** __retval, when the test is run. */
  readonly retval?: number;
}

export interface TestSpec {
  /** Source file (e.g. verifier_and.c) and program (function) name. */
  readonly file: string;
  readonly name: string;
  readonly section: string;
  readonly description: string;
  /** Expectations for the privileged run and the unprivileged one (absent when not run that way). */
  readonly priv?: Expectation;
  readonly unpriv?: Expectation;
  readonly logLevel: number;
  /** prog_flags as test_loader passes them. */
  readonly progFlags: number;
  /** Loaded alongside the tests, not a test itself (__auxiliary). */
  readonly auxiliary: boolean;
  /** __arch restrictions (empty: any). */
  readonly arch: readonly string[];
  /** __xlated / __jited expectations exist (not checked here: they need the kernel's rewrite). */
  readonly xlated: boolean;
  /** __btf_path: the test loads against a custom BTF. */
  readonly btfPath?: string;
}

const PFX = 'comment:test_';

/** Integers as test_loader's parse_int (strtol base 0) and the named values. */
function parseNum(s: string, what: string): number {
  if (s in NAMED_RETVALS) return NAMED_RETVALS[s];
  const m = /^(-?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(s.trim());
  if (!m) throw new Error(`${what}: '${s}' is not a number`);
  const body = m[2];
  const v = /^0x/i.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : Number(body);
  // test_loader keeps these in an int: 0xabcdef12 is negative there
  return (m[1] ? -v : v) | 0;
}

/** The decl-tag strings on each function of the object's BTF, in BTF order. */
export function funcTags(obj: BpfObject): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const btf = obj.btf;
  if (!btf) return out;
  for (const t of btf.types) {
    if (t.kind !== BTF_KIND.DECL_TAG || t.componentIdx !== -1) continue;
    const target = btf.types[t.sizeOrType];
    if (target?.kind !== BTF_KIND.FUNC) continue;
    const list = out.get(target.name) ?? [];
    list.push(t.name);
    out.set(target.name, list);
  }
  return out;
}

/** Every program of `obj` read as a test (file = the source's name, for messages). */
export function extractSpecs(obj: BpfObject, file: string): TestSpec[] {
  const tags = funcTags(obj);
  return obj.programs.map((p) => specOf(file, p.name, p.section, tags.get(p.name) ?? []));
}

interface Side {
  failure?: boolean;
  msgs: string[];
  retval?: number;
}

export function specOf(file: string, name: string, section: string, tags: readonly string[]): TestSpec {
  const priv: Side = { msgs: [] }, unpriv: Side = { msgs: [] };
  let privMode = false, unprivMode = false, auxiliary = false, xlated = false;
  let description = name, logLevel = 0, progFlags = DEFAULT_PROG_FLAGS, btfPath: string | undefined;
  const arch: string[] = [];
  const where = `${file}: ${name}`;
  for (const tag of tags) {
    if (!tag.startsWith(PFX)) continue;
    const body = tag.slice(PFX.length);
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    const val = eq < 0 ? '' : body.slice(eq + 1);
    // __msg and friends carry __COUNTER__ first ("12=text") so that equal texts stay distinct.
    const dynamic = () => val.replace(/^\d+=/, '');
    switch (key) {
      case 'description': description = val; break;
      case 'expect_failure': priv.failure = true; privMode = true; break;
      case 'expect_success': priv.failure = false; privMode = true; break;
      case 'expect_failure_unpriv': unpriv.failure = true; unprivMode = true; break;
      case 'expect_success_unpriv': unpriv.failure = false; unprivMode = true; break;
      case 'auxiliary': auxiliary = true; privMode = true; break;
      case 'auxiliary_unpriv': auxiliary = true; unprivMode = true; break;
      case 'expect_msg': priv.msgs.push(dynamic()); privMode = true; break;
      case 'expect_msg_unpriv': unpriv.msgs.push(dynamic()); unprivMode = true; break;
      case 'expect_xlated': case 'jited': xlated = true; privMode = true; break;
      case 'expect_xlated_unpriv': case 'jited_unpriv': xlated = true; unprivMode = true; break;
      case 'retval': priv.retval = parseNum(val, `${where}: __retval`); privMode = true; break;
      case 'retval_unpriv': unpriv.retval = parseNum(val, `${where}: __retval_unpriv`); unprivMode = true; break;
      case 'log_level': logLevel = parseNum(val, `${where}: __log_level`); break;
      case 'prog_flags': progFlags = applyFlag(progFlags, val, where); break;
      case 'arch': arch.push(val); break;
      case 'btf_path': btfPath = val; break;
      default: break; // tags of newer kernels: ignored as test_loader 6.12 ignores unknown ones
    }
  }
  if (!privMode && !unprivMode) privMode = true;
  const privExp: Expectation = { failure: priv.failure ?? false, msgs: priv.msgs, ...(priv.retval !== undefined ? { retval: priv.retval } : {}) };
  const unprivExp: Expectation = {
    failure: unpriv.failure ?? privExp.failure,
    msgs: unpriv.msgs.length ? unpriv.msgs : privExp.msgs,
    ...(unpriv.retval !== undefined ? { retval: unpriv.retval } : privExp.retval !== undefined ? { retval: privExp.retval } : {}),
  };
  return {
    file, name, section, description,
    ...(privMode ? { priv: privExp } : {}),
    ...(unprivMode ? { unpriv: unprivExp } : {}),
    logLevel, progFlags, auxiliary, arch, xlated, ...(btfPath ? { btfPath } : {}),
  };
}

function applyFlag(flags: number, val: string, where: string): number {
  const clear = val.startsWith('!');
  const name = clear ? val.slice(1) : val;
  const bit = PROG_FLAG_BITS[name] ?? parseNum(name, `${where}: __flag`);
  return clear ? flags & ~bit : flags | bit;
}
