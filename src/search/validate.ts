// Checks an improvement must pass before it counts: the kernel's verifier accepts it, and the
// kernel's BPF_PROG_TEST_RUN gives the same r0 (64 bits), packet and maps as the original on
// every test input. (Z3 equivalence is added when src/smt provides it.)
import type { Insn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { Full64Runner, type Full64Result } from '../kernel/testrun.ts';
import { isPerCpu } from '../kernel/maps.ts';
import { parseVerifierLog } from '../kernel/log.ts';
import type { TestGroup } from './tests.ts';

export type Verdict = { ok: true; how: string } | { ok: false; stage: 'verifier' | 'kernel-tests' | 'unavailable'; reason: string; counterexample?: Uint8Array };

const hex = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString('hex') : '');

/**
 * A per-CPU value as the multiset of its CPUs' copies: test_run lands on whichever CPU the
 * caller is on, so which copy changed is not part of what the program computes.
 */
function perCpu(v: Uint8Array, stride: number): string {
  const parts: string[] = [];
  for (let i = 0; i < v.length; i += stride) parts.push(hex(v.subarray(i, i + stride)));
  return parts.sort().join('+');
}

function observe(r: Full64Result, strides: readonly number[]): string {
  if (!r.ok) return `error ${r.errno}`;
  const value = (v: Uint8Array, i: number): string => (strides[i] ? perCpu(v, strides[i]) : hex(v));
  return `${r.r0?.toString(16)}|${hex(r.dataOut)}|${r.maps.map((m, i) => m.entries.map(([k, v]) => hex(k) + '=' + value(v, i)).sort().join(',')).join(';')}`;
}

/** What the kernel's test runs could establish: whether they ran at all, and how many inputs they compare. */
export interface TestRunStatus {
  /** test_run ran the original on at least one input (with an answer to compare). */
  readonly ran: boolean;
  /** "kernel test_run: not available for kprobe", or the counts of inputs compared and left out. */
  readonly detail: string;
}

/**
 * Runs the original on every input in the kernel, twice (an input whose answer differs between
 * the two runs depends on time, randomness or the CPU and is left out of the comparison), and
 * compares candidates with it. Inputs the kernel refuses to run for the original (an error, not
 * an answer) are left out too: "both failed" is not agreement. When no input gets an answer
 * (kprobe, tracepoint: no test_run), only the kernel verifier checks candidates, and says so.
 */
export class KernelOracle {
  /** The original's observation per test (group, packet bytes), filled as tests appear. */
  private readonly expected = new Map<string, string>();
  private readonly groupIds = new Map<TestGroup, number>();
  /** Tests left out: the original's answer changed between two runs, or it was an error. */
  private readonly flaky = new Set<string>();
  private readonly refused = new Map<string, string>();

  private constructor(private readonly original: Full64Runner, private readonly program: Program, private readonly tests: readonly TestGroup[]) {}

  static open(program: Program, tests: readonly TestGroup[]): KernelOracle | string {
    const k = kernelAvailable();
    if (!k.ok) return k.reason;
    const o = Full64Runner.open(program);
    if (!o.ok) return `the kernel rejects the original program: ${parseVerifierLog(o.load.log).error ?? o.load.errno}`;
    const oracle = new KernelOracle(o.runner, program, tests);
    for (const g of tests) for (const packet of g.packets) oracle.expect(g, packet);
    return oracle;
  }

  /** Whether test_run compared anything, in words for the validation list. */
  get testRun(): TestRunStatus {
    const total = this.expected.size;
    const compared = total - this.flaky.size - this.refused.size;
    if (compared === 0) {
      const errs = [...new Set(this.refused.values())].join('/');
      const what = errs.includes('ENOTSUPP') || errs.includes('EOPNOTSUPP') ? `not available for ${this.program.type}` : `no input ran (${errs || 'no inputs'})`;
      return { ran: false, detail: `kernel test_run: ${what}${this.flaky.size ? `; ${this.flaky.size} nondeterministic` : ''}` };
    }
    const out = [this.flaky.size && `${this.flaky.size} left out as nondeterministic (two runs of the original differ)`, this.refused.size && `${this.refused.size} refused by test_run`].filter(Boolean);
    return { ran: true, detail: `kernel test_run: ${compared} of ${total} inputs compared${out.length ? `; ${out.join(', ')}` : ''}` };
  }

  /** Tests are named by their group and bytes: the search reorders them and adds counterexamples. */
  private key(g: TestGroup, packet: Uint8Array): string {
    let id = this.groupIds.get(g);
    if (id === undefined) this.groupIds.set(g, (id = this.groupIds.size));
    return `${id}/${hex(packet)}`;
  }

  private expect(g: TestGroup, packet: Uint8Array): string {
    const key = this.key(g, packet);
    let obs = this.expected.get(key);
    if (obs === undefined) {
      obs = KernelOracle.observe(this.original, g, packet);
      // determinism: the original again on the same input and map state
      if (KernelOracle.observe(this.original, g, packet) !== obs) this.flaky.add(key);
      else if (obs.startsWith('error ')) this.refused.set(key, obs.slice(6));
      this.expected.set(key, obs);
    }
    return obs;
  }

  private static observe(runner: Full64Runner, g: TestGroup, packet: Uint8Array): string {
    runner.resetMaps();
    for (const p of g.presets) {
      // per-CPU maps take one value per possible CPU from userspace: give each the same
      const m = runner.maps[p.map];
      const copies = m.userValueSize / p.value.length;
      const v = copies > 1 ? new Uint8Array(m.userValueSize).map((_, i) => p.value[i % p.value.length]) : p.value;
      m.update(p.key, v);
    }
    const strides = runner.maps.map((m) => (isPerCpu(m.spec.type) ? (m.spec.valueSize + 7) & ~7 : 0));
    return observe(runner.run(g.asCtx ? { ctx: packet } : { data: packet }), strides);
  }

  check(insns: Insn[]): Verdict {
    const o = Full64Runner.open({ ...this.program, insns }, { logOnFailure: true });
    if (!o.ok) return { ok: false, stage: 'verifier', reason: parseVerifierLog(o.load.log).error?.split('\n').pop() ?? String(o.load.errno) };
    try {
      for (const g of this.tests) {
        for (const packet of g.packets) {
          const want = this.expect(g, packet);
          const key = this.key(g, packet);
          if (this.flaky.has(key) || this.refused.has(key)) continue;
          if (KernelOracle.observe(o.runner, g, packet) !== want) {
            return { ok: false, stage: 'kernel-tests', reason: `test ${this.key(g, packet).slice(0, 40)}… differs`, counterexample: packet };
          }
        }
      }
    } finally {
      o.runner.close();
    }
    const t = this.testRun;
    return { ok: true, how: t.ran ? 'kernel verifier + kernel test_run' : `kernel verifier (${t.detail})` };
  }

  close(): void {
    this.original.close();
  }
}
