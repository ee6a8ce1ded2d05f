// Calculators for the abstract domains: `bpfsynth tnum`, `bpfsynth scalar`, `bpfsynth branch`.
import type { Command, Parsed } from './args.ts';
import { flag, str } from './args.ts';
import { InputError, UsageError } from './errors.ts';
import { concreteBits, concrete64x32 } from '../bv/concrete.ts';
import * as T from '../domains/tnum.ts';
import { formatTnum, formatTnumBits, parseTnum } from '../domains/tnum-notation.ts';
import { immOperand, scalarAlu, scalarNeg, scalarMovsx, scalarEnd, type ScalarAluOp } from '../domains/alu.ts';
import { branchTaken, refine, type Cond } from '../domains/branch.ts';
import { regBoundsSync } from '../domains/sync.ts';
import { FLAVORS, LINUX_6_18, flavorNamed, type KernelFlavor, type ScalarState } from '../domains/scalar.ts';
import { parseRegState } from '../kernel/regstate.ts';
import { fromLogScalar, printDomainScalar } from '../kernel/domain-state.ts';

const BIN: Record<string, (bv: ReturnType<typeof concreteBits>, a: T.Tnum<bigint>, b: T.Tnum<bigint>) => T.Tnum<bigint>> = {
  add: T.tnumAdd, sub: T.tnumSub, mul: T.tnumMul, 'mul-cgo22': T.tnumMulCgo22, and: T.tnumAnd, or: T.tnumOr,
  xor: T.tnumXor, intersect: T.tnumIntersect, union: T.tnumUnion, 'with-subreg': T.tnumWithSubreg,
};
const UN: Record<string, (bv: ReturnType<typeof concreteBits>, a: T.Tnum<bigint>) => T.Tnum<bigint>> = {
  neg: T.tnumNeg, subreg: T.tnumSubreg, 'clear-subreg': T.tnumClearSubreg, bswap16: T.tnumBswap16, bswap32: T.tnumBswap32, bswap64: T.tnumBswap64,
};
const SHIFT = ['lshift', 'rshift', 'arshift', 'cast'];

function tnumArg(s: string, what: string): T.Tnum<bigint> {
  try {
    return parseTnum(s);
  } catch (e) {
    throw new InputError(`${what} '${s}': ${(e as Error).message}`);
  }
}

export const tnumCmd: Command = {
  name: 'tnum',
  summary: 'tnum calculator: bpfsynth tnum mul 0b1x0 \'(0x2; 0x1)\'',
  usage: `usage: bpfsynth tnum OP A [B] [--json]

Applies the kernel's tnum operator to tnums written as '(0x0; 0xff)' (the verifier log's
value; mask), bit strings '0b10xx1' (x = unknown) or constants (5, 0x10, -1).

  binary:  ${Object.keys(BIN).join(' ')}
  unary:   ${Object.keys(UN).join(' ')}
  shifts:  lshift rshift arshift (B = a number of bits), cast (B = bytes)
  tests:   in (is A contained in B), overlap, const (is A constant)`,
  options: { json: { type: 'boolean' } },
  positionals: [2, 3],
  run(args) {
    const [op, x, y] = args.positionals;
    const bv = concreteBits(64);
    const a = tnumArg(x, 'A');
    const out = (r: T.Tnum<bigint> | boolean): number => {
      if (typeof r === 'boolean') console.log(flag(args, 'json') ? JSON.stringify({ op, result: r }) : String(r));
      else if (flag(args, 'json')) console.log(JSON.stringify({ op, value: `0x${r.value.toString(16)}`, mask: `0x${r.mask.toString(16)}`, text: formatTnum(r) }));
      else console.log(`${formatTnum(r)}   ${formatTnumBits(r, 64, { trim: true })}`);
      return 0;
    };
    if (op === 'const') return out(T.tnumIsConst(bv, a));
    if (UN[op]) return out(UN[op](bv, a));
    if (y === undefined) throw new UsageError(`tnum ${op}: needs a second operand`);
    if (SHIFT.includes(op)) {
      const n = Number(y);
      if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError(`tnum ${op}: the amount must be 0..64, not '${y}'`);
      if (op === 'cast') return out(T.tnumCast(bv, a, n));
      return out(op === 'lshift' ? T.tnumLshift(bv, a, n) : op === 'rshift' ? T.tnumRshift(bv, a, n) : T.tnumArshift(bv, a, n));
    }
    const b = tnumArg(y, 'B');
    if (op === 'in') return out(T.tnumIn(bv, b, a));
    if (op === 'overlap') return out(T.tnumOverlap(bv, a, b));
    if (!BIN[op]) throw new UsageError(`tnum: unknown operator '${op}'`);
    return out(BIN[op](bv, a, b));
  },
};

