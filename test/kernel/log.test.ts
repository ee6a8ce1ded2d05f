// Verifier-log parser and printer. Runs without root: the logs are fixtures saved from the
// running 6.18 kernel (regenerate with `npx tsx test/kernel/fixtures/gen.ts`).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { parseStateLine, parseVerifierLog, printStateLine, insnRecords, logPaths, type LogRecord } from '../../src/kernel/log.ts';
import {
  constScalar, parseRegState, printRanges, printRegState, sameRegState, canonical, UNBOUNDED, S64_MIN, S64_MAX, S32_MIN, S32_MAX, U64_MAX, U32_MAX,
  type ScalarState, type PtrState,
} from '../../src/kernel/regstate.ts';

const t = suite('kernel/log');
const FIX = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(`${name}.log`, FIX), 'utf8');
const fixtures = readdirSync(FIX).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -4));

const insnAt = (log: ReturnType<typeof parseVerifierLog>, idx: number, n = 0) => insnRecords(log, idx)[n];

t('fixtures are present', () => {
  for (const n of ['nullable', 'scalars', 'pointers', 'subprog', 'loop', 'diamond', 'reject_pkt', 'reject_deref']) assert.ok(fixtures.includes(n), n);
});

t('scalars: insn records, grouped bounds, constants', () => {
  const L = parseVerifierLog(fixture('scalars'));
  assert.equal(L.funcs, [{ index: 0, start: 0 }]);
  assert.is(L.stats?.processed, 43);
  assert.is(L.stats?.limit, 1000000);
  assert.is(L.error, undefined);
  const and = insnAt(L, 7);
  assert.is(and.opcode, 0x57);
  assert.is(and.text, 'r6 &= 255');
  const r6 = and.state!.regs.get(6) as ScalarState;
  assert.equal([r6.smin, r6.smax, r6.umin, r6.umax, r6.s32min, r6.s32max, r6.u32min, r6.u32max], [0n, 255n, 0n, 255n, 0n, 255n, 0n, 255n]);
  assert.equal(r6.varOff, { value: 0n, mask: 0xffn });
  // constants: decimal only within s16, else the u64 pattern in hex
  assert.equal(insnAt(L, 12).state!.regs.get(9), constScalar(-5n));
  assert.equal(insnAt(L, 17).state!.regs.get(0), constScalar(65535n));
  assert.equal(insnAt(L, 20).state!.regs.get(0), constScalar(-32769n));
  assert.equal(insnAt(L, 13).state!.regs.get(0), constScalar(0x123456789n));
  // arsh by 60: a signed range only
  const r8 = insnAt(L, 11).state!.regs.get(8) as ScalarState;
  assert.equal([r8.smin, r8.smax, r8.s32min, r8.s32max, r8.umin, r8.umax], [-8n, 7n, -8n, 7n, 0n, U64_MAX]);
  // a negative range with umin in hex and var_off with high bits set
  const branch = L.records.find((r) => r.kind === 'branch' && r.from === 25 && r.to === 27) as Extract<LogRecord, { kind: 'branch' }>;
  const r5 = branch.state.regs.get(5) as ScalarState;
  assert.is(r5.id, 1);
  assert.equal([r5.smin, r5.smax, r5.umin, r5.s32min, r5.s32max, r5.u32min], [-100n, -1n, 0xffffffffffffff9cn, -100n, -1n, 0xffffff9cn]);
  assert.equal(r5.varOff, { value: 0xffffffffffffff80n, mask: 0x7fn });
  // id=1+1: BPF_ADD_CONST link
  const r5b = insnAt(L, 26).state!.regs.get(5) as ScalarState;
  assert.is(r5b.id, 1);
  assert.is(r5b.idDelta, 1);
  assert.ok(L.records.some((r) => r.kind === 'safe' && r.idx === 27));
});

