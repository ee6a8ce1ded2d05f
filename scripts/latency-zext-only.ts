// The zero-extension narrowing alone (latency-zext.ts), applied to a corpus program at every
// place it fits, proved equivalent to the original by the whole-program Z3 query, written next
// to it, then timed against it by `kernel bench` (long-path inputs, an A/A control in the same
// rounds). Places the shared-map guard keeps are narrowed only with --exclusive-maps (what the
// search would do under --assume-exclusive-maps). Needs root for the bench.
// Usage: tsx scripts/latency-zext-only.ts [--rounds N] [--exclusive-maps] NAME…
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { Candidate, Original } from '../src/search/candidate.ts';
import { jumpTargets } from '../src/search/exec-cost.ts';
import { narrowZext } from '../src/search/latency-zext.ts';
import { materialize } from '../src/search/materialize.ts';
import { writeOptimized } from '../src/search/output.ts';
import { proveEquivalent } from '../src/search/prove.ts';
import { sharedMapGuard } from '../src/search/shared-maps.ts';
import type { Slot } from '../src/search/proposals.ts';
import { EquivService } from '../src/smt/isolated.ts';

const args = process.argv.slice(2);
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? args[ri + 1] : '60';
const exclusive = args.includes('--exclusive-maps');
const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds');
const STRAIGHT = new Set(['alu', 'end', 'ldx', 'st', 'stx', 'atomic']);
const equiv = new EquivService();
try {
  for (const name of names) {
    const file = `corpus/${name}.o`;
    const obj = readObject(new Uint8Array(readFileSync(file)));
    const orig = Original.of(obj.link());
    const guard = exclusive ? undefined : sharedMapGuard(orig);
    const straight = new Set(orig.ops.map((o, i) => (o && STRAIGHT.has(o.kind) && !guard?.kept[i] ? i : -1)).filter((i) => i >= 0));
    const targets = jumpTargets(orig.ops);
    let cand = Candidate.initial(orig);
    let places = 0;
    for (let pc = 0; pc < orig.ops.length; pc++) {
      const c = narrowZext(cand.ops as Slot[], straight, targets, pc);
      if (c) { cand = cand.with(c); places++; }
    }
    if (!places) { console.log(`${name}: no place to narrow${guard ? ' (shared-map guard on)' : ''}`); continue; }
    const proof = await proveEquivalent(equiv, cand, materialize(cand).insns);
    if (!proof.ok) { console.log(`${name}: not proved (${JSON.stringify(proof).slice(0, 200)}); not timed`); continue; }
    const out = `/tmp/${name}.zext.o`;
    writeFileSync(out, writeOptimized(obj, cand));
    const before = loadavg()[0];
    const bench = execFileSync(process.execPath, ['bin/bpfsynth.js', 'kernel', 'bench', file, out, '--rounds', rounds], { encoding: 'utf8' });
    const lines = bench.split('\n').filter((l) => /^(B\/A|A\/A|minus empty)/.test(l));
    console.log(`${name}: ${places} place(s), ${orig.ops.length} → ${materialize(cand).insns.length} insns, proved; load ${before.toFixed(1)}\n  ${lines.join('\n  ')}`);
  }
} finally {
  equiv.close();
}
