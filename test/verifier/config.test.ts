// Configuration as values: the kernel flavor and the privilege are options of each check, and
// the domain caches belong to a session, so configurations interleaved in one process each get
// the answers they get alone.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram, type Program } from '../../src/isa/program.ts';
import { verify, type Verdict } from '../../src/verifier/analyze.ts';
import { Incremental } from '../../src/verifier/incremental.ts';
import { DomainSession } from '../../src/verifier/memo.ts';
import { sessionFor, verifierConfig, DEFAULT_CONFIG, type VerifierConfig } from '../../src/verifier/config.ts';
import { LINUX_6_12, LINUX_6_18 } from '../../src/domains/scalar.ts';

const t = suite('verifier/config');
const asm = (src: string): Program => bareProgram(assemble(src.replace(/;/g, '\n')).insns, 'socket_filter');

// 6.12 and 6.18 differ on NEG, BPF_END and signed mul bounds (the same inputs of one memoised
// operator give different answers); an unprivileged loader may not return a pointer
const PROGRAMS: Program[] = [
  asm('call bpf_get_prandom_u32;r0 &= 0xff;r1 = r0;r0 *= r1;r2 = r0;r2 = -r2;r2 = be16 r2;if r0 > 0x100 goto +1;r0 = 0;exit'),
  asm('call bpf_get_prandom_u32;r0 &= 0xf;r0 -= 5;r1 = r0;r1 += 1;r0 *= r1;if r0 s< 7 goto +1;r0 = 0;exit'),
  asm('r0 = r10;exit'),
];
const CONFIGS: VerifierConfig[] = [
  verifierConfig({ flavor: LINUX_6_18, privileged: true }),
  verifierConfig({ flavor: LINUX_6_12, privileged: true }),
  verifierConfig({ flavor: LINUX_6_18, privileged: false }),
  verifierConfig({ flavor: LINUX_6_12, privileged: false }),
];
const check = (p: Program, c: VerifierConfig, session?: DomainSession): Verdict =>
  verify(p, { flavor: c.flavor, privileged: c.privileged, session, states: true });

/** Each configuration alone: a fresh session, every program in turn. */
const alone = CONFIGS.map((c) => {
  const session = new DomainSession(c.flavor, 'bigint');
  return PROGRAMS.map((p) => check(p, c, session));
});

t('the configurations give different answers (the test can tell them apart)', () => {
  assert.not.equal(alone[0][0].log, alone[1][0].log, '6.18 and 6.12 states differ');
  assert.not.equal(alone[0][1].log, alone[1][1].log, '6.18 and 6.12 mul bounds differ');
  assert.ok(alone[0][2].ok && !alone[2][2].ok, 'root returns a pointer, unprivileged may not');
  assert.match(alone[2][2].error!.message, /leaks addr/);
});

t('interleaved in one process (shared default sessions), each configuration gets its own answers', () => {
  for (let round = 0; round < 3; round++) {
    for (const [pi, p] of PROGRAMS.entries()) {
      for (const [ci, c] of CONFIGS.entries()) assert.equal(check(p, c), alone[ci][pi], `${c.flavor.name} ${c.privileged ? 'root' : 'unpriv'} program ${pi}`);
    }
  }
});

t('interleaved on sessions of their own, compiled from the first call', () => {
  const sessions = new Map([LINUX_6_18, LINUX_6_12].map((fl) => [fl.name, new DomainSession(fl, 'compiled')]));
  for (const [pi, p] of PROGRAMS.entries()) {
    for (const [ci, c] of CONFIGS.entries()) assert.equal(check(p, c, sessions.get(c.flavor.name)), alone[ci][pi]);
  }
});

t('incremental re-checks keep their configuration', () => {
  const [p] = PROGRAMS;
  const incs = CONFIGS.map((c) => new Incremental(p, { flavor: c.flavor, privileged: c.privileged }));
  for (const [ci, c] of CONFIGS.entries()) {
    assert.is(incs[ci].verdict.ok, alone[ci][0].ok);
    assert.is(incs[ci].verdict.processed, verify(p, { flavor: c.flavor, privileged: c.privileged }).processed);
  }
});

t('a session of another flavor than the options name is refused; defaults are 6.18 and root', () => {
  assert.throws(() => sessionFor({ flavor: LINUX_6_12, session: new DomainSession(LINUX_6_18) }), /session is for kernel flavor 6.18, options say 6.12/);
  assert.is(sessionFor({}).flavor, LINUX_6_18);
  assert.is(sessionFor({ flavor: { ...LINUX_6_12 } }).flavor, LINUX_6_12, 'a copied flavor (from a worker) finds its session by name');
  const own = { ...LINUX_6_18, name: 'test-variant', tnumStepBounds: false };
  assert.is(sessionFor({ flavor: own }).flavor, own, 'a flavor of its own gets its own session');
  assert.equal(DEFAULT_CONFIG, { flavor: LINUX_6_18, privileged: true });
  assert.equal(verify(PROGRAMS[0], { states: true }), alone[0][0]);
});

t.run();
