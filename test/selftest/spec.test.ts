// Reading the selftests' annotations (BTF decl tags) and matching their __msg patterns.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ObjectDir, casesOf } from '../../src/selftest/objects.ts';
import { DEFAULT_PROG_FLAGS, POINTER_VALUE, specOf } from '../../src/selftest/spec.ts';
import { compilePattern, firstUnmatched } from '../../src/selftest/pattern.ts';
import { lastErrorLine } from '../../src/selftest/kernel.ts';

const t = suite('selftest/spec');

t('decl tags of a built object: verdict, message, description, flags', () => {
  const specs = new ObjectDir('corpus/selftests/obj').specs().filter((s) => s.file === 'verifier_and.c');
  const s = specs.find((x) => x.name === 'invalid_and_of_negative_number');
  assert.ok(s, 'verifier_and.c:invalid_and_of_negative_number not extracted');
  assert.is(s.section, 'socket');
  assert.is(s.description, 'invalid and of negative number');
  assert.equal(s.priv, { failure: true, msgs: ['R0 max value is outside of the allowed memory range'] });
  // __failure_unpriv __msg_unpriv(…) in the source
  assert.is(s.unpriv?.failure, true);
  assert.is(s.progFlags, DEFAULT_PROG_FLAGS | 2, "__flag(BPF_F_ANY_ALIGNMENT)");
});

t('test_loader defaults: no tags is a privileged __success; unpriv inherits verdict, messages, retval', () => {
  const bare = specOf('f.c', 'p', 'socket', []);
  assert.equal(bare.priv, { failure: false, msgs: [] });
  assert.is(bare.unpriv, undefined);
  const s = specOf('f.c', 'p', 'socket', ['comment:test_expect_failure', 'comment:test_expect_msg=3=R1 bad', 'comment:test_retval=0xabcdef12',
    'comment:test_expect_success_unpriv', 'comment:test_prog_flags=BPF_F_ANY_ALIGNMENT', 'comment:test_prog_flags=!BPF_F_TEST_RND_HI32', 'comment:test_log_level=2']);
  assert.equal(s.priv, { failure: true, msgs: ['R1 bad'], retval: 0xabcdef12 | 0 });
  assert.equal(s.unpriv, { failure: false, msgs: ['R1 bad'], retval: 0xabcdef12 | 0 });
  assert.is(s.progFlags, (DEFAULT_PROG_FLAGS | 2) & ~4);
  assert.is(s.logLevel, 2);
  assert.is(specOf('f.c', 'p', 'socket', ['comment:test_retval=POINTER_VALUE']).priv?.retval, POINTER_VALUE);
  assert.throws(() => specOf('f.c', 'p', 'socket', ['comment:test_retval=zero']), /f\.c: p: __retval: 'zero' is not a number/);
});

t('__msg patterns: verbatim text, {{regex}} parts, matched in order', () => {
  assert.ok(compilePattern('R1 type=scalar expected=fp').test('R1 type=scalar expected=fp, pkt'));
  assert.not.ok(compilePattern('a.b').test('axb'), 'a dot outside {{}} is verbatim');
  assert.ok(compilePattern('r{{[0-9]+}} = {{.*}}').test('r10 = 5'));
  assert.ok(compilePattern('x{{[[:digit:]]+}}').test('x42'));
  assert.not.ok(compilePattern('a{{.*}}c').test('a\nc'), "'.' does not cross lines (REG_NEWLINE)");
  assert.is(firstUnmatched('one\ntwo\nthree', ['one', 'three']), -1);
  assert.is(firstUnmatched('one\ntwo\nthree', ['three', 'one']), 1, 'order matters');
  assert.is(firstUnmatched('anything', []), -1);
  assert.throws(() => compilePattern('a{{b'), /without '}}'/);
});

t('the reason of a rejection is the last line before the statistics', () => {
  assert.is(lastErrorLine('0: (b7) r0 = 0\nR1 !read_ok\nprocessed 2 insns (limit 1000000) max_states_per_insn 0\n'), 'R1 !read_ok');
  assert.is(lastErrorLine(''), undefined);
});

t('runs: auxiliary programs are not tests; unprivileged runs only when asked', () => {
  const a = specOf('f.c', 'aux', 'socket', ['comment:test_auxiliary']);
  const b = specOf('f.c', 'b', 'socket', ['comment:test_expect_success', 'comment:test_expect_failure_unpriv']);
  assert.equal(casesOf([a, b]).map((c) => c.mode), ['priv']);
  assert.equal(casesOf([a, b], { unpriv: true }).map((c) => c.mode), ['priv', 'unpriv']);
  assert.equal(casesOf([a, b], { filter: /nomatch/ }), []);
});

t.run();
