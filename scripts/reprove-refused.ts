// Reproduce a final-check refusal of `bpfsynth optimize` (issue 20): the search validated a
// candidate that the check of the written object then refused. The command saves the refused
// candidate as OUT.refused.json (and the object as OUT.refused.o); this asks each proof path
// separately, so one can see which accepted it and which refused it:
//   node --import tsx scripts/reprove-refused.ts IN.o OUT.refused.json [--timeout MS]
// Paths: the search's (proveEquivalent: the changed windows first, the whole program when they
// do not decide, or only the whole program when a jump changed) and the whole program alone; plus whether the written object holds exactly the
// materialized candidate (a difference there would make the two checks prove different programs).
import { existsSync, readFileSync } from 'node:fs';
import { readObject } from '../src/isa/object.ts';
import { Candidate, Original, type CandidateWire } from '../src/search/candidate.ts';
import { materialize } from '../src/search/materialize.ts';
import { changedWindows, changesControl, proveEquivalent } from '../src/search/prove.ts';
import { EquivService } from '../src/smt/isolated.ts';
import { disasm } from '../src/isa/disasm.ts';
import type { ProgType } from '../src/isa/program.ts';

const args = process.argv.slice(2);
const ti = args.indexOf('--timeout');
const timeoutMs = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 90_000;
if (args.length !== 2) {
  process.stderr.write('usage: node --import tsx scripts/reprove-refused.ts IN.o OUT.refused.json [--timeout MS]\n');
  process.exit(2);
}
const [input, saved] = args;
const s = JSON.parse(readFileSync(saved, 'utf8')) as { program: string; type: ProgType; failure: string; validatedBy?: string; candidate: CandidateWire };
const program = readObject(new Uint8Array(readFileSync(input))).link(s.program, { type: s.type });
const cand = Candidate.fromWire(Original.of(program), s.candidate);
const m = materialize(cand);
console.log(`${s.program}: ${program.insns.length} -> ${m.insns.length} insns; refused by: ${s.failure}; validated in the search by: ${s.validatedBy ?? '?'}`);
console.log(`changed slots: ${s.candidate.set.map(([pc]) => pc).join(' ') || 'none'}; deleted: ${s.candidate.deleted.join(' ') || 'none'}`);
console.log(`control changed: ${changesControl(cand)}; changed windows: ${changedWindows(cand).map(([a, b]) => `${a}-${b - 1}`).join(' ')}`);
const objPath = saved.replace(/\.json$/, '.o');
if (existsSync(objPath)) {
  const written = readObject(new Uint8Array(readFileSync(objPath))).link(s.program, { type: s.type }).insns;
  const at = written.findIndex((x, i) => JSON.stringify(x) !== JSON.stringify(m.insns[i]));
  console.log(at < 0 && written.length === m.insns.length ? 'the written object holds the materialized candidate' : `the written object DIFFERS from the materialized candidate at slot ${at < 0 ? written.length : at}`);
}
const equiv = new EquivService();
try {
  const show = (name: string, p: { ok: boolean; how?: string; reason?: string; stage?: string }) =>
    console.log(`${name}: ${p.ok ? `proved (${p.how})` : `refused (${p.stage}: ${p.reason})`}`);
  show("the search's path", await proveEquivalent(equiv, cand, m.insns, timeoutMs));
  const whole = await equiv.programEquiv(program, m.insns, { timeoutMs });
  console.log(`whole program alone: ${whole.equal === true ? 'proved' : whole.equal === false ? 'refuted' : `undecided (${whole.unknown})`}`);
  if (whole.equal === false) console.log(`counterexample packet: ${Buffer.from(whole.counterexample.packet).toString('hex')}`);
  console.log('the candidate:');
  for (const l of disasm(m.insns, 'kernel')) console.log(`${String(l.pc).padStart(4)}: ${l.text}`);
} finally {
  await equiv.close();
}