/** A scalar from 'umin=0,umax=255', a kernel state 'scalar(…)', a tnum '(0x0; 0xff)' or a constant. */
function scalarArg(s: string, what: string, fl: KernelFlavor): ScalarState<bigint> {
  const d = concrete64x32;
  const text = s.trim();
  try {
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) return fromLogScalar(parseRegState(text) as never);
    if (text.startsWith('(') || text.startsWith('0b')) {
      const t = parseTnum(text);
      return regBoundsSync(d, { ...immOperand(d, 0), varOff: t, umin: 0n, umax: d.u64.ones, smin: 1n << 63n, smax: (1n << 63n) - 1n, u32min: 0n, u32max: 0xffffffffn, s32min: 0x80000000n, s32max: 0x7fffffffn }, fl);
    }
    const inner = text.startsWith('scalar(') ? text.slice(7, -1) : text;
    const bad = inner.split(/,(?![^(]*\))/).find((f) => f && !/^[a-z0-9_=]+=[^=]+$/i.test(f));
    if (bad !== undefined) throw new Error(`'${bad}' is not a field=value pair (fields: umin umax smin smax umin32 umax32 smin32 smax32 var_off)`);
    const r = parseRegState(`scalar(${inner})`);
    if (r.kind !== 'scalar') throw new Error('not a scalar');
    return regBoundsSync(d, fromLogScalar(r), fl);
  } catch (e) {
    throw new InputError(`${what} '${s}': ${(e as Error).message}`);
  }
}

/** --flavor: the kernel whose domains are computed (default 6.18, the model's default). */
function flavorArg(args: Parsed): KernelFlavor {
  const name = str(args, 'flavor');
  if (name === undefined) return LINUX_6_18;
  try {
    return flavorNamed(name);
  } catch (e) {
    throw new UsageError(`--flavor: ${(e as Error).message}`);
  }
}
const FLAVOR_USAGE = `  --flavor F   the kernel modelled: ${FLAVORS.map((f) => f.name).join(', ')} (default 6.18)`;

const ALU_OPS: ScalarAluOp[] = ['add', 'sub', 'mul', 'div', 'sdiv', 'mod', 'smod', 'or', 'and', 'lsh', 'rsh', 'arsh', 'xor'];

