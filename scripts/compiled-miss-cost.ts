// What a results-cache miss of a compiled scalar operator costs, split into the compiled body
// and what surrounds it (bigint inputs stored, the cache probed and filled, the bigint result
// built): CPU time per call (process.cpuUsage, so a busy machine moves it less than wall-clock).
// The operator is 64-bit `and` with a constant 0xffff on a 16-bit unknown at varying offsets,
// as in xdp_csum_loop; reg_bounds_sync's compiled body is timed alone as well.
//
//   node --import tsx scripts/compiled-miss-cost.ts [--calls 200000] [--rounds 4]
import { parseArgs } from 'node:util';
import { CompiledOps, NativeParts, compileScalarOp } from '../src/domains/compiled.ts';
import { LINUX_6_18, type ScalarState } from '../src/domains/scalar.ts';
import { scalarAlu } from '../src/domains/alu.ts';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '4' } } });
const N = Number(args.calls);

/** A scalar with known bits `v` and unknown bits `m` (bounds as the tnum implies). */
function scalar(v: bigint, m: bigint): ScalarState<bigint> {
  const lo = (x: bigint): bigint => x & 0xffff_ffffn;
  return { varOff: { value: v, mask: m }, umin: v, umax: v | m, smin: v, smax: v | m, u32min: lo(v), u32max: lo(v | m), s32min: lo(v), s32max: lo(v | m) };
}

const inputs = Array.from({ length: 4096 }, (_, i) => scalar(BigInt(i) << 16n, 0xffffn));
const konst = scalar(0xffffn, 0n);
const ops = new CompiledOps(LINUX_6_18);
const body = compileScalarOp(2, (d, [x, y]) => ({ states: [scalarAlu(d, 'and', 64, x, y, LINUX_6_18)] }), 'and64_alone');
const sync = new NativeParts().syncImpl(LINUX_6_18);
// the same 16-bit unknown as raw words for the bodies timed alone (slots as the compiled code reads them)
const I = new Int32Array(42), O = new Int32Array(42);
const I64 = new BigUint64Array(I.buffer);
const s0 = inputs[0];
[s0.varOff.value, s0.varOff.mask, s0.umin, s0.umax, s0.smin, s0.smax, s0.u32min, s0.u32max, s0.s32min, s0.s32max].forEach((x, k) => (I64[k] = x));
[konst.varOff.value, konst.varOff.mask, konst.umin, konst.umax, konst.smin, konst.smax, konst.u32min, konst.u32max, konst.s32min, konst.s32max].forEach((x, k) => (I64[10 + k] = x));

const cpuNs = (f: () => void): number => {
  const u = process.cpuUsage();
  f();
  const d = process.cpuUsage(u);
  return ((d.user + d.system) * 1000) / N;
};

for (let r = 0; r < Number(args.rounds); r++) {
  const miss = cpuNs(() => {
    for (let i = 0; i < N; i++) {
      ops.clearResults();
      ops.alu('and', 64, inputs[i & 4095], konst);
    }
  });
  const alone = cpuNs(() => {
    for (let i = 0; i < N; i++) {
      I[3] = i & 0xfff; // the value's high half: a different input each call
      body(I, O);
    }
  });
  const syncAlone = cpuNs(() => {
    for (let i = 0; i < N; i++) {
      I[3] = i & 0xfff;
      sync(I, O);
    }
  });
  console.log(`and64 miss ${miss.toFixed(0)} ns CPU; its compiled body alone ${alone.toFixed(0)} ns; reg_bounds_sync's body alone ${syncAlone.toFixed(0)} ns`);
}
