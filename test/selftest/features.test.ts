// Gaps grouped by feature: what the program uses (kfunc names, helpers without a prototype,
// map types, program type) decides before the wording of the reason does.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ObjectDir } from '../../src/selftest/objects.ts';
import { featureOf, programFacts, type ProgramFacts } from '../../src/selftest/features.ts';

const t = suite('selftest/features');
const none: ProgramFacts = { type: 'sched_cls', kfuncs: [], unmodelledHelpers: [], mapTypes: [], globalFuncs: [] };

t('the reason names a kfunc, a helper or a program type: its family', () => {
  assert.is(featureOf("link: ?tc slot 3: kfunc 'bpf_throw' is not in the kernel's BTF"), 'exceptions');
  assert.is(featureOf("link: tc slot 9: kfunc 'bpf_rbtree_first' is not in the kernel's BTF"), 'allocated objects (obj_new, lists, rbtrees)');
  assert.is(featureOf('model: insn 7: helper bpf_spin_lock#93 is not modelled'), 'spin locks');
  assert.is(featureOf('model: insn 7: helper bpf_ringbuf_reserve_dynptr#198 is not modelled'), 'dynptrs');
  assert.is(featureOf('model: insn 3: helper bpf_strtol#105 is not modelled'), 'helper bpf_strtol');
  assert.is(featureOf('interpreter: unknown helper 84'), 'helper bpf_sk_lookup_tcp');
  assert.is(featureOf('program type sk_msg is not modelled'), 'program type sk_msg');
});

t("the program's facts come before the wording of the reason", () => {
  const r = 'kernel rejects a __success test: R1 !read_ok';
  assert.is(featureOf(r, { ...none, kfuncs: ['bpf_iter_num_new'] }), 'iterators');
  assert.is(featureOf(r, { ...none, mapTypes: [2, 33] }), 'arenas');
  assert.is(featureOf(r, { ...none, unmodelledHelpers: ['loop'] }), 'callbacks (bpf_loop, for_each, find_vma)');
  assert.is(featureOf(r, { ...none, type: 'lsm' }), 'program type lsm');
  assert.is(featureOf(r, { ...none, globalFuncs: ['subprog'] }), 'global functions (BTF func_info)');
  assert.is(featureOf('model log lacks __msg("mark_precise: frame0: regs=r2 stack= before 3: (bf) r1 = r10")', none), 'precision tracking log');
  assert.is(featureOf('kernel log lacks __msg("invalid indirect access to stack R1 off=-8 size=8")', none), "kernel log differs from the 6.12 test's __msg");
  assert.is(featureOf('something new', none), 'other');
});

t('facts of built selftest objects: kfunc names from relocations, map types from the linked program', () => {
  const dir = new ObjectDir('corpus/selftests/obj');
  const facts = (file: string, name: string): ProgramFacts => {
    const o = dir.object(file);
    if (o instanceof Error) throw o;
    const p = o.link(name);
    return programFacts(o, name, p);
  };
  assert.ok(facts('iters.c', 'iter_err_unsafe_asm_loop').kfuncs.includes('bpf_iter_num_new'));
  assert.ok(facts('verifier_arena.c', 'basic_alloc1').mapTypes.includes(33));
  const plain = facts('verifier_and.c', 'invalid_and_of_negative_number');
  assert.equal([plain.kfuncs, plain.unmodelledHelpers, plain.globalFuncs], [[], [], []]);
  assert.is(plain.type, 'socket_filter');
});

t.run();
