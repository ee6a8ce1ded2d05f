// bpf_trace_printk calls for the differential fuzzer: a format string written to the stack at
// fp-160 (up to 48 bytes), an optional string at fp-192 for %s / %pks / %pI4 / %pi6 arguments, and
// 0–3 arguments in r3–r5. The conversions are those bpf_bprintf_prepare accepts (%d %i %u %x %X
// with l / ll, %c, %s, %pks, %pI4 %pi4 %pI6 %pi6; flags 0 + - space and a width), plus a few
// formats it refuses (-EINVAL: unknown conversion, precision, a 4th argument, a control byte,
// no NUL inside the size). Pointer-printing conversions (%p, %px, %pK) are left out: they print
// kernel addresses.
import fc from 'fast-check';
import { lddwParts, type Op } from '../../src/isa/op.ts';
import { reinit } from './gen-ctx.ts';

const FMT_AT = -160;
const FMT_MAX = 48;
const STR_AT = -192;

type Arg = { kind: 'reg'; reg: number } | { kind: 'imm'; v: number } | { kind: 'str' };

interface Spec { text: string; arg?: Arg }

const argReg = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5).map((reg): Arg => ({ kind: 'reg', reg })),
  fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer({ min: -0x80000000, max: 0x7fffffff })).map((v): Arg => ({ kind: 'imm', v })),
);
const flags = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('-', '0', '+', ' ', '-0', '+0', ' -') });
const width = fc.oneof({ weight: 3, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map(String) });

const intSpec: fc.Arbitrary<Spec> = fc.tuple(flags, width, fc.constantFrom('', '', 'l', 'll'), fc.constantFrom('d', 'i', 'u', 'x', 'X'), argReg)
  .map(([f, w, l, c, arg]) => ({ text: `%${f}${w}${l}${c}`, arg }));
const charSpec: fc.Arbitrary<Spec> = fc.tuple(width, fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((v): Arg => ({ kind: 'imm', v })) }, { weight: 1, arbitrary: argReg }))
  .map(([w, arg]) => ({ text: `%${w}c`, arg }));
const strSpec: fc.Arbitrary<Spec> = fc.tuple(fc.constantFrom('', '-'), width, fc.constantFrom('s', 's', 'pks', 'pI4', 'pi4', 'pI6', 'pi6'))
  .map(([f, w, c]) => ({ text: `%${c.startsWith('p') ? '' : f + w}${c}`, arg: { kind: 'str' } }));
/** Refused by the kernel: -EINVAL, nothing printed. */
const badSpec: fc.Arbitrary<Spec> = fc.tuple(fc.constantFrom('%q', '%.3d', '%hd', '%lc', '%5%', '%#x', '%n', '%ls', '%pZ'), argReg).map(([text, arg]) => ({ text, arg }));

const literal = fc.array(fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(...'abcxyz XYZ019=:,;.()[]_-/'.split('')) },
  { weight: 1, arbitrary: fc.constantFrom('%%', '\t', '\n', '\u00e9', '\u00a0', '\u00d7', '\u00ff', '\u0085') },
), { maxLength: 8 }).map((cs) => cs.join(''));

/** The whole format: literals around 0–3 specs (sometimes 4, or a bad one), maybe a trailing newline. */
const format: fc.Arbitrary<{ text: string; specs: Spec[] }> = fc.tuple(
  literal,
  fc.array(fc.tuple(fc.oneof({ weight: 8, arbitrary: intSpec }, { weight: 2, arbitrary: charSpec }, { weight: 2, arbitrary: strSpec }, { weight: 1, arbitrary: badSpec }), literal), { maxLength: 4 }),
  fc.constantFrom('', '', '\n'),
  fc.nat(19),
).map(([head, parts, nl, bad]) => {
  const specs = parts.length === 4 && bad !== 0 ? parts.slice(0, 3) : parts; // 4 specs: rarely
  let text = head + specs.map(([s, lit]) => s.text + lit).join('') + nl;
  if (bad === 1) text = text.slice(0, 3) + '\u0001' + text.slice(3); // a control byte: -EINVAL
  return { text, specs: specs.map(([s]) => s) };
});

/** Latin-1 bytes, except é as its UTF-8 pair. */
const toBytes = (s: string): number[] => [...s].flatMap((c) => (c === '\u00e9' ? [0xc3, 0xa9] : [c.charCodeAt(0)]));

/** Store `bytes` (zero-padded to 8) at fp+at through r1, 8 bytes per lddw. */
function storeBytes(bytes: number[], at: number): Op[] {
  const padded = [...bytes, ...new Array((8 - (bytes.length % 8)) % 8).fill(0)];
  const ops: Op[] = [];
  for (let i = 0; i < padded.length; i += 8) {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(padded[i + k]);
    ops.push({ kind: 'lddw', dst: 1, pseudo: 0, ...lddwParts(v) }, { kind: 'stx', size: 8, dst: 10, src: 1, off: at + i });
  }
  return ops;
}

/**
 * The call: r0 = bpf_trace_printk(fp-160, size, r3, r4, r5). `size` covers the NUL (sometimes
 * only up to it, sometimes the padding too, rarely not: -EINVAL).
 */
export const printkOp: fc.Arbitrary<Op[]> = fc.tuple(format, fc.string({ unit: fc.constantFrom(...'abcdefgh01 .'.split('')), maxLength: 15 }), fc.nat(9),
  fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 5, maxLength: 5 }))
  .map(([fmt, str, sizeKind, again]) => {
    const bytes = [...toBytes(fmt.text).slice(0, FMT_MAX - 1), 0];
    const padded = Math.ceil(bytes.length / 8) * 8;
    const size = Math.max(1, sizeKind === 0 ? bytes.length - 1 : sizeKind <= 4 ? bytes.length : padded);
    const ops: Op[] = storeBytes(bytes, FMT_AT);
    if (fmt.specs.some((s) => s.arg?.kind === 'str')) ops.push(...storeBytes([...toBytes(str.padEnd(16, '.')), 0], STR_AT));
    const pointers = new Set<number>(); // args already set to the string: never print them as numbers
    fmt.specs.slice(0, 3).forEach((s, i) => {
      const a = s.arg ?? { kind: 'imm', v: 0 };
      const dst = 3 + i;
      if (a.kind === 'str') {
        ops.push({ kind: 'alu', op: 'mov', width: 64, dst, src: { reg: 10 } }, { kind: 'alu', op: 'add', width: 64, dst, src: { imm: STR_AT } });
        pointers.add(dst);
      } else {
        const src = a.kind === 'reg' && !pointers.has(a.reg) ? { reg: a.reg } : { imm: a.kind === 'imm' ? a.v : 7 };
        ops.push({ kind: 'alu', op: 'mov', width: 64, dst, src });
      }
    });
    ops.push(
      { kind: 'alu', op: 'mov', width: 64, dst: 1, src: { reg: 10 } }, { kind: 'alu', op: 'add', width: 64, dst: 1, src: { imm: FMT_AT } },
      { kind: 'alu', op: 'mov', width: 64, dst: 2, src: { imm: size } },
      { kind: 'call', callKind: 'helper', imm: 6, off: 0 },
      ...reinit(again),
    );
    return ops;
  });
