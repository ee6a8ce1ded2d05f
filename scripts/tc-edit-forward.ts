// tc_edit's store-forwarding stall, by hand: the program stores the new TOS byte
// (`*(u8 *)(r6 + 0xf) = w2`) and at once reads the 16-bit word around it back
// (`w4 = *(u16 *)(r6 + 0xe)`), a load wider than the store it overlaps, which the core cannot
// forward from the store buffer. The rebuild takes the new word from registers instead:
//     w4 = *(u8 *)(r6 + 0xe)     ; version/IHL byte (no store overlaps it)
//     w3 <<= 8                   ; r3 = r2 & 0xff here: the new TOS, now the high byte
//     w4 |= w3                   ; the new word
//     w3 = *(u16 *)(r6 + 0xe)    ; the old word, as before
//     *(u8 *)(r6 + 0xf) = w2     ; the store, as before
// five instructions where the original has three (its two loads and the store): the search's
// candidates keep the original's slots and cannot grow, so this is built here, outside it.
// The whole-program query does not model bpf_l3_csum_replace (it takes a pointer), so the proof
// is a window one, as the search's: the fall-through path from `r3 = r2; r3 &= 0xff` (whose
// branch `if r3 == r4` changes no state) to the store, original against rebuild, every register
// the helper call reads (r1, r3, r4; r2 and r5 are set again before it) and the packet bytes
// equal for every live-in state, r6 a packet pointer. A wrong rebuild (the unmasked r2 shifted)
// must be refused. With root the rebuilt program is then timed against the original
// (long-path inputs, an A/A control in the same rounds).
// Usage: tsx scripts/tc-edit-forward.ts [--rounds N]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { readObject } from '../src/isa/object.ts';
import { assemble } from '../src/isa/asm.ts';
import { formatOp } from '../src/isa/disasm.ts';
import { toOps } from '../src/isa/op.ts';
import type { Insn } from '../src/isa/insn.ts';
import type { Program } from '../src/isa/program.ts';
import { windowEquiv } from '../src/smt/equiv.ts';
import { benchPrograms, type BenchGroup } from '../src/kernel/bench.ts';
import { execProfile } from '../src/search/exec-profile.ts';
import { kernelAvailable } from '../src/kernel/syscall.ts';
import { pct, type RatioEstimate } from '../src/kernel/ratio.ts';
import { optimizerInputs } from '../src/search/bench-inputs.ts';

const args = process.argv.slice(2);
const ri = args.indexOf('--rounds');
const rounds = ri >= 0 ? Number(args[ri + 1]) : 60;

const program = readObject(new Uint8Array(readFileSync('corpus/tc_edit.o'))).link();
const texts = (insns: readonly Insn[]): string[] => toOps(insns).map((o) => (o ? formatOp(o) : '(lddw, second half)'));

/** Replace insns [at, at + n) by `body`, moving every jump that crosses the seam. */
function splice(insns: readonly Insn[], at: number, n: number, body: readonly Insn[]): Insn[] {
  const grow = body.length - n;
  const out = insns.map((x, pc) => {
    const jmp = (x.code & 7) === 5 || (x.code & 7) === 6;
    const op = x.code & 0xf0;
    if (!jmp || op === 0x80 || op === 0x90) return x; // not a jump; call and exit have no offset
    const to = pc + 1 + x.off;
    if (pc < at && to >= at + n) return { ...x, off: x.off + grow };
    if (pc >= at + n && to < at) return { ...x, off: x.off - grow };
    if ((to > at && to < at + n) || (pc >= at && pc < at + n)) throw new Error(`a jump at ${pc} lands inside or leaves from the replaced range`);
    return x;
  });
  return [...out.slice(0, at), ...body, ...out.slice(at + n)];
}

// find the three instructions by their text, not by a fixed index
const text = texts(program.insns);
const at = text.findIndex((s, i) => /w3 = \*\(u16 \*\)\(r6 \+ 0xe\)/.test(s) && /\*\(u8 \*\)\(r6 \+ 0xf\) = w2/.test(text[i + 1] ?? '') && /w4 = \*\(u16 \*\)\(r6 \+ 0xe\)/.test(text[i + 2] ?? ''));
if (at < 0) {
  console.error(`tc-edit-forward: the load/store/load sequence was not found in corpus/tc_edit.o:\n${text.join('\n')}`);
  process.exit(1);
}
const rebuild = assemble(['w4 = *(u8 *)(r6 + 0xe)', 'w3 <<= 8', 'w4 |= w3', 'w3 = *(u16 *)(r6 + 0xe)', '*(u8 *)(r6 + 0xf) = w2'].join('\n')).insns;
// wrong: r2 is the TOS before its mask (the DSCP shifted in can reach bit 9), so bits 16..17 leak in
const wrong = assemble(['w4 = *(u8 *)(r6 + 0xe)', 'w5 = w2', 'w5 <<= 8', 'w4 |= w5', 'w3 = *(u16 *)(r6 + 0xe)', '*(u8 *)(r6 + 0xf) = w2'].join('\n')).insns;
const variant: Program = { ...program, name: 'tc_edit.forward', insns: splice(program.insns, at, 3, rebuild) };
const bad: Program = { ...program, name: 'tc_edit.wrong', insns: splice(program.insns, at, 3, wrong) };

