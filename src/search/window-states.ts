// A window's tests: the machine states that reach the window's first slot when the original
// runs on the search's test inputs, and what the original window leaves behind from each.
// A candidate window then runs on those states alone, so its cost per test is the window's
// length, not the program's (issue 20: candidates/s must not fall with program size).
//
// The interpreter has no "start here with this state" entry, so one machine is reloaded with
// an exit in place of the slot where a run must stop: at the window's start to capture states
// (the first visit of the slot, before any exit of the main function), at its end to run it.
// Windows only touch registers, the entry stack frame and the packet (window-pick.ts refuses
// memory through other pointers), so those are all a state holds.
import type { Vm } from '../interp/index.ts';
import type { RunInput } from '../interp/index.ts';
import { REGION_PKT, STACK_SIZE } from '../interp/layout.ts';
import { execute } from '../interp/vm.ts';
import type { Insn } from '../isa/insn.ts';
import type { Program } from '../isa/program.ts';
import type { Slot } from './proposals.ts';
import { testInput, type TestGroup } from './tests.ts';

/** Registers r0..r10 (lo and hi halves), the entry stack frame and the packet bytes at one moment. */
export interface MachineState {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** The 512-byte frame as 128 words (aligned in the arena: compared a word at a time). */
  readonly stack: Int32Array;
  /** Packet region bytes [meta, end). */
  readonly pkt: Uint8Array;
  readonly meta: number;
  readonly data: number;
  readonly end: number;
}

/** A window's entry state and what the original window makes of it. */
export interface WindowTest {
  readonly entry: MachineState;
  /** Fault code of the original window on it (0: it reached the window's end). */
  readonly fault: number;
  readonly after: MachineState;
}

const EXIT: Insn = { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
const WORDS = STACK_SIZE / 4;

/** The program with an exit at `pc` (both halves of an lddw there). */
function exitAt(insns: readonly Insn[], pc: number): Insn[] {
  const out = insns.slice();
  if (pc < out.length) {
    if (out[pc].code === 0x18 && pc + 1 < out.length) out[pc + 1] = EXIT;
    out[pc] = EXIT;
  } else out.push(EXIT);
  return out;
}

function snapshot(vm: Vm): MachineState {
  const m = vm.machine;
  m.materializePacket(); // an XDP packet no instruction touched may not be in the arena yet
  const pb = m.rBase[REGION_PKT];
  return {
    lo: m.RL.slice(0, 11), hi: m.RH.slice(0, 11),
    stack: new Int32Array(m.buf.slice(m.rBase[0], m.rBase[0] + STACK_SIZE)),
    pkt: m.u8.slice(pb + m.pktMeta, pb + m.pktEnd),
    meta: m.pktMeta, data: m.pktData, end: m.pktEnd,
  };
}

/**
 * Entry states of the window starting at `start` (in the main function): one per test input
 * whose run reaches it (`reaches(group, index)`), at most `max`.
 */
export function captureEntries(vm: Vm, program: Program, start: number, tests: readonly TestGroup[], reaches: (g: number, i: number) => boolean, max = 48): MachineState[] {
  vm.reload(exitAt(program.insns, start));
  const out: MachineState[] = [];
  for (let gi = 0; gi < tests.length && out.length < max; gi++) {
    const g = tests[gi];
    let prepared = false;
    for (let i = 0; i < g.packets.length && out.length < max; i++) {
      if (!reaches(gi, i)) continue;
      if (!prepared) {
        vm.resetMaps();
        for (const p of g.presets) vm.maps[p.map].set(p.key, p.value);
        vm.saveBaseline();
        prepared = true;
      }
      if (vm.exec(testInput(g, i))) out.push(snapshot(vm));
    }
  }
  return out;
}

/**
 * Runs one window [start, end) from saved states on a machine of its own program (an exit at
 * `end`), with candidate slots patched in place.
 */
export class WindowRunner {
  private readonly stackAt: number;
  private readonly stackView: Int32Array;
  private readonly entryPc: number;

  constructor(private readonly vm: Vm, program: Program, readonly start: number, readonly end: number) {
    vm.reload(exitAt(program.insns, end));
    const m = vm.machine;
    this.stackAt = m.rBase[0];
    this.stackView = new Int32Array(m.buf, this.stackAt, WORDS);
    this.entryPc = m.dec.entries[0] + start;
  }

  /** Put slot pc (inside the window) to op; false when the interpreter cannot patch it. */
  patch(pc: number, op: Slot): boolean {
    return this.vm.patch(pc, op);
  }

  /** Run the window from `s`; the fault code (0: it reached the end). */
  run(s: MachineState): number {
    const m = this.vm.machine;
    m.RL.set(s.lo);
    m.RH.set(s.hi);
    this.stackView.set(s.stack);
    m.frameWritten();
    m.u8.set(s.pkt, m.rBase[REGION_PKT] + s.meta);
    m.setPacket(s.meta, s.data, s.end);
    m.stepLimit = 1_000_000;
    m.insnCount = 0;
    return execute(m, this.entryPc);
  }

  /** The state after the last run. */
  state(): MachineState {
    return snapshot(this.vm);
  }

  /**
   * How far the last run's outcome is from `t`'s (K2's error: differing bits of the live
   * registers, of the stack frame and of the packet; a fault that differs costs 64).
   */
  distance(fault: number, t: WindowTest, liveOut: number): number {
    if (fault !== t.fault) return 64;
    if (fault) return 0;
    const m = this.vm.machine, a = t.after;
    let d = 0;
    for (let r = 0; r <= 10; r++) {
      if (!((liveOut >> r) & 1)) continue;
      d += popcount(m.RL[r] ^ a.lo[r]) + popcount(m.RH[r] ^ a.hi[r]);
    }
    const st = this.stackView, want = a.stack;
    for (let i = 0; i < WORDS; i++) if (st[i] !== want[i]) d += popcount(st[i] ^ want[i]);
    const pb = m.rBase[REGION_PKT] + a.meta, u8 = m.u8, p = a.pkt;
    for (let i = 0; i < p.length; i++) if (u8[pb + i] !== p[i]) d += 2;
    return d;
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The original window's outcome on each entry state (the runner holds the original slots). */
export function windowTests(runner: WindowRunner, entries: readonly MachineState[]): WindowTest[] {
  return entries.map((entry) => {
    const fault = runner.run(entry);
    return { entry, fault, after: runner.state() };
  });
}
