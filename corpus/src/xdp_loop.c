// SPDX-License-Identifier: GPL-2.0
/* Walk up to 8 IPv6 extension headers in a bounded (not unrolled) loop to
 * find the upper-layer protocol, then drop UDP to port 4789 (VXLAN) and
 * pass everything else. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_EXT_HDRS 8
#define BLOCKED_UDP_PORT 4789

struct ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;	/* in 8-byte units, not counting the first 8 */
};

SEC("xdp")
int xdp_loop(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	void *cursor;
	__u8 nexthdr;
	int i;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6))
		return XDP_PASS;
	ip6h = (void *)(eth + 1);
	if ((void *)(ip6h + 1) > data_end)
		return XDP_DROP;

	nexthdr = ip6h->nexthdr;
	cursor = ip6h + 1;
#pragma clang loop unroll(disable)
	for (i = 0; i < MAX_EXT_HDRS; i++) {
		struct ext_hdr *eh = cursor;

		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_FRAGMENT)
			break;
		if ((void *)(eh + 1) > data_end)
			return XDP_DROP;
		if (nexthdr == IPPROTO_FRAGMENT)
			cursor += 8;	/* fixed size, hdrlen is reserved */
		else
			cursor += (eh->hdrlen + 1) * 8;
		nexthdr = eh->nexthdr;
	}

	if (nexthdr != IPPROTO_UDP)
		return XDP_PASS;
	uh = cursor;
	if ((void *)(uh + 1) > data_end)
		return XDP_DROP;
	return uh->dest == bpf_htons(BLOCKED_UDP_PORT) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