t('pointers: ctx, pkt, pkt_end, map values, spills, slot types', () => {
  const L = parseVerifierLog(fixture('pointers'));
  const first = L.records.find((r) => r.kind === 'state') as Extract<LogRecord, { kind: 'state' }>;
  assert.equal(first.state.regs.get(1), { kind: 'ptr', type: 'ctx' });
  assert.equal(first.state.regs.get(10), { kind: 'ptr', type: 'fp', fpOff: 0n });
  assert.equal(insnAt(L, 3).state!.regs.get(4), { kind: 'ptr', type: 'pkt', off: 8n, r: 0n });
  assert.equal(insnAt(L, 1).state!.regs.get(3), { kind: 'ptr', type: 'pkt_end' });
  const st6 = insnAt(L, 6).state!.stack.get(-8)!;
  assert.is(st6.types, '0000????');
  assert.is(st6.spilled, undefined);
  const st7 = insnAt(L, 7).state!.stack.get(-16)!;
  assert.is(st7.types, 'rrrrrrrr');
  assert.equal(st7.spilled, { kind: 'ptr', type: 'pkt', r: 8n });
  assert.is(insnAt(L, 9).state!.stack.get(-32)!.types, 'm???????');
  assert.equal(insnAt(L, 12).state!.regs.get(1), { kind: 'ptr', type: 'map_ptr', map: 'vals', ks: 4, vs: 16 });
  assert.equal(insnAt(L, 17).state!.regs.get(0), { kind: 'ptr', type: 'map_value', map: 'vals', ks: 4, vs: 16, off: 4n });
  // packet range markers print as unum of a negative int
  const b = L.records.find((r) => r.kind === 'branch') as Extract<LogRecord, { kind: 'branch' }>;
  assert.is((b.state.regs.get(4) as PtrState).r, 0xfffffffffffffffen);
});

t('subprog: frames, fp of another frame, caller/callee blocks', () => {
  const L = parseVerifierLog(fixture('subprog'));
  assert.equal(L.funcs, [{ index: 0, start: 0 }, { index: 1, start: 7 }]);
  const r = insnAt(L, 7);
  assert.is(r.state!.frame, 1);
  assert.equal(r.state!.regs.get(2), { kind: 'ptr', type: 'fp', frameno: 0, fpOff: -8n });
  const roles = L.records.filter((x) => x.kind === 'call').map((x) => (x.kind === 'call' ? [x.role, x.idx ?? null] : null));
  assert.equal(roles, [['caller', null], ['callee', null], ['returning', null], ['to_caller', 5]]);
  assert.equal(L.live.find((x) => x.idx === 8)?.live, [0, 1]);
});

t('nullable: map_value_or_null with id, sub-register spill, slot order', () => {
  const L = parseVerifierLog(fixture('nullable'));
  assert.equal(insnAt(L, 7).state!.regs.get(0), { kind: 'ptr', type: 'map_value_or_null', id: 2, map: 'h', ks: 4, vs: 8 });
  assert.is(insnAt(L, 0).state!.stack.get(-8)!.types, 'mmmm????');
  const spill = insnAt(L, 2).state!.stack.get(-16)!;
  assert.is(spill.types, '????rrrr');
  assert.is((spill.spilled as ScalarState).umax, 0xffffffffn);
  assert.equal(insnAt(L, 8).state!.regs.get(0), constScalar(0n));
});

t('loop: SCC column in the liveness table, precision in mark_precise lines', () => {
  const L = parseVerifierLog(fixture('loop'));
  assert.equal(L.live.find((x) => x.idx === 2), { idx: 2, scc: 1, live: [0, 1], text: '(0f) r0 += r1' });
  assert.is(insnRecords(L, 2).length, 5);
  assert.equal(parseRegState('P2'), constScalar(2n, true));
});

