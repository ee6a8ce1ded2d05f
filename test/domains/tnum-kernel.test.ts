// The running kernel (6.18) as the oracle for tnum_mul: load
//   r0 = bpf_get_prandom_u32(); r0 &= M; r0 |= V; r0 *= K; exit
// at log_level 2 and compare var_off after the multiplication with
// tnum_intersect(tnumMul(a, K), tnum_range(umin, umax)) — the bounds sync intersects var_off with
// the range of the bounds the log prints. This is what tells 6.18's mul from CGO'22's.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { concreteBits } from '../../src/bv/concrete.ts';
import * as T from '../../src/domains/tnum.ts';
import { formatTnum } from '../../src/domains/tnum-notation.ts';
import { loadRaw } from '../../src/kernel/load.ts';
import { closeFd } from '../../src/kernel/syscall.ts';

const t = suite('domains/tnum-kernel');
const bv = concreteBits(64);

function program(mask: number, value: number, k: number): Uint8Array {
  const code = new Uint8Array(40);
  const dv = new DataView(code.buffer);
  const put = (i: number, op: number, imm: number) => { code[i * 8] = op; dv.setInt32(i * 8 + 4, imm, true); };
  put(0, 0x85, 7); // call bpf_get_prandom_u32
  put(1, 0x57, mask); // r0 &= mask
  put(2, 0x47, value); // r0 |= value
  put(3, 0x27, k); // r0 *= k
  put(4, 0x95, 0); // exit
  return code;
}

/** The fields of `R0=scalar(...)` on the state line of insn 3 (grouped names `a=b=v` expanded). */
function r0After(log: string): Record<string, string> {
  const line = log.split('\n').find((l) => l.startsWith('3:')) ?? '';
  const m = /R0=scalar\((.*)\)/.exec(line);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const part of m[1].split(/,(?![^(]*\))/)) {
    const names = part.split('=');
    const val = names.pop()!;
    for (const n of names) out[n] = val;
  }
  return out;
}

// Deterministic cases: small values so the product bounds do not overflow.
const cases: [number, number, number][] = [[2, 1, 3], [6, 1, 5], [0x30, 3, 17], [0xa, 1, 7]];
let s = 12345;
const rnd = (n: number) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
for (let i = 0; i < 16; i++) {
  const m = rnd(0x10000), v = rnd(0x10000) & ~m;
  cases.push([m, v, 1 + rnd(0x7fff)]);
}

t('var_off after r0 *= K matches the 6.18 tnum_mul on the running kernel', () => {
  let differsFromCgo = 0;
  for (const [mask, value, k] of cases) {
    const r = loadRaw(1, program(mask, value, k), 'GPL', { logLevel: 2 });
    if (r.fd >= 0) closeFd(r.fd);
    assert.ok(r.fd >= 0, `load failed (errno ${r.errno}): ${r.log.slice(-300)}`);
    const f = r0After(r.log);
    const umin = BigInt(f.umin ?? '0'), umax = BigInt(f.umax ?? '0xffffffffffffffff');
    const a = { value: BigInt(value), mask: BigInt(mask & ~value) };
    const range = T.tnumRange(bv, umin, umax);
    const ours = T.tnumIntersect(bv, T.tnumMul(bv, a, T.tnumConst(bv, BigInt(k))), range);
    const cgo = T.tnumIntersect(bv, T.tnumMulCgo22(bv, a, T.tnumConst(bv, BigInt(k))), range);
    const kernel = f.var_off ?? (umin === umax ? formatTnum(T.tnumConst(bv, umin)) : '(0x0; 0xffffffffffffffff)');
    assert.is(kernel, formatTnum(ours), `a=${formatTnum(a)} K=${k}`);
    if (formatTnum(cgo) !== kernel) differsFromCgo++;
  }
  assert.ok(differsFromCgo > 0, 'no case tells 6.18 from CGO22');
});

t.run();
