// may_goto verifier cases as data: assembly (or raw slots for malformed forms) and what the 6.18
// kernel answered (verdict, the rejected instruction and message, processed count), recorded
// with BPF_PROG_LOAD at log level 1; maygoto.test.ts re-checks them live when bpf() works.
export interface MayGotoCase {
  name: string;
  /** Assembly, or raw [code, dst, src, off, imm] slots. */
  asm?: string;
  raw?: number[][];
  /** undefined = accepted; else [insn, the kernel's message]. */
  reject?: [number, string];
  /** The kernel's processed count. */
  processed: number;
}

const RET0 = [[0xb7, 0, 0, 0, 0], [0x95, 0, 0, 0, 0]];

export const MAY_GOTO_CASES: MayGotoCase[] = [
  { name: 'counting loop ended by the budget', asm: 'r0 = 0\nl: may_goto +2\nr0 += 1\ngoto l\nexit', processed: 14 },
  { name: 'may_goto first, looping on itself', asm: 'l: may_goto +1\ngoto l\nr0 = 0\nexit', processed: 5 },
  { name: 'offset 0 is accepted', asm: 'may_goto +0\nr0 = 1\nexit', processed: 5 },
  { name: 'backward may_goto', asm: 'r0 = 0\ngoto m\nl: r0 += 1\nexit\nm: may_goto -3\nr0 = 2\nexit', processed: 7 },
  { name: 'both edges are explored', asm: 'may_goto +1\nr0 = 0\nexit', reject: [2, 'R0 !read_ok'], processed: 2 },
  { name: 'loop storing through a fixed stack pointer', asm: 'r1 = 0\nr2 = r10\nr2 += -8\nl: may_goto +3\nr1 += 1\n*(u8 *)(r2 + 0) = 0\ngoto l\nr0 = r1\nexit', processed: 22 },
  { name: 'imprecise counter is widened', asm: 'r1 = 0\nl: may_goto +4\nr1 += 1\nif r1 > 7 goto e\nr2 = r10\ngoto l\ne: r0 = 0\nexit', processed: 57 },
  {
    name: 'a precise counter walks off the stack',
    asm: 'r1 = 0\n*(u64 *)(r10 - 8) = 0\nl: may_goto +6\nr1 += 1\nr2 = r10\nr2 += -8\nr2 += r1\n*(u8 *)(r2 + 0) = 0\ngoto l\nr0 = 0\nexit',
    reject: [7, 'invalid write to stack R2 off=0 size=1'],
    processed: 73,
  },
  { name: 'the full 512-byte stack is usable (JIT on: the budget slot is extra)', asm: '*(u64 *)(r10 - 512) = 0\nr0 = 0\nl: may_goto +2\nr0 += 1\ngoto l\nexit', processed: 15 },
  {
    name: 'loops in a caller and a callee',
    asm: 'r6 = 0\na: may_goto +2\nr6 += 1\nif r6 < 5 goto a\ncall sub\nr0 += r6\nexit\nsub: r0 = 0\nb: may_goto +2\nr0 += 1\ngoto b\nexit',
    processed: 52,
  },
  { name: 'nested may_goto loops', asm: 'r0 = 0\nr1 = 0\na: may_goto +6\nr1 += 1\nr2 = 0\nb: may_goto +2\nr2 += 1\ngoto b\ngoto a\nr0 = r1\nexit', processed: 38 },
  {
    name: 'a spilled counter is widened too',
    asm: 'r1 = 0\n*(u64 *)(r10 - 8) = r1\nl: may_goto +4\nr1 = *(u64 *)(r10 - 8)\nr1 += 1\n*(u64 *)(r10 - 8) = r1\ngoto l\nr0 = 0\nexit',
    processed: 24,
  },
  { name: 'imm must be 0', raw: [[0xe5, 0, 0, 1, 1], ...RET0], reject: [0, 'invalid may_goto imm 1'], processed: 1 },
  { name: 'src must be 0', raw: [[0xe5, 0, 1, 1, 0], ...RET0], reject: [0, 'invalid may_goto imm 0'], processed: 1 },
  { name: 'dst must be 0', raw: [[0xe5, 1, 0, 1, 0], ...RET0], reject: [0, 'invalid may_goto imm 0'], processed: 1 },
];
