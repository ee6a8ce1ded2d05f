// libbpf's SEC() conventions: program type, expected_attach_type, sleepable, attach target,
// and the older prefix rule, on the section names found in shipped objects.
import { suite } from 'uvu';
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { ATTACH, isTailCallSection, sectionDef } from '../../src/isa/sections.ts';
import { PROG_TYPE_ID, progTypeOfSection } from '../../src/isa/program.ts';

const t = suite('isa/sections');

t('libbpf 1.x names: type and expected_attach_type', () => {
  const cases: [string, string, number | undefined][] = [
    ['tp_btf/sched_switch', 'tracing', ATTACH.trace_raw_tp], ['fentry/vfs_read', 'tracing', ATTACH.trace_fentry],
    ['fexit/vfs_read', 'tracing', ATTACH.trace_fexit], ['fmod_ret/x', 'tracing', ATTACH.modify_return],
    ['lsm/file_open', 'lsm', ATTACH.lsm_mac], ['iter/task', 'tracing', ATTACH.trace_iter],
    ['usdt', 'kprobe', undefined], ['uretprobe/libc:malloc', 'kprobe', undefined], ['kprobe.multi/vfs_*', 'kprobe', ATTACH.trace_kprobe_multi],
    ['sk_msg', 'sk_msg', ATTACH.sk_msg_verdict], ['sk_skb/stream_parser', 'sk_skb', ATTACH.sk_skb_stream_parser],
    ['sockops', 'sock_ops', ATTACH.cgroup_sock_ops], ['cgroup/connect4', 'cgroup_sock_addr', ATTACH.cgroup_inet4_connect],
    ['cgroup/sock_create', 'cgroup_sock', ATTACH.cgroup_inet_sock_create], ['cgroup/sysctl', 'cgroup_sysctl', ATTACH.cgroup_sysctl],
    ['cgroup/getsockopt', 'cgroup_sockopt', ATTACH.cgroup_getsockopt], ['cgroup/dev', 'cgroup_device', ATTACH.cgroup_device],
    ['cgroup_skb/egress', 'cgroup_skb', ATTACH.cgroup_inet_egress], ['lwt_xmit', 'lwt_xmit', undefined],
    ['flow_dissector', 'flow_dissector', ATTACH.flow_dissector], ['sk_lookup', 'sk_lookup', ATTACH.sk_lookup],
    ['netfilter', 'netfilter', ATTACH.netfilter], ['syscall', 'syscall', undefined], ['struct_ops/init', 'struct_ops', undefined],
    ['xdp', 'xdp', ATTACH.xdp], ['xdp.frags', 'xdp', ATTACH.xdp], ['xdp/devmap', 'xdp', ATTACH.xdp_devmap],
    ['tc/ingress', 'sched_cls', ATTACH.tcx_ingress], ['tc', 'sched_cls', undefined], ['classifier', 'sched_cls', undefined],
    ['action', 'sched_act', undefined], ['raw_tp.w/x', 'raw_tracepoint_writable', undefined],
  ];
  for (const [sec, type, attach] of cases) {
    const d = sectionDef(sec);
    assert.ok(d, sec);
    assert.is(d!.type, type, sec);
    assert.is(d!.expectedAttachType, attach, sec);
    assert.is(d!.legacy, false, sec);
  }
});

t('sleepable, frags and attach targets as libbpf names them', () => {
  assert.ok(sectionDef('fentry.s/do_sys_open')!.sleepable);
  assert.ok(sectionDef('uprobe.s/x')!.sleepable);
  assert.not.ok(sectionDef('uprobe/x')!.sleepable);
  assert.ok(sectionDef('xdp.frags')!.xdpFrags);
  assert.equal(sectionDef('tp_btf/sched_switch')!.attachTo, { kind: 'typedef', name: 'btf_trace_sched_switch' });
  assert.equal(sectionDef('fentry/vfs_read')!.attachTo, { kind: 'func', name: 'vfs_read' });
  assert.equal(sectionDef('fexit/bpf_testmod:bpf_testmod_test_read')!.attachTo, { kind: 'func', name: 'bpf_testmod_test_read' });
  assert.equal(sectionDef('lsm/file_open')!.attachTo, { kind: 'func', name: 'bpf_lsm_file_open' });
  assert.equal(sectionDef('iter/task')!.attachTo, { kind: 'func', name: 'bpf_iter_task' });
  assert.ok(sectionDef('freplace/x')!.unloadable);
});

t('old conventions: prefix rule (longest prefix), ? prefix, numbered tail calls', () => {
  assert.equal([sectionDef('socket1')!.type, sectionDef('socket1')!.legacy], ['socket_filter', true]);
  assert.is(sectionDef('xdp-pktcntr')!.type, 'xdp');
  assert.is(sectionDef('cgroup/sock1')!.type, 'cgroup_sock');
  assert.is(sectionDef('kprobe__sys_open')!.type, 'kprobe');
  assert.is(sectionDef('?tp_btf/sched_switch')!.type, 'tracing');
  assert.is(sectionDef('2/1'), undefined);
  assert.ok(isTailCallSection('2/1'));
  assert.not.ok(isTailCallSection('xdp/1'));
  assert.is(sectionDef('.text'), undefined);
  assert.is(progTypeOfSection('sockops'), 'sock_ops');
});

t('enum bpf_prog_type values', () => {
  assert.is(PROG_TYPE_ID.tracing, 26);
  assert.is(PROG_TYPE_ID.lsm, 29);
  assert.is(PROG_TYPE_ID.netfilter, 32);
  assert.is(PROG_TYPE_ID.sock_ops, 13);
});

t('property: a leading ? changes nothing; any name gets a type or none, never a throw', () => {
  const names = fc.oneof(
    fc.string(),
    fc.tuple(fc.constantFrom('kprobe', 'tp_btf', 'fentry', 'lsm', 'tc', 'xdp', 'cgroup/connect4', 'socket', 'uprobe.s', 'iter'), fc.constantFrom('', '/', '/x', '1', '.s/y', '-a')).map(([a, b]) => a + b),
  );
  fc.assert(fc.property(names, (n) => {
    const d = sectionDef(n);
    assert.equal(sectionDef(`?${n}`), n.startsWith('?') ? sectionDef(`?${n}`) : d);
    if (d && !d.legacy) assert.ok(n === '' || !isTailCallSection(n));
    if (d?.attachTo) assert.ok(d.attachTo.name.length > 0 || n.endsWith('/'));
  }), { numRuns: 2000 });
});

t.run();
