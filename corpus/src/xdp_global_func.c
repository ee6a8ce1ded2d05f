// SPDX-License-Identifier: GPL-2.0
/* Same job as xdp_pktcntr's counter, split differently: a *global* (non-
 * static) BPF function takes the XDP context, classifies the frame by
 * EtherType and bumps a per-CPU counter. Global functions are verified once
 * on their own, from their BTF signature, not in the caller's state. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum {
	CLASS_IPV4 = 0,
	CLASS_IPV6 = 1,
	CLASS_ARP = 2,
	CLASS_OTHER = 3,
	CLASS_RUNT = 4,
	NR_CLASSES,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_CLASSES);
	__type(key, __u32);
	__type(value, __u64);
} class_cnt SEC(".maps");

__noinline int classify_and_count(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	__u32 class;
	__u64 *cnt;

	if ((void *)(eth + 1) > data_end)
		class = CLASS_RUNT;
	else if (eth->h_proto == bpf_htons(ETH_P_IP))
		class = CLASS_IPV4;
	else if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		class = CLASS_IPV6;
	else if (eth->h_proto == bpf_htons(ETH_P_ARP))
		class = CLASS_ARP;
	else
		class = CLASS_OTHER;

	cnt = bpf_map_lookup_elem(&class_cnt, &class);
	if (cnt)
		*cnt += 1;
	return class;
}

SEC("xdp")
int xdp_global_func(struct xdp_md *ctx)
{
	return classify_and_count(ctx) == CLASS_RUNT ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
