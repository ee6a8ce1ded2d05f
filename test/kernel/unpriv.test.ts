// Unprivileged loads (src/kernel/unpriv.ts) against the running kernel: what an unprivileged
// loader is refused, what it may load, and that the sysctl and the capabilities are put back.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram, type ProgType } from '../../src/isa/program.ts';
import { capGet } from '../../src/kernel/caps.ts';
import { loadProgram } from '../../src/kernel/load.ts';
import { testRun } from '../../src/kernel/testrun.ts';
import { loadUnprivileged, UNPRIV_SYSCTL, UnprivilegedSession, withUnprivileged } from '../../src/kernel/unpriv.ts';

const t = suite('kernel/unpriv');
const prog = (src: string, type: ProgType = 'socket_filter') => bareProgram(assemble(src).insns, type);
const PTR_CMP = prog('r2 = r10\nr2 += -8\nr0 = 0\nif r2 > r1 goto +1\nr0 = 1\nexit');

const probe = UnprivilegedSession.open();
if (!(probe instanceof UnprivilegedSession)) {
  console.log(`skip: unprivileged loads not run: ${probe.reason}`);
  t('an unavailable session says why (one line)', () => assert.ok(probe.reason.length > 0 && !probe.reason.includes('\n')));
} else {
  probe.close();
  const sysctlBefore = readFileSync(UNPRIV_SYSCTL, 'utf8');
  const capsBefore = capGet();

  t('a pointer comparison loads as root and is refused unprivileged, with the kernel reason', () => {
    const root = loadProgram(PTR_CMP, { logLevel: 1 });
    assert.ok(root.ok, root.log);
    root.close();
    const u = loadUnprivileged(PTR_CMP, { logLevel: 1 });
    assert.ok(u.ran);
    if (!u.ran) return;
    assert.not.ok(u.result.ok);
    assert.is(u.result.errno, 'EACCES');
    assert.match(u.result.log, /pointer comparison prohibited/);
    u.result.close();
  });

  t('a kprobe needs privilege: EPERM unprivileged', () => {
    const u = loadUnprivileged(prog('r0 = 0\nexit', 'kprobe'));
    assert.ok(u.ran && !u.result.ok && u.result.errno === 'EPERM');
  });

  t('a socket filter loads unprivileged and test-runs afterwards (capabilities back, as test_loader)', () => {
    const r = withUnprivileged((s) => {
      const l = s.load(prog('r0 = 7\nexit'));
      try {
        assert.ok(l.ok, l.log);
        const run = testRun(l.fd!, { type: 'socket_filter', data: new Uint8Array(64) });
        assert.ok(run.ok);
        return run.ok ? run.retval : -1;
      } finally {
        l.close();
      }
    });
    assert.equal(r, { ran: true, value: 7 });
  });

  t('the sysctl and the capabilities are as before, also after a throw inside the session', () => {
    assert.throws(() => withUnprivileged(() => {
      throw new Error('boom');
    }), /boom/);
    assert.is(readFileSync(UNPRIV_SYSCTL, 'utf8'), sysctlBefore);
    assert.equal(capGet(), capsBefore);
  });

  t('nested sessions share one: the sysctl is restored only by the outer close', () => {
    const a = UnprivilegedSession.open() as UnprivilegedSession;
    const b = UnprivilegedSession.open() as UnprivilegedSession;
    assert.is(a, b);
    b.close();
    assert.is(readFileSync(UNPRIV_SYSCTL, 'utf8').trim(), '0');
    a.close();
    assert.is(readFileSync(UNPRIV_SYSCTL, 'utf8'), sysctlBefore);
  });
}

t.run();
