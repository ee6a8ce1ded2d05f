// A register's number fields (off, id, range, map) stay int32 values, never -0, unboxed: V8 keeps such
// a field as a small integer, and one register holding 2^31 + id (BPF_ADD_CONST as it was) or -0
// (`rX -= 0` on a linked scalar) gave every register's map a double field, deprecated the
// shared map and kept the ALU step's code from being optimized (alu.ts ADD_CONST). The log's
// `id=N+K` of a linked scalar is the kernel's.
import { serialize, setFlagsFromString } from 'node:v8';
import { readFileSync } from 'node:fs';
import { readObject } from '../../src/isa/object.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble } from '../../src/isa/asm.ts';
import { bareProgram } from '../../src/isa/program.ts';
import { verify } from '../../src/verifier/analyze.ts';
import { type Reg, SCALAR_UNKNOWN, regAs } from '../../src/verifier/regs.ts';

const t = suite('verifier/reg-fields');

/** Programs with linked scalars (`rX = rY; rX += K`), and the log lines each must print. */
const CASES: { name: string; asm: string; lines: string[] }[] = [
  {
    name: 'add and sub of constants, zero among them',
    asm: `call get_prandom_u32
r6 = r0
r6 &= 0xff
r7 = r6
r7 += 4
r8 = r6
r8 -= 0
r9 = r6
r9 -= -5
*(u64 *)(r10 - 8) = r8
if r7 > 100 goto out
r0 = 0
exit
out:
r0 = 1
exit`,
    lines: ['4: (07) r7 += 4', 'R7=scalar(id=2+4,', '6: (17) r8 -= 0', 'R8=scalar(id=2+0,', 'R9=scalar(id=2+5,', 'fp-8=scalar(id=2+0,'],
  },
  {
    name: 'a negative delta; a linked register moved on gets a fresh id; a 32-bit add does not link',
    asm: `call get_prandom_u32
r0 &= 0xffff
r1 = r0
r1 += -3
r2 = r1
w3 = w0
w3 += 1
if r2 s> 10 goto out
r0 = 0
exit
out:
r0 = 1
exit`,
    lines: ['R1=scalar(id=1-3,', '4: (bf) r2 = r1                       ; R1=scalar(id=2,', '6: (04) w3 += 1                       ; R3=scalar(smin'],
  },
];

/** V8's serializer writes a small integer as int32 (tag 0x49, 'I'), a boxed number (a double field's) as a double. */
const fits = (x: number): boolean => (x | 0) === x && !Object.is(x, -0) && serialize(x)[2] === 0x49;

function checkReg(r: Reg, where: string): void {
  for (const k of ['off', 'id', 'range', 'map'] as const) assert.ok(fits(r[k]), `${where}: ${k} = ${Object.is(r[k], -0) ? '-0' : r[k]}`);
}

for (const c of CASES) {
  t(c.name, () => {
    const v = verify(bareProgram(assemble(c.asm).insns, 'xdp'), { entries: true, states: true });
    assert.ok(v.ok, v.error?.message);
    let seen = 0;
    v.entry!.forEach((st, pc) => {
      if (!st) return;
      for (const fr of st.frames) {
        fr.regs.forEach((r, i) => checkReg(r, `insn ${pc} R${i}`));
        fr.stack.forEach((sl, i) => sl?.spilled && checkReg(sl.spilled, `insn ${pc} slot ${i}`));
      }
      seen++;
    });
    assert.ok(seen > 5, 'states recorded');
    const log = v.log!.join('\n');
    for (const l of c.lines) assert.ok(log.includes(l), `${l} in\n${log}`);
  });
}

t('the last state of each case holds a linked register (the cases test what they mean to)', () => {
  const v = verify(bareProgram(assemble(CASES[0].asm).insns, 'xdp'), { entries: true });
  const r7 = v.entry![10]!.frames[0].regs[7];
  assert.ok(r7.id < 0, 'BPF_ADD_CONST set');
  assert.is(r7.off, 4);
  const r8 = v.entry![10]!.frames[0].regs[8];
  assert.ok(r8.id < 0 && Object.is(r8.off, 0));
});

// V8's own test of two objects' maps (natives syntax, allowed for the functions made after the flag)
setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

t('the registers of corpus programs (null checks, spills, narrow fills among them) are all of one V8 map', () => {
  for (const name of ['core_task', 'xdp_map_access', 'xdp_lb_hash', 'xdp_router', 'tc_edit']) {
    const v = verify(readObject(readFileSync(new URL(`../../corpus/${name}.o`, import.meta.url))).link(), { entries: true });
    v.entry!.forEach((st, pc) => {
      for (const fr of st?.frames ?? []) {
        fr.regs.forEach((r, i) => assert.ok(sameMap(r, SCALAR_UNKNOWN), `${name} insn ${pc} R${i} (${r.type}): a map of its own`));
        fr.stack.forEach((sl, i) => sl?.spilled && assert.ok(sameMap(sl.spilled, SCALAR_UNKNOWN), `${name} insn ${pc} slot ${i} (${sl.spilled.type})`));
      }
    });
  }
});

t('regAs is the spread it replaces, optional fields and all', () => {
  const base: Reg = { type: 'map_value_or_null', v: SCALAR_UNKNOWN.v, off: 4, id: 7, range: 0, map: 2 };
  const cases: [Reg, Reg['type'], number, number | undefined][] = [
    [base, 'map_value', 0, undefined], [base, 'map_ptr', 0, 5], [{ ...base, type: 'sock_or_null', refObj: 3 }, 'sock', 7, undefined],
    [{ ...base, type: 'mem_or_null', ringbuf: true, refObj: 2 }, 'mem', 0, undefined], [{ ...base, rdonly: true }, 'map_value', 7, undefined],
    [{ ...base, type: 'mem_or_null', dynptrId: 4 }, 'mem', 0, undefined],
  ];
  for (const [r, type, id, map] of cases) assert.equal(regAs(r, type, id, map), map === undefined ? { ...r, type, id } : { ...r, type, id, map });
});

t.run();
