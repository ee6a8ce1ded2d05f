// The inlined program as the optimizer's starting point: bpf-to-bpf calls inlined
// (inline-calls.ts), written into the object and read back (inline-write.ts), then checked
// against the input as any result is: the verifier model, the interpreter on the search's kind
// of tests, the kernel verifier and test_run (root), and Z3 (the input's calls run in frames of
// their own). Taken only when every check that ran passed, and, for the size objective, when it
// is smaller; the search then starts from it, and what it finds is proved against it.
import type { BpfObject } from '../isa/object.ts';
import { readObject } from '../isa/object.ts';
import type { Program } from '../isa/program.ts';
import { DEFAULT_CONFIG, type VerifierConfig } from '../verifier/config.ts';
import { prepare } from '../interp/index.ts';
import type { EquivService } from '../smt/isolated.ts';
import { formatCheck, kernelChecks, modelCheck, type Check } from './final-check.ts';
import { inlineCalls, type Refusal } from './inline-calls.ts';
import { writeInlined } from './inline-write.ts';
import { evaluate, makeTests } from './tests.ts';
import { rng } from './chain.ts';
import type { Objective } from './cost.ts';

export interface InlineStart {
  /** Taken: the inlined program is the search's start and the output when nothing better is found. */
  readonly taken: boolean;
  /** One line: what was inlined and checked, or why nothing was taken. */
  readonly note: string;
  readonly inlined: readonly string[];
  readonly refused: readonly Refusal[];
  readonly checks: readonly Check[];
  /** When taken: the written object, read back, and the inlined program linked from it. */
  readonly bytes?: Uint8Array;
  readonly obj?: BpfObject;
  readonly program?: Program;
}

const Z3_MS = 60_000;

/** Inline `program`'s calls (linked from `obj`) and check the result; taken only when it passed. */
export async function inlineStart(obj: BpfObject, program: Program, objective: Objective, equiv: EquivService, config: VerifierConfig = DEFAULT_CONFIG): Promise<InlineStart> {
  const none = (note: string, extra: Partial<InlineStart> = {}): InlineStart => ({ taken: false, note, inlined: [], refused: [], checks: [], ...extra });
  if (program.funcs.length < 2) return none('no bpf-to-bpf calls');
  if (!config.privileged) return none('not tried for an unprivileged loader');
  const r = inlineCalls(program);
  const why = r.refused.map((x) => `${x.func}: ${x.reason}`).join('; ');
  if (!r.inlined.length) return none(`nothing inlined (${why})`, { refused: r.refused });
  const base = { inlined: r.inlined, refused: r.refused };
  if (objective === 'size' && r.program.insns.length >= program.insns.length) {
    return none(`inlining gives ${r.program.insns.length} insns, not fewer than ${program.insns.length}`, base);
  }
  let bytes: Uint8Array;
  try {
    bytes = writeInlined(obj, program, r);
  } catch (e) {
    return none(`inlined program not written: ${(e as Error).message}`, base);
  }
  const obj2 = readObject(bytes);
  const inlined = obj2.link(program.name, { type: program.type });
  // the interpreter on tests made from the input (the search's kind: realistic and random packets)
  const tests = makeTests(prepare(program), program, rng(1));
  const ev = evaluate(prepare(inlined), tests);
  const nTests = tests.reduce((n, g) => n + g.packets.length, 0);
  const interp = `interpreter: ${nTests - ev.failing} of ${nTests} tests agree`;
  // the interpreter's verdict joins test_run's line: failing there fails the line even when test_run could not run
  const checks: Check[] = [modelCheck(inlined, config), ...kernelChecks(program, inlined.insns, tests)].map((c) => {
    if (c.check !== 'kernel test_run') return c;
    const detail = `${c.detail}; ${interp}`;
    return ev.failing === 0 ? { ...c, detail } : { check: c.check, ran: true, ok: false, detail };
  });
  const failed = checks.find((c) => c.ran && !c.ok);
  if (failed) {
    checks.push({ check: 'Z3 equivalence', ran: false, detail: `not attempted after the ${failed.check} failure` });
    return none(`inlined program refused: ${formatCheck(failed)}`, { ...base, checks });
  }
  const proof = await equiv.programEquiv(program, inlined.insns, { timeoutMs: Z3_MS, r0Bits: 64 });
  const pdetail = proof.equal === true ? 'the inlined program against the input, calls in frames of their own' : proof.equal === false ? 'not equivalent' : `undecided: ${proof.unknown}`;
  checks.push({ check: 'Z3 equivalence', ran: true, ok: proof.equal === true, detail: pdetail });
  if (proof.equal !== true) return none(`inlined program refused: Z3 equivalence: ${pdetail}`, { ...base, checks });
  const left = r.refused.length ? `; left as calls: ${why}` : '';
  return {
    taken: true, ...base, checks, bytes, obj: obj2, program: inlined,
    note: `inlined ${r.inlined.join(', ')} (${program.insns.length} → ${inlined.insns.length} insns; ${checks.filter((c) => c.ran).map((c) => c.check).join(', ')} passed${checks.some((c) => !c.ran) ? `; not run: ${checks.filter((c) => !c.ran).map((c) => c.check).join(', ')}` : ''})${left}`,
  };
}
