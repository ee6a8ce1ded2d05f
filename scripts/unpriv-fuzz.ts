// The verifier model's unprivileged rules against the running kernel's unprivileged loads, on
// the socket filters of `bpfsynth fuzz verifier`'s near-miss stream (generated programs and
// their mutants; the other program types cannot be loaded unprivileged at all).
//   node --import tsx scripts/unpriv-fuzz.ts [COUNT] [SEED]
// COUNT is the stream's length (about one program in seven is a socket filter). Needs root
// (an unprivileged session, src/kernel/unpriv.ts); otherwise says why it did not run.
// Last line: 'unpriv fuzz: N socket filters, K kernel-accepted, A agree, FA false accepts,
// FR false rejects'; exit 1 on a false accept.
import { verifierCases, programOf } from '../fuzz/verifier/run.ts';
import { UnprivilegedSession } from '../src/kernel/unpriv.ts';
import { parseVerifierLog } from '../src/kernel/log.ts';
import { useRunningKernelFlavor } from '../src/kernel/flavor.ts';
import { verify } from '../src/verifier/analyze.ts';

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
useRunningKernelFlavor();
let n = 0, accepted = 0, agree = 0, fa = 0, fr = 0;
const reasons = new Map<string, number>();
const examples: string[] = [];
try {
  for (const c of verifierCases(count, seed)) {
    if (c.source !== 'gen:socket_filter') continue;
    const p = programOf(c);
    const k = session.load(p, { logLevel: 1, logSize: 1 << 22 });
    k.close();
    const why = k.ok ? '' : (k.error ?? parseVerifierLog(k.log).error ?? String(k.errno)).split('\n').filter((l) => l.trim()).pop()!;
    const v = verify(p, { privileged: false });
    n++;
    if (k.ok) accepted++;
    if (v.ok === k.ok) {
      agree++;
      continue;
    }
    const what = v.ok ? `false accept; kernel: ${why}` : `false reject; model: insn ${v.error!.index}: ${v.error!.message.split('\n')[0]}`;
    if (v.ok) fa++;
    else fr++;
    const key = what.replace(/-?\d+/g, 'N');
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    if (examples.length < 5) examples.push(`${what}\n  program: ${c.code}`);
  }
} finally {
  session.close();
}
for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`${String(v).padStart(5)}  ${k}`);
for (const e of examples) console.log(e);
console.log(`unpriv fuzz: ${n} socket filters, ${accepted} kernel-accepted, ${agree} agree, ${fa} false accepts, ${fr} false rejects`);
process.exit(fa ? 1 : 0);