console.log(`tc_edit: ${program.insns.length} insns; replaced ${at}..${at + 2} (${text.slice(at, at + 3).join('; ')}) by ${rebuild.length}: ${texts(rebuild).join('; ')}`);
// the window: the two instructions that make r3 the masked TOS, then the replaced range
const lead = program.insns.slice(at - 3, at - 1);
const leadText = texts(lead);
if (!/^r3 = r2$/.test(leadText[0]) || !/^r3 &= 0xff$/.test(leadText[1]) || !/^if r3 == r4 goto/.test(text[at - 1])) {
  console.error(`tc-edit-forward: expected 'r3 = r2; r3 &= 0xff; if r3 == r4 goto …' before ${at}, found ${text.slice(at - 3, at).join('; ')}`);
  process.exit(1);
}
const windowOf = (body: readonly Insn[]) => [...lead, ...body];
const opts = { liveOut: [1, 3, 4], regTypes: { 1: 'ctx' as const, 6: 'pkt' as const }, stackLive: false, progType: program.type, cache: null };
const proof = await windowEquiv(windowOf(program.insns.slice(at, at + 3)), windowOf(rebuild), opts);
console.log(`rebuild (${variant.insns.length} insns): ${proof.equal === true ? `proved equivalent on the window (${Math.round(proof.ms)} ms)` : proof.equal === false ? `REFUTED: ${JSON.stringify(proof.counterexample, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v)).slice(0, 300)}` : `undecided: ${proof.unknown}`}`);
const refused = await windowEquiv(windowOf(program.insns.slice(at, at + 3)), windowOf(wrong), opts);
console.log(`wrong variant (r2 unmasked, ${bad.insns.length} insns): ${refused.equal === false ? `refused (counterexample r2 = 0x${refused.counterexample.regs[2].toString(16)}, ${Math.round(refused.ms)} ms)` : refused.equal === true ? 'PROVED (the query misses the difference)' : `undecided: ${refused.unknown}`}`);
if (proof.equal !== true || refused.equal !== false) process.exit(1);

// Which timed inputs reach the rewritten instructions at all (the interpreter, on the original)
const groups = optimizerInputs(program);
const visits = execProfile(program, groups.map((x) => ({ presets: [...x.presets], packets: [...x.inputs], expected: [], ids: x.inputs.map((_, i) => i) }))).perSlot[at + 2];
console.log(`visits of the u16 reload per input, the optimizer's long-path inputs: ${visits.toFixed(2)} (${groups.reduce((n, g) => n + g.inputs.length, 0)} inputs)`);
// and a frame made to hit the map with a new DSCP (UDP port 0x1234 → DSCP 46)
const frame = new Uint8Array(64);
frame.set([0x08, 0x00], 12); // IPv4
frame.set([0x45, 0x00, 0x00, 0x32, 0, 0, 0, 0, 64, 17], 14); // IHL 5, TOS 0, UDP
frame.set([0x12, 0x34], 14 + 20 + 2); // UDP destination port 0x1234
const hit: BenchGroup = { presets: [{ map: 0, key: new Uint8Array([0x34, 0x12]), value: new Uint8Array([0x2e]) }], inputs: [frame] };

const k = kernelAvailable();
if (!k.ok) {
  console.log(`not timed: no kernel (${k.reason})`);
  process.exit(0);
}
const est = (r: RatioEstimate) => `${pct(r.median)} (${pct(r.low)} … ${pct(r.high)}): ${r.verdict}`;
// test_run's repeat runs the program again and again on the same packet: after the first run the
// TOS is already the new one, so the frame that hits takes the early exit in every later run
for (const [label, g] of [['long-path inputs', groups], ['map-hit frame', [hit]]] as const) {
  const load0 = loadavg()[0];
  const t0 = Date.now();
  const r = benchPrograms([program, variant], g, { rounds, control: true, harness: true });
  if (!r.ok) {
    console.log(`${label}: not timed: ${r.reason}`);
    continue;
  }
  console.log(`${label}: ${rounds} rounds, ${r.inputs} inputs, repeat ${r.repeat}, load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`  ns/run ${r.programs[0].medianNs.toFixed(2)} → ${r.programs[1].medianNs.toFixed(2)}; minus empty program ${r.programs[0].netNs?.toFixed(2)} → ${r.programs[1].netNs?.toFixed(2)}; JIT bytes ${r.programs[0].jitedLen} → ${r.programs[1].jitedLen}`);
  console.log(`  B/A ${est(r.ratios[1]!)}`);
  console.log(`  A/A control ${est(r.control!)}`);
}
