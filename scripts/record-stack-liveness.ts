// Record the stack-slot liveness lines of the kernel's level-2 log (`(0) frame 0 insn 3 +live -8 `,
// `(0) live stack update done in 2 iterations`, 6.18 kernel/bpf/liveness.c) for hand-written
// programs (in full) and for every accepted program of corpus/*.o and corpus/realworld (a count
// and a SHA-256 of the lines): corpus/stack-liveness.json, replayed by
// test/verifier/stack-liveness.test.ts against the model's own lines without root.
// Run as root: node --import tsx scripts/record-stack-liveness.ts
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { assemble } from '../src/isa/asm.ts';
import { readObject } from '../src/isa/object.ts';
import { relocateForTarget } from '../src/isa/core.ts';
import { bareProgram, MODELLED_TYPES, type Program, type ProgType } from '../src/isa/program.ts';
import { loadProgram } from '../src/kernel/load.ts';
import { runningKernelExterns } from '../src/kernel/externs.ts';
import { writeAtomic } from '../src/cli/io.ts';
import { stackLiveLines } from '../src/verifier/stack-liveness.ts';

/**
 * Hand-written XDP programs, one rule each: [name, source (`;` separates lines)]. r6 holds a
 * random number where a branch must not be decided.
 */
const STACK_LIVE_CASES: [string, string][] = [
  ['read, read, write', 'r1 = *(u64 *)(r10 - 8);r2 = *(u64 *)(r10 - 24);*(u64 *)(r10 - 8) = r1;r0 = 0;exit'],
  ['a 4-byte store does not kill the slot', '*(u32 *)(r10 - 8) = 1;r0 = *(u64 *)(r10 - 8);r0 = 0;exit'],
  ['a store on one branch only', 'call bpf_get_prandom_u32;r6 = r0;r2 = 0;if r6 == 0 goto l;*(u64 *)(r10 - 8) = r2;l:;r0 = *(u64 *)(r10 - 8);r0 = 0;exit'],
  ['stores on both branches', 'call bpf_get_prandom_u32;r6 = r0;r2 = 0;if r6 == 0 goto l;*(u64 *)(r10 - 8) = r2;goto m;l:;*(u64 *)(r10 - 8) = r6;m:;r0 = *(u64 *)(r10 - 8);r0 = 0;exit'],
  ['a loop through a slot', 'r1 = 0;*(u64 *)(r10 - 8) = r1;l:;r2 = *(u64 *)(r10 - 8);r2 += 1;*(u64 *)(r10 - 8) = r2;if r2 < 4 goto l;r0 = 0;exit'],
  ['a variable-offset read', 'call bpf_get_prandom_u32;r0 &= 8;r1 = r10;r1 += -24;r1 += r0;r2 = *(u64 *)(r1 + 0);r0 = 0;exit'],
  ['a callee reads its caller\'s slot', '*(u64 *)(r10 - 8) = 0;r1 = r10;r1 += -8;call f;r0 = 0;exit;f:;r0 = *(u64 *)(r1 + 0);r0 = 0;exit'],
  ['a callee writes its caller\'s slot', 'r1 = r10;r1 += -16;call f;r0 = *(u64 *)(r10 - 16);r0 = 0;exit;f:;r2 = 1;*(u64 *)(r1 + 0) = r2;r0 = 0;exit'],
  ['a callee writes the slot on one path', 'r1 = r10;r1 += -16;call f;r0 = *(u64 *)(r10 - 16);r0 = 0;exit;f:;r6 = r1;call bpf_get_prandom_u32;if r0 == 0 goto x;r2 = 1;*(u64 *)(r6 + 0) = r2;x:;r0 = 0;exit'],
  ['two call sites of one function', '*(u64 *)(r10 - 8) = 0;r1 = r10;r1 += -8;call f;*(u64 *)(r10 - 16) = 0;r1 = r10;r1 += -16;call f;r0 = *(u64 *)(r10 - 8);r0 = 0;exit;f:;r0 = *(u64 *)(r1 + 0);r0 = 0;exit'],
  ['two frames deep', '*(u64 *)(r10 - 8) = 0;*(u64 *)(r10 - 32) = 0;r1 = r10;r1 += -8;call f;r0 = *(u64 *)(r10 - 32);r0 = 0;exit;f:;*(u64 *)(r10 - 8) = 0;call g;r0 = *(u64 *)(r10 - 8);r0 = 0;exit;g:;r0 = *(u64 *)(r1 + 0);r0 = 0;exit'],
  ['one store, different slots on two paths', 'call bpf_get_prandom_u32;r1 = r10;r1 += -8;if r0 == 0 goto l;r1 += -8;l:;r2 = 0;*(u64 *)(r1 + 0) = r2;r0 = *(u64 *)(r10 - 8);r0 = 0;exit'],
  ['LD_ABS ends the must-write chain (socket_filter)', 'r6 = r1;*(u64 *)(r10 - 8) = 0;r0 = *(u32 *)skb[4];*(u64 *)(r10 - 16) = 0;r1 = *(u64 *)(r10 - 24);r0 = 0;exit'],
  ['a dead slot at a prune point', 'call bpf_get_prandom_u32;r6 = r0;*(u64 *)(r10 - 8) = r6;*(u64 *)(r10 - 16) = 0;if r6 == 1 goto l;r0 = *(u64 *)(r10 - 16);l:;r0 = 0;exit'],
];


/** The kernel's liveness lines for a program it accepts, or why there are none. */
function kernelLines(p: Program): string[] | string {
  const r = loadProgram(p, { logLevel: 2, info: false });
  r.close();
  if (!r.ok) return r.error ?? r.log.trimEnd().split('\n').pop() ?? `${r.errno}`;
  return stackLiveLines(r.log);
}

const digest = (lines: string[]): string => createHash('sha256').update(lines.join('\n')).digest('hex');

const cases: { name: string; type: ProgType; source: string; lines: string[] }[] = [];
for (const [name, source] of STACK_LIVE_CASES) {
  // LD_ABS needs a socket filter
  const type: ProgType = source.includes('skb[') ? 'socket_filter' : 'xdp';
  const got = kernelLines(bareProgram(assemble(source.replace(/;/g, '\n')).insns, type));
  if (typeof got === 'string') throw new Error(`${name}: the kernel refused it: ${got}`);
  cases.push({ name, type, source, lines: got });
}

const objects: { object: string; program: string; count: number; sha256: string }[] = [];
const dirs = ['corpus', ...readdirSync('corpus/realworld/objects').sort().map((c) => `corpus/realworld/objects/${c}`)];
for (const d of dirs) {
  for (const f of readdirSync(d).filter((x) => x.endsWith('.o')).sort()) {
    const path = `${d}/${f}`;
    let obj;
    try {
      obj = readObject(new Uint8Array(readFileSync(path)), { externs: runningKernelExterns });
    } catch {
      continue;
    }
    for (const e of obj.programs) {
      let p: Program;
      try {
        p = relocateForTarget(obj, obj.link(e.name, {}), undefined);
      } catch {
        continue;
      }
      if (!MODELLED_TYPES.has(p.type) || p.load?.unloadable) continue;
      const got = kernelLines(p);
      if (typeof got === 'string') continue;
      objects.push({ object: path, program: e.name, count: got.length, sha256: digest(got) });
      process.stderr.write(`\r${objects.length} programs`);
    }
  }
}
writeAtomic('corpus/stack-liveness.json', `${JSON.stringify({ kernel: release(), cases, objects }, null, 1)}\n`);
console.error(`\ncorpus/stack-liveness.json: ${cases.length} cases, ${objects.length} programs`);
