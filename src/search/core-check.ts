// CO-RE and the optimizer. The search runs on the program relocated for this kernel, with the
// relocated slots pinned (src/search/chain.ts), and the writer puts the compile-time values
// back (they are the raw section's). What pinning alone cannot stop is a candidate that uses a
// relocated value as a constant elsewhere (`*(u8 *)(r1 +1) = 14` for sizeof(struct ethhdr)):
// right on this kernel, wrong on the next. So a candidate must also be equivalent with every
// ALU/lddw relocation given another value (shifts ^1, yes/no flipped, anything else with every
// byte changed but the low three bits): a constant taken from a relocation, or a wide store that
// relies on a relocated value's high bytes being 0, does not survive that. One other value is a
// strong test, not a proof for all values. LDX/ST/STX offsets are not moved:
// they choose what memory is read, they are not values a candidate can fold.
import { type Insn, insnWith } from '../isa/insn.ts';
import { CLASS, LDDW_CODE, cls } from '../isa/opcodes.ts';
import { toOp } from '../isa/op.ts';
import type { Program } from '../isa/program.ts';
import { CORE_KIND } from '../isa/core-spec.ts';
import { coreSlots } from '../isa/core.ts';
import { proveEquivalent, type Proof } from './prove.ts';
import type { Slot } from './proposals.ts';
import { Candidate, Original } from './candidate.ts';
import { materialize } from './materialize.ts';
import type { EquivService } from '../smt/isolated.ts';

function moved(kind: number, v: bigint): bigint {
  switch (kind) {
    case CORE_KIND.FIELD_LSHIFT_U64: case CORE_KIND.FIELD_RSHIFT_U64:
      return v ^ 1n;
    case CORE_KIND.FIELD_EXISTS: case CORE_KIND.FIELD_SIGNED: case CORE_KIND.TYPE_EXISTS:
    case CORE_KIND.TYPE_MATCHES: case CORE_KIND.ENUMVAL_EXISTS:
      return v === 0n ? 1n : 0n;
    default:
      return v ^ 0x5a5a5a585a5a5a58n;
  }
}

/** The program's instructions with every ALU/lddw relocation's value moved. */
export function perturbCore(program: Program): Insn[] {
  const insns = [...program.insns];
  for (const { relo, result } of program.core?.outcomes ?? []) {
    if (result.poison) continue;
    const x = insns[relo.pc];
    const v = moved(relo.kind, result.value);
    if (cls(x.code) === CLASS.ALU || cls(x.code) === CLASS.ALU64) {
      insns[relo.pc] = insnWith(x, { imm: Number(BigInt.asIntN(32, v)) });
    } else if (x.code === LDDW_CODE) {
      insns[relo.pc] = insnWith(x, { imm: Number(BigInt.asIntN(32, v)) });
      insns[relo.pc + 1] = insnWith(insns[relo.pc + 1], { imm: Number(BigInt.asIntN(32, v >> 32n)) });
    }
  }
  return insns;
}

/** The perturbed original of each original (its slots: the original's, relocated ones moved). */
const perturbed = new WeakMap<Original, Original>();
function perturbedOriginal(o: Original): Original {
  let p = perturbed.get(o);
  if (!p) {
    const insns = perturbCore(o.program);
    const ops = o.ops.slice();
    // only the relocated slots differ from the original: decode just those
    for (const pc of coreSlots(o.program)) if (ops[pc] !== null) ops[pc] = toOp(insns, pc);
    perturbed.set(o, (p = Original.decoded({ ...o.program, insns }, ops)));
  }
  return p;
}

/**
 * Prove the candidate equivalent to its original when the relocations take other values.
 * Undefined when the program has no CO-RE relocations.
 */
export async function proveCoreIndependent(equiv: EquivService, cand: Candidate, timeoutMs: number): Promise<Proof | undefined> {
  const program = cand.original.program;
  if (!program.core?.outcomes.length) return undefined;
  const other = perturbedOriginal(cand.original);
  const pinned = new Set(coreSlots(program));
  // the candidate's slots over the moved original: relocated slots (never changed) take the moved values
  const movedSlots: Slot[] = cand.ops.map((s, pc) => (pinned.has(pc) ? other.ops[pc] : s));
  const moved = Candidate.of(other, movedSlots, cand.deletedSet());
  const { insns } = materialize(moved);
  const proof = await proveEquivalent(equiv, moved, insns, timeoutMs);
  if (proof.ok) return { ok: true, how: `${proof.how}, also with the CO-RE values moved` };
  return { ...proof, reason: `with the CO-RE values moved: ${proof.reason}` };
}
