// What only privileged programs may use, checked before or outside path exploration: helpers
// behind CAP_BPF or CAP_PERFMON in bpf_base_func_proto / bpf_sk_base_func_proto (the program
// types an unprivileged user can load, socket_filter and cgroup_skb, fall back to those), and
// bpf-to-bpf calls, kfuncs and function pointers (add_subprog_and_kfunc).
import type { Insn } from '../isa/insn.ts';
import { CALL_CODE, CALL_KIND, LDDW_CODE, PSEUDO } from '../isa/opcodes.ts';

/** Helpers a program without CAP_BPF (first group) or CAP_PERFMON (second) is not given. */
const NEEDS_CAP: ReadonlySet<string> = new Set([
  'spin_lock', 'spin_unlock', 'jiffies64', 'per_cpu_ptr', 'this_cpu_ptr', 'timer_init', 'timer_set_callback', 'timer_start',
  'timer_cancel', 'kptr_xchg', 'for_each_map_elem', 'loop', 'user_ringbuf_drain', 'ringbuf_reserve_dynptr', 'ringbuf_submit_dynptr',
  'ringbuf_discard_dynptr', 'dynptr_from_mem', 'dynptr_read', 'dynptr_write', 'dynptr_data', 'cgrp_storage_get', 'cgrp_storage_delete',
  'get_current_cgroup_id', 'get_current_ancestor_cgroup_id',
  'trace_printk', 'get_current_task', 'get_current_task_btf', 'probe_read_user', 'probe_read_kernel', 'probe_read_user_str',
  'probe_read_kernel_str', 'snprintf_btf', 'snprintf', 'task_pt_regs', 'trace_vprintk',
  'skc_to_tcp6_sock', 'skc_to_tcp_sock', 'skc_to_tcp_timewait_sock', 'skc_to_tcp_request_sock', 'skc_to_udp6_sock', 'skc_to_unix_sock', 'skc_to_mptcp_sock',
]);

/** Is the helper (by its name without bpf_) withheld from an unprivileged program? */
export const helperNeedsCap = (name: string): boolean => NEEDS_CAP.has(name);

export const SUBPROG_NEEDS_CAP = 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN';


/** The first bpf-to-bpf call, kfunc call or function address load (raw slots, before decoding), which need CAP_BPF; -1 when none. */
export function firstCallNeedingCap(insns: readonly Insn[]): number {
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (x.code === CALL_CODE && (x.src === CALL_KIND.LOCAL || x.src === CALL_KIND.KFUNC)) return i;
    if (x.code === LDDW_CODE) {
      if (x.src === PSEUDO.FUNC) return i;
      i++;
    }
  }
  return -1;
}
