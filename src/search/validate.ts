// Checks an improvement must pass before it counts: the kernel's verifier accepts it, and the
// kernel's BPF_PROG_TEST_RUN gives the same r0 (64 bits), packet and maps as the original on
// every test input. (Z3 equivalence is added when src/smt provides it.)
import type { Insn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import { kernelAvailable } from '../kernel/syscall.ts';
import { Full64Runner, type Full64Result } from '../kernel/testrun.ts';
import { parseVerifierLog } from '../kernel/log.ts';
import type { TestGroup } from './tests.ts';

export type Verdict = { ok: true; how: string } | { ok: false; stage: 'verifier' | 'kernel-tests' | 'unavailable'; reason: string; counterexample?: Uint8Array };

const hex = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString('hex') : '');

function observe(r: Full64Result): string {
  if (!r.ok) return `error ${r.errno}`;
  return `${r.r0?.toString(16)}|${hex(r.dataOut)}|${r.maps.map((m) => m.entries.map(([k, v]) => hex(k) + '=' + hex(v)).sort().join(',')).join(';')}`;
}

/** Runs the original once per input in the kernel and compares candidates with it. */
export class KernelOracle {
  private constructor(private readonly original: Full64Runner, private readonly expected: Map<string, string>, private readonly program: Program, private readonly tests: readonly TestGroup[]) {}

  static open(program: Program, tests: readonly TestGroup[]): KernelOracle | string {
    const k = kernelAvailable();
    if (!k.ok) return k.reason;
    const o = Full64Runner.open(program);
    if (!o.ok) return `the kernel rejects the original program: ${parseVerifierLog(o.load.log).error ?? o.load.errno}`;
    const oracle = new KernelOracle(o.runner, new Map(), program, tests);
    oracle.each(o.runner, (key, obs) => {
      oracle.expected.set(key, obs);
    });
    return oracle;
  }

  private each(runner: Full64Runner, f: (key: string, obs: string, packet: Uint8Array) => boolean | void): void {
    this.tests.forEach((g, gi) => {
      g.packets.forEach((packet, pi) => {
        runner.resetMaps();
        for (const p of g.presets) {
          // per-CPU maps take one value per possible CPU from userspace: give each the same
          const m = runner.maps[p.map];
          const copies = m.userValueSize / p.value.length;
          const v = copies > 1 ? new Uint8Array(m.userValueSize).map((_, i) => p.value[i % p.value.length]) : p.value;
          m.update(p.key, v);
        }
        return f(`${gi}/${pi}`, observe(runner.run({ data: packet })), packet);
      });
    });
  }

  check(insns: Insn[]): Verdict {
    const o = Full64Runner.open({ ...this.program, insns }, { logOnFailure: true });
    if (!o.ok) return { ok: false, stage: 'verifier', reason: parseVerifierLog(o.load.log).error?.split('\n').pop() ?? String(o.load.errno) };
    let bad: Verdict | undefined;
    try {
      this.each(o.runner, (key, obs, packet) => {
        if (!bad && this.expected.get(key) !== obs) bad = { ok: false, stage: 'kernel-tests', reason: `test ${key} differs`, counterexample: packet };
      });
    } finally {
      o.runner.close();
    }
    return bad ?? { ok: true, how: 'kernel verifier + kernel test_run' };
  }

  close(): void {
    this.original.close();
  }
}