export const scalarCmd: Command = {
  name: 'scalar',
  summary: 'scalar-bounds calculator: bpfsynth scalar add \'umin=0,umax=255\' 1',
  usage: `usage: bpfsynth scalar OP A [B] [--width 32|64] [--flavor F] [--json]

The verifier's ALU transfer function on scalar states, printed in the verifier log's notation.
A and B are constants, kernel states ('scalar(smin=0,umax=255)' or just 'umin=0,umax=255'),
or tnums ('(0x0; 0xff)'); states are synced (reg_bounds_sync) before use.

  OP: ${ALU_OPS.join(' ')} neg sync
      sx8 sx16 sx32  (r = (s8|s16|s32) r; with --width 32: w = (s8|s16) w)
      le16 le32 le64 be16 be32 be64 swap16 swap32 swap64  (byte swaps, BPF_END)
  --width 32   the ALU32 form (result zero-extended)
${FLAVOR_USAGE}`,
  options: { width: { type: 'string' }, json: { type: 'boolean' }, flavor: { type: 'string' } },
  positionals: [2, 3],
  run(args) {
    const [op, x, y] = args.positionals;
    const width = widthArg(args);
    const d = concrete64x32;
    const fl = flavorArg(args);
    const a = scalarArg(x, 'A', fl);
    let r: ScalarState<bigint>;
    if (op === 'sync') r = regBoundsSync(d, a, fl);
    else if (op === 'neg') r = scalarNeg(d, width, a, fl);
    else if (/^sx(8|16|32)$/.test(op)) {
      const ext = Number(op.slice(2)) as 8 | 16 | 32;
      if (width === 32 && ext === 32) throw new UsageError('scalar sx32: a 32-bit source has no 32-bit sign extension (use --width 64)');
      r = scalarMovsx(d, width, ext, a, fl);
    } else if (/^(le|be|swap)(16|32|64)$/.test(op)) {
      const m = /^(le|be|swap)(16|32|64)$/.exec(op)!;
      r = scalarEnd(d, m[1] as 'le' | 'be' | 'swap', Number(m[2]) as 16 | 32 | 64, a, fl);
    } else {
      if (!ALU_OPS.includes(op as ScalarAluOp)) throw new UsageError(`scalar: unknown operator '${op}'`);
      if (y === undefined) throw new UsageError(`scalar ${op}: needs a second operand`);
      r = scalarAlu(d, op as ScalarAluOp, width, a, scalarArg(y, 'B', fl), fl);
    }
    console.log(flag(args, 'json') ? JSON.stringify({ op, width, result: printDomainScalar(r) }) : printDomainScalar(r));
    return 0;
  },
};

function widthArg(args: Parsed): 32 | 64 {
  const w = str(args, 'width') ?? '64';
  if (w !== '32' && w !== '64') throw new UsageError(`--width must be 32 or 64, not '${w}'`);
  return Number(w) as 32 | 64;
}

const CONDS: Cond[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];

export const branchCmd: Command = {
  name: 'branch',
  summary: 'branch refinement: bpfsynth branch jgt \'umax=100\' 10',
  usage: `usage: bpfsynth branch COND A B [--width 32|64] [--flavor F] [--json]

Whether 'if A COND B' must be taken (1), cannot be (0) or may go either way (-1), and the
refined states of A and B on each edge, as the verifier computes them.

  COND: ${CONDS.join(' ')}   (A and B as for 'bpfsynth scalar')
${FLAVOR_USAGE}`,
  options: { width: { type: 'string' }, json: { type: 'boolean' }, flavor: { type: 'string' } },
  positionals: [3, 3],
  run(args) {
    const [cond, x, y] = args.positionals;
    if (!CONDS.includes(cond as Cond)) throw new UsageError(`branch: unknown condition '${cond}'`);
    const width = widthArg(args);
    const d = concrete64x32;
    const fl = flavorArg(args);
    const a = scalarArg(x, 'A', fl), b = scalarArg(y, 'B', fl);
    const taken = branchTaken(d, a, b, cond as Cond, width);
    const r = refine(d, a, b, cond as Cond, width, fl);
    const edges = {
      taken: taken === 0 ? null : [printDomainScalar(r.taken[0]), printDomainScalar(r.taken[1])],
      fallthrough: taken === 1 ? null : [printDomainScalar(r.fallthrough[0]), printDomainScalar(r.fallthrough[1])],
    };
    if (flag(args, 'json')) {
      console.log(JSON.stringify({ cond, width, taken, edges }));
      return 0;
    }
    console.log(`branch: ${taken === 1 ? 'always taken' : taken === 0 ? 'never taken' : 'either way'}`);
    if (edges.taken) console.log(`taken:        A=${edges.taken[0]} B=${edges.taken[1]}`);
    if (edges.fallthrough) console.log(`fall-through: A=${edges.fallthrough[0]} B=${edges.fallthrough[1]}`);
    return 0;
  },
};