t('rejections: the error is the text before `processed`', () => {
  assert.is(parseVerifierLog(fixture('reject_deref')).error, "R0 invalid mem access 'scalar'");
  assert.is(
    parseVerifierLog(fixture('reject_pkt')).error,
    'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)\nR2 offset is outside of the packet',
  );
  assert.is(parseVerifierLog(fixture('diamond')).error, undefined);
  assert.is(parseVerifierLog('func#0 @0\njump out of range from insn 4 to 35\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n').error, 'jump out of range from insn 4 to 35');
});

t('every state printed in the fixtures reprints identically', () => {
  let n = 0;
  for (const f of fixtures) {
    for (const line of fixture(f).split('\n')) {
      const m = /^\d+: \([0-9a-f]{2}\) .*? ; (.*)$/.exec(line) ?? /^from \d+ to \d+: (.*)$/.exec(line) ?? /^\d+: ((?:R|frame).*)$/.exec(line) ?? /^ ((?:R|frame).*)$/.exec(line);
      if (!m) continue;
      assert.is(printStateLine(parseStateLine(m[1])), m[1], `${f}: ${line}`);
      n++;
    }
  }
  assert.ok(n > 100, `${n} state lines`);
});

t('6.12 liveness suffixes and sub-register spills parse', () => {
  const s = parseStateLine('R0_w=scalar(umax=255) R10=fp0 fp-8_w=????mmmm fp-16=????0 fp-24=mmmmmm-3');
  assert.is(s.frames[0].live.get(0), 'w');
  assert.equal(s.stack.get(-8), { types: '????mmmm', live: 'w' });
  assert.equal(s.stack.get(-16), { types: '????rrrr', spilled: constScalar(0n) });
  assert.equal(s.stack.get(-24), { types: 'mmmmmmrr', spilled: constScalar(-3n) });
  assert.is(printStateLine(s), 'R0_w=scalar(umax=255) R10=fp0 fp-8_w=????mmmm fp-16=????0 fp-24=mmmmmm-3');
});

t('printer: the kernel grouping examples', () => {
  const r = { ...UNBOUNDED, smin: 0n, smax: 255n, umax: 255n, s32min: 0n, s32max: 255n, u32max: 255n };
  assert.equal(printRanges(r), ['smin=smin32=0', 'smax=umax=smax32=umax32=255']);
  const neg = { ...UNBOUNDED, smin: -100n, smax: -1n, umin: 0xffffffffffffff9cn, s32min: -100n, s32max: -1n, u32min: 0xffffff9cn };
  assert.equal(printRanges(neg).join(','), 'smin=smin32=-100,smax=smax32=-1,umin=0xffffffffffffff9c,umin32=0xffffff9c');
  // a 32-bit signed bound outside s16 prints its u32 pattern, not the sign-extended one
  assert.equal(printRanges({ ...UNBOUNDED, s32min: -40000n }), ['smin32=0xffff63c0']);
  assert.is(printRegState(constScalar(65536n)), '0x10000');
  assert.is(printRegState(constScalar(-1n)), '-1');
  assert.is(printRegState(constScalar(0xffffffffn)), '0xffffffff');
  assert.is(printRegState({ kind: 'scalar', precise: false, id: 0, ...UNBOUNDED, varOff: { value: 0n, mask: U64_MAX } }), 'scalar()');
});

// ---- round-trip property ----

