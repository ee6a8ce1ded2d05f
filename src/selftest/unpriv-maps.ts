// What an unprivileged selftest run loads: test_loader leaves the maps an unprivileged user
// may not create uncreated (is_unpriv_capable_map), and libbpf then turns each reference to
// such a map into an invalid helper call (poison_map_ldimm64), refused only where it is reached.
// The kernel and the model are both given this program.
import { CALL_CODE, LDDW_CODE, PSEUDO } from '../isa/opcodes.ts';
import { type Insn, insnWith } from '../isa/insn.ts';
import { MAP_TYPE, type MapDef, type Program } from '../isa/program.ts';

/** libbpf's POISON_LDIMM64_MAP_BASE: the helper id a poisoned map reference calls (plus the map's index). */
const POISON_LDIMM64_MAP_BASE = 2001000000;
const BPF_F_ZERO_SEED = 1 << 6;

const CGROUP_STORAGE = 19, PERCPU_CGROUP_STORAGE = 21, USER_RINGBUF = 31;
const HASHES: readonly number[] = [MAP_TYPE.hash, MAP_TYPE.percpu_hash, MAP_TYPE.hash_of_maps];
const ALWAYS: readonly number[] = [
  MAP_TYPE.array, MAP_TYPE.percpu_array, MAP_TYPE.prog_array, MAP_TYPE.perf_event_array, MAP_TYPE.cgroup_array,
  MAP_TYPE.array_of_maps, MAP_TYPE.ringbuf, CGROUP_STORAGE, PERCPU_CGROUP_STORAGE, USER_RINGBUF,
];

/** test_loader.c's is_unpriv_capable_map. */
export const unprivCapable = (m: MapDef): boolean => (HASHES.includes(m.type) ? (m.flags & BPF_F_ZERO_SEED) === 0 : ALWAYS.includes(m.type));

/** The program with only the maps an unprivileged loader creates; references to the others poisoned. */
export function unprivilegedView(p: Program): Program {
  if (p.maps.every(unprivCapable)) return p;
  const newIdx = new Map<number, number>();
  const maps: MapDef[] = [];
  p.maps.forEach((m, i) => {
    if (!unprivCapable(m)) return;
    newIdx.set(i, maps.length);
    maps.push(m);
  });
  const insns: Insn[] = p.insns.slice();
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (x.code !== LDDW_CODE) continue;
    if (x.src === PSEUDO.MAP_IDX || x.src === PSEUDO.MAP_IDX_VALUE) {
      const to = newIdx.get(x.imm);
      if (to !== undefined) insns[i] = insnWith(x, { imm: to });
      else {
        const poison: Insn = { code: CALL_CODE, dst: 0, src: 0, off: 0, imm: POISON_LDIMM64_MAP_BASE + x.imm };
        insns[i] = poison;
        if (i + 1 < insns.length) insns[i + 1] = poison;
      }
    }
    i++;
  }
  return { ...p, insns, maps };
}
