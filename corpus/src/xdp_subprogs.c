// SPDX-License-Identifier: GPL-2.0
/* Two static subprograms in .text, both called from the entry: the second
 * starts after the first in the section, so the call to it is relocated
 * against the .text section symbol with a non-zero slot in its imm. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

static __noinline int eth_proto(void *data, void *end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return -1;
	return bpf_ntohs(eth->h_proto);
}

static __noinline int verdict(int proto, __u32 len)
{
	if (proto == ETH_P_IP && len > 64)
		return XDP_PASS;
	if (proto == ETH_P_ARP)
		return XDP_PASS;
	if (proto < 0)
		return XDP_ABORTED;
	return XDP_DROP;
}

SEC("xdp")
int xdp_subprogs(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	return verdict(eth_proto(data, end), (__u32)(end - data));
}

char LICENSE[] SEC("license") = "GPL";
