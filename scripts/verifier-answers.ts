// The verifier model's answers, one line per program, for comparing two trees byte for byte
// before a change that must not change what is computed (the speed passes of issue 19): the 22
// corpus programs and every modelled program of the real-world objects (corpus/realworld, read
// as test/realworld/corpus.test.ts reads them). Per program: verdict, message, processed,
// total/peak states, max states per insn, stack depths, and hashes of the level-2-like state log
// and of the stack-liveness log (a second check with those options on); with --incremental, also
// three mutants (slot at 1/3, 2/3, 9/10 → `goto +0`) checked by the incremental API; with
// --deletions, also those three slots deleted (jumps re-targeted, as the optimizer deletes) and
// checked by the incremental API with their renumbering.
//
//   node --import tsx scripts/verifier-answers.ts [--tier compiled|default] [--incremental] [--deletions] [--only SUBSTR] > answers.txt
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { relocateForTarget } from '../src/isa/core.ts';
import { readObject } from '../src/isa/object.ts';
import { fromOp } from '../src/isa/op.ts';
import { MODELLED_TYPES, type Program } from '../src/isa/program.ts';
import { runningKernelExterns } from '../src/kernel/externs.ts';
import { runningKernelFlavor } from '../src/kernel/flavor.ts';
import { LINUX_6_18, type KernelFlavor } from '../src/domains/scalar.ts';
import { verify, type Verdict } from '../src/verifier/analyze.ts';
import { Incremental } from '../src/verifier/incremental.ts';
import { deleteSlots } from '../src/isa/edit.ts';
import { defaultSession } from '../src/verifier/memo.ts';

const { values: args } = parseArgs({
  options: { tier: { type: 'string', default: 'default' }, incremental: { type: 'boolean', default: false }, deletions: { type: 'boolean', default: false }, only: { type: 'string' } },
});
if (args.tier !== 'default' && args.tier !== 'compiled') {
  console.error(`verifier-answers: --tier must be compiled or default, not ${args.tier}`);
  process.exit(2);
}

const hash = (lines: readonly string[] | undefined): string =>
  lines === undefined ? '-' : createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);

function answer(v: Verdict): string {
  const err = v.error ? `${v.error.index}:${JSON.stringify(v.error.message)}` : '-';
  return `${v.ok ? 'accept' : 'reject'} ${err} processed=${v.processed} states=${v.totalStates}/${v.peakStates}/${v.maxStatesPerInsn} stack=${v.stackDepths?.join(',') ?? '-'}`;
}

/** The slot at `frac` of the program (not inside an lddw) replaced by `goto +0`. */
function mutant(p: Program, frac: number): Program {
  let i = Math.floor(p.insns.length * frac);
  while (i > 0 && (p.insns[i].code === 0x18 || p.insns[i - 1].code === 0x18)) i--;
  return { ...p, insns: p.insns.map((x, j) => (j === i ? fromOp({ kind: 'ja', off: 0, long: false })[0] : x)) };
}

/** The slot at `frac` of the program (both halves of an lddw) deleted, as deleteSlots deletes. */
function deletion(p: Program, frac: number): { prog: Program; oldToNew: Int32Array } {
  let i = Math.floor(p.insns.length * frac);
  while (i > 0 && i < p.insns.length && p.insns[i - 1].code === 0x18) i--;
  const del = new Set([i]);
  if (p.insns[i].code === 0x18) del.add(i + 1);
  const { insns, oldToNew } = deleteSlots(p.insns, del);
  return { prog: { ...p, insns }, oldToNew };
}

function line(name: string, p: Program, flavor: KernelFlavor): string {
  const opts = { flavor, privileged: true };
  let out: string;
  try {
    const v = verify(p, opts);
    const l = verify(p, { ...opts, states: true, stackLiveLog: true });
    out = `${answer(v)} log=${hash(l.log)} live=${hash(l.stackLiveLog)}${answer(l) === answer(v) ? '' : ` WITH-LOG-DIFFERS ${answer(l)}`}`;
    if (args.incremental) {
      const inc = new Incremental(p, opts);
      for (const f of [1 / 3, 2 / 3, 9 / 10]) {
        const m = mutant(p, f);
        const a = answer(inc.check(m)), b = answer(verify(m, opts));
        out += ` | ${a}${a === b ? '' : ` FULL-DIFFERS ${b}`}`;
      }
    }
    if (args.deletions) {
      const inc = new Incremental(p, opts);
      for (const f of [1 / 3, 2 / 3, 9 / 10]) {
        let d: ReturnType<typeof deletion>;
        try {
          d = deletion(p, f);
        } catch (e) {
          out += ` || not deleted ${JSON.stringify((e as Error).message)}`;
          continue;
        }
        const a = answer(inc.check(d.prog, d.oldToNew)), b = answer(verify(d.prog, opts));
        out += ` || ${a}${a === b ? '' : ` FULL-DIFFERS ${b}`}`;
      }
    }
  } catch (e) {
    out = `error ${JSON.stringify((e as Error).message)}`;
  }
  return `${name}: ${out}`;
}

if (args.tier === 'compiled') {
  defaultSession(LINUX_6_18).tier = 'compiled';
  defaultSession(runningKernelFlavor()).tier = 'compiled';
}
const want = (name: string): boolean => args.only === undefined || name.includes(args.only);

const corpus = new URL('../corpus/', import.meta.url);
for (const f of readdirSync(corpus).filter((x) => x.endsWith('.o')).sort()) {
  const name = `corpus/${f}`;
  if (!want(name)) continue;
  console.log(line(name, readObject(readFileSync(new URL(f, corpus))).link(), LINUX_6_18));
}

// The real-world objects, with the running kernel's externs and flavor as the realworld test.
const rec = new URL('../corpus/realworld/verdicts.json', import.meta.url);
if (existsSync(rec)) {
  const rows: { file: string }[] = JSON.parse(readFileSync(rec, 'utf8')).rows;
  const flavor = runningKernelFlavor();
  for (const file of [...new Set(rows.map((r) => r.file))]) {
    const path = new URL(`../${file}`, import.meta.url);
    if (!existsSync(path)) {
      console.log(`${file}: missing`);
      continue;
    }
    const obj = readObject(new Uint8Array(readFileSync(path)), { externs: runningKernelExterns });
    for (const e of obj.programs) {
      const name = `${file} ${e.name}`;
      if (!want(name)) continue;
      let p: Program;
      try {
        p = relocateForTarget(obj, obj.link(e.name));
      } catch (err) {
        console.log(`${name}: not linked ${JSON.stringify((err as Error).message)}`);
        continue;
      }
      console.log(MODELLED_TYPES.has(p.type) ? line(name, p, flavor) : `${name}: type ${p.type} not modelled`);
    }
  }
}
