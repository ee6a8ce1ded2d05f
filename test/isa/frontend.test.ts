// Objects in old and new conventions (corpus/frontend, built by its build.sh): NOTYPE
// programs, legacy sections and maps with an inner template, callbacks, .kconfig, kfuncs,
// undefined calls.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { NO_EXTERNS, type ExternResolver } from '../../src/isa/externs.ts';
import { ElfError } from '../../src/isa/elf.ts';
import { PSEUDO, CALL_KIND } from '../../src/isa/opcodes.ts';
import { MAP_TYPE } from '../../src/isa/program.ts';

const t = suite('isa/frontend');
const read = (f: string, externs: ExternResolver = NO_EXTERNS) => readObject(new Uint8Array(readFileSync(`corpus/frontend/${f}`)), { externs });
const ext: ExternResolver = {
  kconfig: (n) => ({ LINUX_KERNEL_VERSION: String((6 << 16) + (18 << 8)), CONFIG_BPF_SYSCALL: 'y' })[n],
  btfId: (n, kind) => (kind === 'func' ? ({ bpf_rcu_read_lock: 101, bpf_rcu_read_unlock: 102 })[n] : undefined),
  address: () => undefined,
};

t('NOTYPE programs and sections libbpf 1.x does not know', () => {
  const obj = read('legacy.o');
  assert.equal(obj.programs.map((p) => [p.name, p.section]).sort(), [['sock_prog', 'socket1'], ['tail_prog', '2/1'], ['xdp_prog', 'xdp-pktcntr']]);
  assert.is(obj.link('sock_prog').type, 'socket_filter');
  assert.is(obj.link('xdp_prog').type, 'xdp');
  // a numbered section says no type; this object's others disagree, so --type is needed
  assert.throws(() => obj.link('tail_prog'), /numbered tail-call section '2\/1'.*--type/);
  assert.is(obj.link('tail_prog', { type: 'sched_cls' }).type, 'sched_cls');
});

t('legacy maps of 28-byte definitions: inner template by index', () => {
  const obj = read('legacy.o');
  const outer = obj.maps.find((m) => m.name === 'outer')!;
  assert.is(outer.type, MAP_TYPE.array_of_maps);
  assert.equal([outer.inner?.type, outer.inner?.valueSize, outer.inner?.maxEntries], [MAP_TYPE.array, 8, 16]);
  const p = obj.link('sock_prog');
  assert.equal([p.insns[0].src, p.insns[0].imm], [PSEUDO.MAP_IDX, obj.maps.indexOf(outer)]);
});

t('iproute2: 36-byte bpf_elf_map with inner_id, classifier section, tail-call section typed by the others', () => {
  const obj = read('iproute2.o');
  const outer = obj.maps.find((m) => m.name === 'jmp_map')!;
  assert.is(outer.type, MAP_TYPE.hash_of_maps);
  assert.equal([outer.inner?.name, outer.inner?.keySize, outer.inner?.valueSize], ['tmpl', 8, 16]);
  assert.is(obj.link('cls_main').type, 'sched_cls');
  assert.equal([obj.link('cls_tail').type, obj.kindOf(obj.programs.find((p) => p.name === 'cls_tail')!).inferred], ['sched_cls', true]);
});

t('lddw of a function becomes BPF_PSEUDO_FUNC to the appended callback; .kconfig a read-only map', () => {
  const p = read('callback.o', ext).link('loop_prog');
  const cb = p.funcs.find((f) => f.name === 'add_one')!;
  const at = p.insns.findIndex((x) => x.code === 0x18 && x.src === PSEUDO.FUNC);
  assert.ok(at >= 0);
  assert.is(at + p.insns[at].imm + 1, cb.start);
  const kc = p.maps.findIndex((m) => m.name === '.kconfig');
  assert.ok(kc >= 0 && p.maps[kc].readonly);
  const dv = new DataView(p.maps[kc].initial!.buffer);
  const refs = p.insns.map((x, i) => [x, i] as const).filter(([x]) => x.code === 0x18 && x.src === PSEUDO.MAP_IDX_VALUE && x.imm === kc);
  assert.is(refs.length, 2);
  const values = refs.map(([, i]) => dv.getUint32(p.insns[i + 1].imm, true));
  assert.equal(values.sort(), [1, (6 << 16) + (18 << 8)].sort());
});

t('kfunc calls by vmlinux BTF id; a strong .kconfig extern without a value is refused by name', () => {
  const p = read('callback.o', ext).link('kfunc_prog');
  const calls = p.insns.filter((x) => x.code === 0x85);
  assert.equal(calls.map((x) => [x.src, x.imm]), [[CALL_KIND.KFUNC, 101], [CALL_KIND.KFUNC, 102]]);
  assert.throws(() => read('callback.o').link('kfunc_prog'), /kfunc 'bpf_rcu_read_lock' is not in the kernel's BTF/);
  assert.throws(() => read('callback.o').link('loop_prog'), /extern LINUX_KERNEL_VERSION \(.kconfig\): no value/);
});

t('a call to an undefined function names it', () => {
  const obj = read('undefined.o');
  try {
    obj.link();
    assert.unreachable('linked');
  } catch (e) {
    assert.instance(e, ElfError);
    assert.match((e as Error).message, /^xdp slot \d+: call to undefined function 'my_memset', which is neither a helper nor a kfunc$/);
  }
});

t.run();
