// The verifier model's unprivileged rules against the running kernel's unprivileged loads, on
// the socket filters of `bpfsynth fuzz verifier`'s near-miss stream (generated programs and
// their mutants; the other program types cannot be loaded unprivileged at all), each also with
// one register operand turned into a pointer (r1 or r10: what only the unprivileged rules
// refuse) and as a cgroup_skb program (the same context, other fields and return values).
//   node --import tsx scripts/unpriv-fuzz.ts [COUNT] [SEED]
// COUNT is the stream's length (about one program in seven is a socket filter). Needs root
// (an unprivileged session, src/kernel/unpriv.ts); otherwise says why it did not run.
// Last line: 'unpriv fuzz: N programs, K kernel-accepted, A agree, FA false accepts,
// FR false rejects'; exit 1 on a false accept.
import { verifierCases, programOf } from '../fuzz/verifier/run.ts';
import { UnprivilegedSession } from '../src/kernel/unpriv.ts';
import { parseVerifierLog } from '../src/kernel/log.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { verify } from '../src/verifier/analyze.ts';
import type { Program } from '../src/isa/program.ts';

/** A deterministic variant with one register operand of an ALU, jump or store made r1 or r10. */
function pointerMutant(p: Program, k: number): Program {
  const at = p.insns.map((x, i) => [x, i] as const).filter(([x, i]) => i > 0 && p.insns[i - 1].code !== 0x18 && [4, 5, 6, 7, 3].includes(x.code & 7) && x.code !== 0x85 && x.code !== 0x95);
  if (!at.length) return p;
  const [x, i] = at[(k * 7919) % at.length];
  const reg = k % 2 ? 10 : 1;
  const insns = p.insns.slice();
  // a stored value (STX) or, every other time, a register source; else the destination
  const src = (x.code & 7) === 3 || ((k >> 1) % 2 === 1 && (x.code & 8) !== 0);
  insns[i] = src ? { ...x, src: reg } : { ...x, dst: reg };
  return { ...p, insns };
}

const count = Number(process.argv[2] ?? 3000);
const seed = Number(process.argv[3] ?? 7);
if (!Number.isInteger(count) || !Number.isInteger(seed)) {
  console.error('usage: node --import tsx scripts/unpriv-fuzz.ts [COUNT] [SEED]');
  process.exit(2);
}
const session = UnprivilegedSession.open();
if (!(session instanceof UnprivilegedSession)) {
  console.log(`unpriv fuzz: not run (${session.reason})`);
  process.exit(0);
}
const flavor = runningKernelFlavor();
let n = 0, accepted = 0, agree = 0, fa = 0, fr = 0;
const reasons = new Map<string, number>();
const examples: string[] = [];
/** The kernel's reasons for refusing, to see which rules the stream exercised. */
const refusals = new Map<string, number>();
try {
  for (const c of verifierCases(count, seed)) {
    if (c.source !== 'gen:socket_filter') continue;
    const base = programOf(c);
    const variants = [base, pointerMutant(base, n), { ...base, type: 'cgroup_skb' as const, section: 'cgroup/skb' }];
    for (const p of variants) {
      const k = session.load(p, { logLevel: 1, logSize: 1 << 22 });
      k.close();
      const why = k.ok ? '' : (k.error ?? parseVerifierLog(k.log).error ?? String(k.errno)).split('\n').filter((l) => l.trim()).pop()!;
      const v = verify(p, { flavor, privileged: false });
      n++;
      if (k.ok) accepted++;
      else {
        const r = why.replace(/-?\d+/g, 'N');
        refusals.set(r, (refusals.get(r) ?? 0) + 1);
      }
      if (v.ok === k.ok) {
        agree++;
        continue;
      }
      const what = `${p.type}: ${v.ok ? `false accept; kernel: ${why}` : `false reject; model: insn ${v.error!.index}: ${v.error!.message.split('\n')[0]}; kernel accepts`}`;
      if (v.ok) fa++;
      else fr++;
      const key = what.replace(/-?\d+/g, 'N');
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
      if (examples.length < 5) examples.push(`${what}\n  program: ${Buffer.from(p.insns.flatMap((x) => [x.code, x.dst | (x.src << 4), x.off & 255, (x.off >> 8) & 255, x.imm & 255, (x.imm >> 8) & 255, (x.imm >> 16) & 255, (x.imm >>> 24) & 255])).toString('hex')}`);
    }
  }
} finally {
  session.close();
}
console.log('most frequent kernel refusals:');
for (const [k, v] of [...refusals].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${String(v).padStart(5)}  ${k}`);
if (reasons.size) console.log('disagreements:');
for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`${String(v).padStart(5)}  ${k}`);
for (const e of examples) console.log(e);
console.log(`unpriv fuzz: ${n} programs, ${accepted} kernel-accepted, ${agree} agree, ${fa} false accepts, ${fr} false rejects`);
process.exit(fa ? 1 : 0);
