// The register types of the verifier (enum bpf_reg_type with its PTR_MAYBE_NULL variants, the
// ones we model), defined once. The verifier model's registers carry them (src/verifier/regs.ts);
// the search's pre-filter (src/search/ptrkinds.ts) and the SMT window typing (src/smt/equiv.ts)
// use projections of them. It lives in isa because all three import from here.

/** Every register type, in a fixed order (the order gives the compact codes below). */
export const REG_TYPES = [
  'not_init', 'scalar', 'ctx', 'fp', 'pkt', 'pkt_meta', 'pkt_end',
  'map_ptr', 'map_value', 'map_value_or_null', 'map_key', 'mem', 'mem_or_null',
  'sock', 'sock_or_null', 'sock_common', 'sock_common_or_null', 'tcp_sock', 'tcp_sock_or_null',
] as const;

export type RegType = (typeof REG_TYPES)[number];

/** A type's small code (1..REG_TYPES.length): 0 stays free for a projection's "unknown". */
export const typeCode = (t: RegType): number => REG_TYPES.indexOf(t) + 1;

/** The type of a code from typeCode (undefined for 0 or out of range). */
export const typeOfCode = (c: number): RegType | undefined => REG_TYPES[c - 1];

/** A pointer: anything initialised that is not a scalar. */
export const isPointerType = (t: RegType): boolean => t !== 'scalar' && t !== 'not_init';

/** Pointer types that may be NULL until checked (PTR_MAYBE_NULL). */
export const isNullableType = (t: RegType): boolean =>
  t === 'map_value_or_null' || t === 'mem_or_null' || t === 'sock_or_null' || t === 'sock_common_or_null' || t === 'tcp_sock_or_null';

/** Packet pointers that allow + and - with scalars (data and data_meta). */
export const isPacketType = (t: RegType): boolean => t === 'pkt' || t === 'pkt_meta';
