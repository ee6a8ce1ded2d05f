// A callback passed by address (lddw of a function: BPF_PSEUDO_FUNC), a .kconfig extern and
// a kfunc, as libbpf-built programs use them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_BPF_SYSCALL __kconfig __weak;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

static long add_one(__u64 i, void *ctx) {
  *(__u64 *)ctx += i;
  return 0;
}

SEC("xdp")
int loop_prog(struct xdp_md *ctx) {
  __u64 sum = 0;
  bpf_loop(4, add_one, &sum, 0);
  return LINUX_KERNEL_VERSION > 0x60000 && CONFIG_BPF_SYSCALL ? XDP_PASS : XDP_DROP;
}

SEC("tc")
int kfunc_prog(struct __sk_buff *skb) {
  bpf_rcu_read_lock();
  bpf_rcu_read_unlock();
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