const big = (lo: bigint, hi: bigint) => fc.bigInt({ min: lo, max: hi });
/** Values near interesting edges plus anything. */
const edgy = (lo: bigint, hi: bigint) => fc.oneof(big(lo, hi), fc.constantFrom(lo, hi, 0n, -1n, 255n, 32767n, 32768n, -32768n, -32769n, 65535n, 65536n).filter((v) => v >= lo && v <= hi));
const tnumArb = fc.tuple(big(0n, U64_MAX), big(1n, U64_MAX)).map(([v, m]) => ({ value: v & ~m & U64_MAX, mask: m }));
const scalarArb: fc.Arbitrary<ScalarState> = fc.oneof(
  fc.tuple(big(-(1n << 63n), U64_MAX), fc.boolean()).map(([v, p]) => constScalar(v, p)),
  fc.record({
    smin: edgy(S64_MIN, S64_MAX), smax: edgy(S64_MIN, S64_MAX), umin: edgy(0n, U64_MAX), umax: edgy(0n, U64_MAX),
    s32min: edgy(S32_MIN, S32_MAX), s32max: edgy(S32_MIN, S32_MAX), u32min: edgy(0n, U32_MAX), u32max: edgy(0n, U32_MAX),
    varOff: tnumArb, precise: fc.boolean(), id: fc.nat(4), delta: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
  }).map(({ delta, ...r }) => {
    const s: ScalarState = { kind: 'scalar', ...r, varOff: { ...r.varOff } };
    return delta !== undefined && r.id ? { ...s, idDelta: delta } : s;
  }),
);

t('property: print → parse gives back the same scalar state', () => {
  fc.assert(
    fc.property(scalarArb, (s) => {
      const text = printRegState(s);
      const back = parseRegState(text);
      if (!sameRegState(back, s)) throw new Error(`${text}\n ${canonical(s)}\n ${canonical(back)}`);
    }),
    { numRuns: 3000 },
  );
});

t('property: print → parse → print is stable for pointers', () => {
  const ptr = fc.record({
    type: fc.constantFrom('pkt', 'map_value', 'map_value_or_null', 'ctx', 'mem', 'sock'),
    id: fc.option(fc.nat(9), { nil: undefined }), off: fc.option(big(-40000n, 40000n), { nil: undefined }),
    r: fc.option(big(0n, 70000n), { nil: undefined }), imm: fc.option(big(-5n, 70000n), { nil: undefined }),
  });
  fc.assert(
    fc.property(ptr, (p) => {
      const s: PtrState = { kind: 'ptr', ...p };
      const text = printRegState(s);
      assert.is(printRegState(parseRegState(text)), text);
    }),
    { numRuns: 500 },
  );
});

t('logPaths: a subprogram return continues the path; its full state is the state after the exit', () => {
  const P = logPaths(fixture('subprog'));
  assert.is(P.length, 1);
  assert.equal(P[0].pcs, [0, 1, 2, 3, 4, 7, 8, 9, 5, 6]);
  assert.is(P[0].entry, 'R1=ctx() R10=fp0');
  // the callee's first state (`7: frame1: …`, after the caller:/callee: lines) is the state after the call
  assert.is(P[0].after[4], 'frame1: R1=7 R2=fp[0]-8 R10=fp0');
  assert.is(P[0].after[7], 'R0=10 R10=fp0 fp-8=3');
  assert.is(P[0].after[8], 'R0=11');
  assert.is(P[0].after[9], undefined);
});

t('logPaths: branch states in the order explored, pruned paths end in safe', () => {
  const P = logPaths(fixture('scalars'));
  assert.equal(P.map((p) => [p.from, p.to, p.safe]), [[-1, 0, undefined], [25, 27, undefined], [23, 26, 27], [22, 26, 27], [4, 33, undefined]]);
  assert.ok(P[1].entry?.startsWith('R0='));
  assert.is(P[2].pcs.length, 1);
  const log = [
    '0: R1=ctx() R10=fp0', '0: (b7) r0 = 1                        ; R0=1', '1: (15) if r0 == 0x0 goto pc+1',
    'mark_precise: frame0: last_idx 1 first_idx 0 subseq_idx -1 ', '2: R0=1', '2: (95) exit', '', 'from 1 to 3: safe',
  ].join('\n');
  const Q = logPaths(log);
  assert.equal(Q.map((p) => [p.from, p.to, p.pcs, p.safe]), [[-1, 0, [0, 1, 2], undefined], [1, 3, [], 3]]);
  // a state printed on its own line after other output belongs to the instruction before it
  assert.equal(Q[0].after, ['R0=1', 'R0=1']);
});

t.run();
