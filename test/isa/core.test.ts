// CO-RE against a hand-made target BTF whose layouts differ from the kernel's: every
// relocation kind of corpus/core_task.o moves to the target's values; a missing field poisons
// its instruction; load sizes follow the target (unsigned) or poison (signed); candidates that
// disagree and compile-time values that do not match are refused, as libbpf refuses them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { parseBtf } from '../../src/isa/btf.ts';
import { CoreError, POISON_IMM, applyCore, programCoreRelos } from '../../src/isa/core.ts';
import { essentialName } from '../../src/isa/core-spec.ts';
import { resolveRelo } from '../../src/isa/core-calc.ts';
import type { Program } from '../../src/isa/program.ts';
import { BtfBuilder } from './btf-build.ts';

const t = suite('isa/core');
const obj = readObject(new Uint8Array(readFileSync('corpus/core_task.o')));

interface Layout { dataType?: 'u32' | 'u64' | 's64'; secondTask?: boolean }

/** A target: task_struct, xdp_md, enums and headers all laid out differently from the kernel. */
function target(opts: Layout = {}): ReturnType<typeof parseBtf> {
  const b = new BtfBuilder();
  const int = b.int('int', 4, true); // 1
  const uint = b.int('unsigned int', 4); // 2
  const char = b.int('char', 1); // 3
  const task = 4;
  b.struct('task_struct', 256, [
    ['tgid', int, 64 * 8], ['pid', int, 72 * 8], ['real_parent', 5, 128 * 8],
    ['sched_reset_on_fork', uint, 1601, 1], ['comm', 6, 208 * 8],
  ]); // 4
  b.ptr(task); // 5
  b.array(char, 16, int); // 6
  b.enumeration('bpf_map_type', [['BPF_MAP_TYPE_UNSPEC', 0], ['BPF_MAP_TYPE_RINGBUF', 99]]); // 7
  const dataT = opts.dataType === 'u64' ? b.int('long unsigned int', 8) : opts.dataType === 's64' ? b.int('long int', 8, true) : uint; // 8 when added
  b.struct('xdp_md', 24, [['data', dataT, 8 * 8], ['data_end', uint, 16 * 8]]);
  b.enumeration('xdp_action', [['XDP_ABORTED', 0], ['XDP_DROP', 1], ['XDP_PASS', 2], ['XDP_TX', 7]]);
  b.struct('ethhdr', 20, [['h_proto', uint, 0]]);
  b.struct('iphdr', 24, [['saddr', uint, 16 * 8], ['daddr', uint, 20 * 8]]);
  if (opts.secondTask) b.struct('task_struct___other', 256, [['tgid', int, 68 * 8], ['pid', int, 72 * 8]]);
  return parseBtf(b.bytes());
}

function relocate(name: string, opts?: Layout): Program {
  const p = obj.link(name);
  return applyCore(p, programCoreRelos(obj, p), obj.btf!, target(opts), 'hand-made');
}

t('essential names drop a ___flavor suffix only', () => {
  assert.is(essentialName('task_struct___v2'), 'task_struct');
  assert.is(essentialName('task_struct'), 'task_struct');
  assert.is(essentialName('a____b'), 'a____b'); // Y may not start with '_'
  assert.is(essentialName('___x'), '___x'); // X may not be empty
});

t('core_task: every kind moves to the hand-made layout', () => {
  const p = relocate('core_task');
  const imm = (pc: number): number => p.insns[pc].imm;
  const kindAt = new Map(p.core!.outcomes.map((o) => [o.relo.pc, o.relo.kind]));
  const expect: [number, number, number][] = [
    // [pc, relo kind, value]
    [2, 0, 128], // real_parent byte offset
    [9, 0, 64], // real_parent->tgid
    [30, 0, 72], // task_struct___v2::pid matched by essential name
    [52, 0, 200], // bitfield: the aligned 4-byte word holding bit 1601
    [57, 1, 4], // its load size
    [60, 4, 62], // left shift: 64 - (1601 + 1 - 1600)
    [61, 3, 0], // unsigned
    [63, 5, 63], [65, 5, 63], // right shifts
    [77, 2, 1], // pid exists
    [89, 2, 0], // no_such_field_here does not
    [112, 1, 16], [124, 0, 208], // comm size and offset
    [136, 9, 256], [148, 8, 1], [160, 12, 1], // type size, exists, matches
    [172, 7, 4], [185, 6, 20], // target and local type ids
    [198, 10, 1], [211, 11, 99], // enum value exists, value
  ];
  for (const [pc, kind, v] of expect) {
    assert.is(kindAt.get(pc), kind, `kind at ${pc}`);
    assert.is(imm(pc), v, `value at ${pc}`);
  }
  assert.equal([p.insns[91].code, p.insns[91].imm], [0x85, POISON_IMM], 'read of the missing field is poisoned');
  assert.is(p.core!.outcomes.length, expect.length + 1);
  assert.is(p.core!.compiled[2].imm, 1280, 'compile-time code kept');
});

