// SPDX-License-Identifier: GPL-2.0
/* A tiny IPv4 router. The destination address is looked up in a FIB-like
 * hash map giving the egress ifindex and the MAC addresses to use; the
 * frame's MACs are rewritten, the TTL is decremented with an incremental
 * header checksum update (RFC 1624), and the frame is redirected. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct fib_nexthop {
	__u32 ifindex;
	unsigned char smac[ETH_ALEN];
	unsigned char dmac[ETH_ALEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);	/* destination address, network byte order */
	__type(value, struct fib_nexthop);
} fib SEC(".maps");

/* TTL sits in the high byte of the 16-bit word it shares with protocol,
 * so lowering it by one raises the one's-complement checksum by 0x0100. */
static __always_inline void ip_decrease_ttl(struct iphdr *iph)
{
	__u32 check = iph->check;

	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xFFFF));
	iph->ttl--;
}

SEC("xdp")
int xdp_router(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct fib_nexthop *nh;
	struct iphdr *iph;
	__u32 daddr;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ttl <= 1)
		return XDP_PASS;	/* let the stack send the ICMP error */

	daddr = iph->daddr;
	nh = bpf_map_lookup_elem(&fib, &daddr);
	if (!nh)
		return XDP_PASS;

	ip_decrease_ttl(iph);
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	return bpf_redirect(nh->ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
