// SPDX-License-Identifier: GPL-2.0
/* kprobe on do_sys_openat2(dfd, filename, how): count opens relative to the
 * current directory (dfd == AT_FDCWD) and relative to a real directory fd,
 * each per CPU, and keep the most recent dfd seen. Meant only to be loaded. */
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define AT_FDCWD_VAL -100

enum {
	OPEN_CWD = 0,
	OPEN_DIRFD = 1,
	OPEN_LAST_DFD = 2,
	OPEN_NR_SLOTS,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OPEN_NR_SLOTS);
	__type(key, __u32);
	__type(value, __s64);
} open_stats SEC(".maps");

SEC("kprobe/do_sys_openat2")
int kprobe_counter(struct pt_regs *ctx)
{
	int dfd = (int)PT_REGS_PARM1(ctx);
	__u32 key = dfd == AT_FDCWD_VAL ? OPEN_CWD : OPEN_DIRFD;
	__s64 *val;

	val = bpf_map_lookup_elem(&open_stats, &key);
	if (val)
		*val += 1;

	key = OPEN_LAST_DFD;
	val = bpf_map_lookup_elem(&open_stats, &key);
	if (val)
		*val = dfd;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