t('core_xdp: LDX offsets, enum values, sizes and a missing field', () => {
  const p = relocate('core_xdp');
  assert.is(p.insns[1].off, 16, 'data_end');
  assert.is(p.insns[2].off, 8, 'data');
  assert.is(p.insns[6].imm, 7, 'XDP_TX');
  assert.is(p.insns[9].imm, 20, 'sizeof(struct ethhdr)');
  assert.is(p.insns[11].imm, 20, 'offsetof(iphdr, daddr), found through no anonymous union');
  assert.is(p.insns[13].imm, 0, 'xdp_md has no rx_queue_index');
});

t('a wider unsigned field widens the load; a wider signed one poisons it', () => {
  const wide = relocate('core_xdp', { dataType: 'u64' });
  assert.is(wide.insns[2].code, 0x79, 'ldxdw');
  assert.is(wide.insns[2].off, 8);
  const signed = relocate('core_xdp', { dataType: 's64' });
  assert.equal([signed.insns[2].code, signed.insns[2].imm], [0x85, POISON_IMM]);
});

t('candidates that disagree are refused, naming the relocation', () => {
  assert.throws(() => relocate('core_task', { secondTask: true }), (e: Error) => e instanceof CoreError && /ambiguity/.test(e.message) && /insn 9/.test(e.message));
});

t('an ENUM64 target: a 64-bit enum value fills both halves of the lddw', () => {
  const b = new BtfBuilder();
  b.enumeration64('bpf_map_type', [['BPF_MAP_TYPE_RINGBUF', 0x1_2345_6789n]]);
  const p = obj.link('core_task');
  const r = applyCore(p, programCoreRelos(obj, p), obj.btf!, parseBtf(b.bytes()), 'enum64');
  // pc 198: enum value exists; pc 211: its value (lddw)
  assert.equal([r.insns[198].imm, r.insns[199].imm], [1, 0]);
  assert.equal([r.insns[211].imm >>> 0, r.insns[212].imm], [0x2345_6789, 1]);
  // nothing else of task_struct exists there: field reads are poisoned, existence is 0
  assert.is(r.insns[89].imm, 0);
  assert.equal([r.insns[2].code, r.insns[2].imm], [0x85, POISON_IMM]);
});

t('an access through a const or typedef member names the struct behind it', () => {
  // struct outer { int x; const struct inner in; } with struct inner { int a; int b; }, local and target
  const side = (inOff: number, bOff: number) => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, true); // 1
    const inner = b.struct('inner', 8, [['a', int, 0], ['b', int, bOff * 8]]); // 2
    const c = b.constOf(b.typedef('inner_t', inner)); // 3 typedef, 4 const
    b.struct('outer', 32, [['x', int, 0], ['in', c, inOff * 8]]); // 5
    return parseBtf(b.bytes());
  };
  const relo = { insnOff: 0, typeId: 5, access: '0:1:1', kind: 0 };
  assert.is(resolveRelo(side(4, 4), relo, side(16, 12)).value, 28n);
  assert.is(resolveRelo(side(4, 4), relo, side(16, 12)).orig, 8n);
});

t('a compile-time value that does not match the program BTF is refused', () => {
  const p = obj.link('core_xdp');
  const bad = { ...p, insns: p.insns.map((x, i) => (i === 9 ? { ...x, imm: 15 } : x)) };
  assert.throws(() => applyCore(bad, programCoreRelos(obj, p), obj.btf!, target(), 'hand-made'), (e: Error) => /imm 15, expected 14/.test(e.message));
});

t.run();
