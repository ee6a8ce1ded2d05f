// The model's unprivileged rules (--privilege unpriv) on small programs root may load and an
// unprivileged loader may not: the model's verdict both ways, and, when an unprivileged session
// can be had (root, src/kernel/unpriv.ts), the running kernel's, so the expectations stay true.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import type { MapDef, Program, ProgType } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { UnprivilegedSession } from '../../src/kernel/unpriv.ts';
import { assertVerdict } from './verdict.ts';

const ARRAY: MapDef = { name: 'arr', type: 2, keySize: 4, valueSize: 16, maxEntries: 4, flags: 0 };
const PROGS_A: MapDef = { name: 'pa', type: 3, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };
const PROGS_B: MapDef = { name: 'pb', type: 3, keySize: 4, valueSize: 4, maxEntries: 4, flags: 0 };

/** r0 = lookup(map 0, key 0 at fp-8); exits with 0 when null. The value pointer is in r0 after it. */
const LOOKUP = `r1 = 0
*(u32 *)(r10 - 8) = r1
r2 = r10
r2 += -8
ld_pseudo r1, 5, 0
call map_lookup_elem
if r0 == 0 goto out`;

interface UnprivCase {
  name: string;
  asm: string;
  maps?: MapDef[];
  type?: ProgType;
  /** The unprivileged rejection: instruction and the start of the kernel's message. */
  reject: [number, string];
}

const CASES: UnprivCase[] = [
  { name: 'a pointer returned', asm: 'r0 = r10\nexit', reject: [1, 'R0 leaks addr as return value'] },
  { name: 'a pointer compared (src)', asm: 'r2 = r10\nr0 = 0\nif r0 > r2 goto +1\nr0 = 1\nexit', reject: [2, 'R2 pointer comparison prohibited'] },
  { name: 'a pointer compared (dst)', asm: 'r2 = r10\nr0 = 0\nif r2 > r1 goto +1\nr0 = 1\nexit', reject: [2, 'R1 pointer comparison prohibited'] },
  { name: 'a bounded loop', asm: 'r0 = 0\nr1 = 3\nr1 -= 1\nif r1 != 0 goto -2\nexit', reject: [3, 'back-edge from insn 3 to 2'] },
  { name: 'a stack pointer moved past the frame', asm: 'r1 = r10\nr1 += 8\nr0 = 0\nexit', reject: [1, 'R1 stack pointer arithmetic goes out of range, prohibited for !root; off=8'] },
  { name: 'a 32-bit copy of a pointer', asm: 'w0 = w10\nr0 = 0\nexit', reject: [0, 'R10 partial copy of pointer'] },
  { name: 'a spilled pointer as an atomic operand', asm: '*(u64 *)(r10 - 8) = r1\nr0 = 1\nlock *(u64 *)(r10 - 8) += r0\nr0 = 0\nexit', reject: [2, 'leaking pointer from stack off -8'] },
  { name: 'a helper behind CAP_PERFMON', asm: 'r1 = r10\nr1 += -8\n*(u64 *)(r10 - 8) = 0\nr2 = 8\ncall trace_printk\nr0 = 0\nexit', reject: [4, 'program of this type cannot use helper bpf_trace_printk#6'] },
  { name: 'a bpf-to-bpf call', asm: 'call f\nexit\nf:\nr0 = 0\nexit', reject: [0, 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN'] },
  { name: 'pointer minus pointer', asm: 'r0 = r10\nr0 -= r1\nr0 = 0\nexit', reject: [1, 'R0 pointer -= pointer prohibited'] },
  { name: 'a pointer stored into a map value', maps: [ARRAY], asm: `${LOOKUP}\n*(u64 *)(r0 + 0) = r10\nout:\nr0 = 0\nexit`, reject: [8, 'R10 leaks addr into map'] },
  { name: 'a map value pointer moved to its end', maps: [ARRAY], asm: `${LOOKUP}\nr0 += 16\nout:\nr0 = 0\nexit`, reject: [8, 'invalid access to map value, value_size=16 off=16 size=1\nR0 min value is outside of the allowed memory range\nR0 pointer arithmetic of map value goes out of range, prohibited for !root'] },
  {
    name: 'a map value pointer moved by an unknown of either sign', maps: [ARRAY],
    asm: `${LOOKUP}\nr1 = *(u8 *)(r0 + 0)\nr1 -= 8\nr0 += r1\nout:\nr0 = 0\nexit`,
    reject: [10, 'R1 has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root'],
  },
  {
    name: 'a tail call through two prog arrays', maps: [PROGS_A, PROGS_B],
    asm: `r6 = r1\ncall get_prandom_u32\nld_pseudo r2, 5, 0\nif r0 == 0 goto +2\nld_pseudo r2, 5, 1\nr1 = r6\nr3 = 0\ncall tail_call\nr0 = 0\nexit`,
    reject: [9, 'tail_call abusing map_ptr'],
  },
];

const t = suite('verifier/unpriv');
const program = (c: UnprivCase): Program => ({
  name: 'prog', section: 'socket', type: c.type ?? 'socket_filter', insns: assemble(c.asm).insns, maps: c.maps ?? [], license: 'GPL', funcs: [{ name: 'prog', start: 0 }],
});

for (const c of CASES) {
  t(`${c.name}: root may, an unprivileged loader may not`, () => {
    const p = program(c);
    assertVerdict(verify(p, { privileged: true }), undefined);
    assertVerdict(verify(p, { privileged: false }), c.reject);
  });
}

const session = UnprivilegedSession.open();
if (!(session instanceof UnprivilegedSession)) console.log(`skip: the kernel's side of these cases not run: ${session.reason}`);
else {
  t("the running kernel agrees on every case (root loads, unprivileged gets the case's message)", () => {
    try {
      for (const c of CASES) {
        const p = program(c);
        const root = loadProgram(p, { logLevel: 1 });
        root.close();
        assert.ok(root.ok, `${c.name} as root: ${root.log}`);
        const u = session.load(p, { logLevel: 1 });
        u.close();
        assert.not.ok(u.ok, `${c.name}: loaded unprivileged`);
        assert.ok(u.log.includes(c.reject[1]), `${c.name}: kernel log lacks '${c.reject[1]}':\n${u.log.slice(-400)}`);
      }
    } finally {
      session.close();
    }
  });
}

t.run();
