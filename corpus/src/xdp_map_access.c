// SPDX-License-Identifier: GPL-2.0
/* Per-EtherType statistics: the low byte of the frame's EtherType selects a
 * slot of an array map whose packet and byte counters are bumped; the slot's
 * configured action (pass or drop) is then applied. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#define NR_SLOTS 256

struct slot {
	__u64 packets;
	__u64 bytes;
	__u32 action;	/* XDP_PASS or XDP_DROP */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SLOTS);
	__type(key, __u32);
	__type(value, struct slot);
} slots SEC(".maps");

SEC("xdp")
int xdp_map_access(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct slot *s;
	__u32 key;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;

	key = ((unsigned char *)&eth->h_proto)[1];
	s = bpf_map_lookup_elem(&slots, &key);
	if (!s)
		return XDP_PASS;

	s->packets++;
	s->bytes += data_end - data;
	return s->action == XDP_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
