// The tracing slow path (src/interp/trace.ts) against the fast loop: identical r0, packet, maps,
// output, instruction count and faults, with and without truncation; and the steps themselves.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { prepare, type RunInput, type RunResult, type Vm } from '../../src/interp/index.ts';
import { readObject } from '../../src/isa/object.ts';
import type { Program } from '../../src/isa/program.ts';
import { readRecording } from '../../fuzz/record.ts';
import { programOf, type InterpRecord } from '../../fuzz/interp/run.ts';
import { alu, call, callLocal, exit, ja, jc, K, ldx, mov, program, R, st, stx } from './util.ts';

const t = suite('interp/trace');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Everything a run observes, as one comparable string. */
function summary(r: RunResult, vm: Vm): string {
  if (r.kind === 'fault') return `fault ${r.reason} prog ${r.prog} pc ${r.pc} n ${r.insnCount}: ${r.message}`;
  const maps = vm.maps.map((m) => m.entries().map(([k, v]) => `${hex(k)}=${hex(v)}`).join(',')).join(' | ');
  return `r0 ${r.r0} n ${r.insnCount} pkt ${hex(r.packet)} maps ${maps} out ${JSON.stringify(r.output, (_, v) => (v instanceof Uint8Array ? hex(v) : v))}`;
}

/** Runs `input` fast, traced in full and traced with small limits: all must agree. */
function agree(p: Program, input: RunInput, what: string): number {
  const vm = prepare(p);
  const fast = vm.run(input);
  const want = summary(fast, vm);
  const full = vm.trace(input, { limit: 1e9 });
  assert.is(summary(full.result, vm), want, `${what}: full trace`);
  assert.not.ok(full.truncated, what);
  for (const limit of [0, 1, 7]) {
    const part = vm.trace(input, { limit });
    assert.is(summary(part.result, vm), want, `${what}: trace limit ${limit}`);
    assert.ok(part.steps.length <= limit, what);
    assert.is(part.truncated, full.steps.length > limit, `${what}: truncated at ${limit}`);
  }
  return full.steps.length;
}

const udp = (): Uint8Array => {
  const p = new Uint8Array(64);
  p.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00, 0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53], 0);
  return p;
};

t('corpus objects: traced runs give the fast results', () => {
  let steps = 0, runs = 0;
  for (const f of readdirSync('corpus').filter((x) => x.endsWith('.o')).sort()) {
    const obj = readObject(new Uint8Array(readFileSync(`corpus/${f}`)));
    for (const fn of obj.programs) {
      const p = obj.link(fn.name);
      const inputs: RunInput[] = p.type === 'xdp' || p.type === 'sched_cls' || p.type === 'socket_filter'
        ? [{ packet: new Uint8Array(64) }, { packet: udp() }]
        : [{ ctx: new Uint8Array(64).map((_, i) => i * 7) }];
      for (const input of inputs) {
        steps += agree(p, input, `${f}:${fn.name}`);
        runs++;
      }
    }
  }
  assert.ok(runs >= 16 && steps > 200, `${runs} runs, ${steps} steps`);
});

t('recorded fuzz programs (every instruction group and program type, LD_ABS, printk): same results', () => {
  const recs = readRecording<InterpRecord>('corpus/traces/interp.jsonl.gz').filter((r) => r.loaded);
  for (const rec of recs.filter((_, i) => i % 37 === 0)) {
    const p = programOf(rec.code, rec.type);
    for (const pk of rec.packets) {
      const bytes = new Uint8Array(Buffer.from(pk, 'hex'));
      agree(p, p.type === 'raw_tracepoint' ? { ctx: bytes } : { packet: bytes }, rec.code);
    }
  }
});

t('faults, the step limit, self-loops and returns onto the exit itself', () => {
  const pkt = { packet: new Uint8Array(64) };
  // ja -1: the step limit, reported like the fast loop
  agree(program([mov(0, K(1)), ja(-1)]), { ...pkt, stepLimit: 50 }, 'self loop');
  // an out-of-bounds load
  agree(program([ldx(8, 0, 10, 8), exit]), pkt, 'oob');
  // falling off the end, a jump out of range, an unknown helper
  agree(program([mov(0, K(1))]), pkt, 'fall off');
  agree(program([jc('jeq', 1, K(0), 5), exit]), { ...pkt }, 'bad jump');
  agree(program([call(9999), exit]), pkt, 'unknown helper');
  // call +0 into a subprogram that is the caller's next slot: its exit returns onto itself
  const n = agree(program([mov(0, K(3)), callLocal(0), exit]), pkt, 'exit returns onto itself');
  assert.is(n, 4);
  // a loop over a call, with stack traffic across frames
  agree(program([
    mov(6, K(5)), st(8, 10, -8, 0),
    callLocal(5), ldx(8, 1, 10, -8), alu('add', 1, R(0)), stx(8, 10, 1, -8), alu('sub', 6, K(1)), jc('jne', 6, K(0), -6),
    ldx(8, 0, 10, -8), exit,
    mov(0, K(2)), st(8, 10, -8, 7), ldx(8, 2, 10, -8), alu('add', 0, R(2)), exit,
  ]), pkt, 'loop over a call');
});

t('steps: slot index, kernel syntax, changed registers with pointers by region', () => {
  const p = program([ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), mov(4, R(10)), alu('add', 4, K(-8)), mov(0, R(3)), alu('sub', 0, R(2)), jc('jgt', 0, K(100), 1), exit, mov(0, K(0)), exit]);
  const tr = prepare(p).trace({ packet: new Uint8Array(60) });
  assert.is(tr.result.kind, 'exit');
  assert.equal(tr.steps.map((s) => s.pc), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.is(tr.steps[0].text, 'r2 = *(u32 *)(r1 +0)');
  assert.equal(tr.steps[0].changed, [{ reg: 2, value: 'pkt' }]);
  assert.equal(tr.steps[1].changed, [{ reg: 3, value: 'pkt+60' }]);
  assert.equal(tr.steps[2].changed, [{ reg: 4, value: 'fp0' }]);
  assert.equal(tr.steps[3].changed, [{ reg: 4, value: 'fp-8' }]);
  assert.equal(tr.steps[5].changed, [{ reg: 0, value: '0x3c' }]);
  assert.equal(tr.steps[6].changed, []);
});

t.run();
