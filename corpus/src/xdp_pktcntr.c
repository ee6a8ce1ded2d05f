// SPDX-License-Identifier: GPL-2.0
/* XDP packet counter: when the control flag is set, count every packet in a
 * per-CPU array slot. Always passes the packet on. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CTL_COUNTING_ON 1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} ctl_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cntrs_array SEC(".maps");

SEC("xdp")
int xdp_pktcntr(struct xdp_md *ctx)
{
	__u32 ctl_key = 0, cntr_key = 0;
	__u32 *flag;
	__u64 *cnt;

	flag = bpf_map_lookup_elem(&ctl_array, &ctl_key);
	if (!flag || *flag != CTL_COUNTING_ON)
		return XDP_PASS;

	cnt = bpf_map_lookup_elem(&cntrs_array, &cntr_key);
	if (cnt)
		*cnt += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
