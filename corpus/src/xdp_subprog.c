// SPDX-License-Identifier: GPL-2.0
/* Count IPv4 packets per source address (a small per-CPU hash), with the
 * header parsing done in a separate BPF function (a bpf-to-bpf call). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} pkts_by_saddr SEC(".maps");

/* Returns the IPv4 source address through *saddr; -1 if the frame is not
 * a well-formed IPv4 packet. Kept out of line on purpose. */
static __noinline int parse_ipv4(void *data, void *data_end, __u32 *saddr)
{
	struct ethhdr *eth = data;
	struct iphdr *iph;

	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	*saddr = iph->saddr;
	return 0;
}

SEC("xdp")
int xdp_subprog(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u64 one = 1, *cnt;
	__u32 saddr;

	if (parse_ipv4(data, data_end, &saddr) < 0)
		return XDP_PASS;

	cnt = bpf_map_lookup_elem(&pkts_by_saddr, &saddr);
	if (cnt)
		*cnt += 1;
	else
		bpf_map_update_elem(&pkts_by_saddr, &saddr, &one, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
