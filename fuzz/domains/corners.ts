// Targeted domain cases for the precision corners a mutation run found untested: u64 ranges that
// straddle 2^63 or end at 2^64 − 1 with a 32-bit range inside them (where the kernel keeps the
// signed 32-bit bounds through __reg32_deduce_bounds), and constant shift amounts 0, w − 1, w
// and w + 1 given in a register (an immediate ≥ w is rejected by the verifier; a register
// holding w is accepted and must make the result unknown).
import fc from 'fast-check';
import type { DomainCase, Reg, Step } from './case.ts';

/** r7 := (hi32 << 32) + delta (delta sign-extended: a constant just below or above a 2^32 multiple). */
const constAround = (hi32: number, delta: number): Step[] => [
  { kind: 'alu', op: 'mov', width: 32, dst: 7, src: { imm: hi32 | 0 } },
  { kind: 'alu', op: 'lsh', width: 64, dst: 7, src: { imm: 32 } },
  ...(delta ? [{ kind: 'alu' as const, op: 'add' as const, width: 64 as const, dst: 7 as Reg, src: { imm: delta | 0 } }] : []),
];

/** Keep r6 in [C − below, C + above], C = hi32 << 32 (built in r7); out-of-range edges leave the program. */
const around = (hi32: number, below: number, above: number): Step[] => [
  ...constAround(hi32, -below),
  { kind: 'br', op: 'jlt', width: 64, dst: 6, src: { reg: 7 } },
  ...constAround(hi32, above),
  { kind: 'br', op: 'jgt', width: 64, dst: 6, src: { reg: 7 } },
];

const u32Cap = fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fff_ffff, -0x8000_0000 | 0, -2);
const inner32: fc.Arbitrary<Step[]> = fc.tuple(fc.constantFrom('jgt' as const, 'jsgt' as const, 'jlt' as const, 'jslt' as const), u32Cap)
  .map(([op, k]) => [{ kind: 'br' as const, op, width: 32 as const, dst: 6 as Reg, src: { imm: k } }]);

// C = 2^63 (the range straddles it, its low words wrap: where __reg32_deduce_bounds keeps the
// signed 32-bit bounds), C = 2^32, C = 2^64 − 2^32 (near the top)
const centre = fc.constantFrom(0x8000_0000 | 0, 0x8000_0000 | 0, 1, -1);
const spread = fc.constantFrom(16, 0x7fff, 0x7fff_ffff, 0);

/** u64 range around C (or up to 2^64 − 1), optionally a 32-bit range inside, then a few ALU ops. */
const rangeCase: fc.Arbitrary<DomainCase> = fc.tuple(centre, spread, spread, fc.boolean(), fc.option(inner32, { nil: undefined }),
  fc.constantFrom<Step['kind'] | 'none'>('none', 'alu'), fc.constantFrom('add' as const, 'sub' as const, 'and' as const, 'or' as const, 'xor' as const, 'arsh' as const), fc.constantFrom(32 as const, 64 as const))
  .map(([c, below, above, topOnly, inner, more, op, w]) => {
    const steps: Step[] = topOnly
      ? [{ kind: 'br', op: 'jlt', width: 64, dst: 6, src: { imm: -16 } }] // r6 ≥ 2^64 − 16 (imm sign-extended)
      : around(c, below, above);
    if (inner) steps.push(...inner);
    if (more === 'alu') steps.push({ kind: 'alu', op, width: w, dst: 6, src: { imm: op === 'arsh' ? 3 : 0x10 } });
    return { steps };
  });

/** A constant shift amount in r7 of 0, w − 1, w or w + 1, applied to a narrowed r6. */
const shiftCase: fc.Arbitrary<DomainCase> = fc.tuple(fc.constantFrom('lsh' as const, 'rsh' as const, 'arsh' as const), fc.constantFrom(32 as const, 64 as const),
  fc.constantFrom(0, -1, 0, 1), fc.constantFrom(0xff, 0x7fff_ffff, -1))
  .map(([op, w, delta, mask]) => {
    const amount = delta === 0 ? 0 : w + delta; // 0, w − 1, w + 1 (and w below)
    return {
      steps: [
        { kind: 'alu', op: 'and', width: 64, dst: 6, src: { imm: mask } },
        { kind: 'alu', op: 'mov', width: 64, dst: 7, src: { imm: amount } },
        { kind: 'alu', op, width: w, dst: 6, src: { reg: 7 } },
      ] as Step[],
    };
  });

const widthShiftCase: fc.Arbitrary<DomainCase> = fc.tuple(fc.constantFrom('lsh' as const, 'rsh' as const, 'arsh' as const), fc.constantFrom(32 as const, 64 as const))
  .map(([op, w]) => ({ steps: [
    { kind: 'alu', op: 'mov', width: 64, dst: 7, src: { imm: w } },
    { kind: 'alu', op, width: w, dst: 6, src: { reg: 7 } },
  ] as Step[] }));

export const arbCornerCase: fc.Arbitrary<DomainCase> = fc.oneof({ weight: 3, arbitrary: rangeCase }, { weight: 1, arbitrary: shiftCase }, { weight: 1, arbitrary: widthShiftCase })
  .map((c) => ({ steps: JSON.parse(JSON.stringify(c.steps)) as Step[] }));
