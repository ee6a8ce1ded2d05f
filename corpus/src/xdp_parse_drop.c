// SPDX-License-Identifier: GPL-2.0
/* Parse Ethernet (one optional VLAN tag), IPv4 or IPv6, then UDP or TCP,
 * and drop packets whose destination port is on a small blocklist. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

static __always_inline int port_blocked(__be16 dport)
{
	switch (bpf_ntohs(dport)) {
	case 9:		/* discard */
	case 19:	/* chargen */
	case 111:	/* rpcbind */
	case 1900:	/* ssdp */
	case 11211:	/* memcached */
		return 1;
	}
	return 0;
}

SEC("xdp")
int xdp_parse_drop(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	void *l4;
	__u16 proto;
	__u8 ipproto;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	proto = eth->h_proto;
	l4 = eth + 1;

	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = l4;

		if ((void *)(vh + 1) > data_end)
			return XDP_DROP;
		proto = vh->h_vlan_encapsulated_proto;
		l4 = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = l4;

		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		if (iph->ihl < 5)
			return XDP_DROP;
		ipproto = iph->protocol;
		l4 = (void *)iph + iph->ihl * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = l4;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		ipproto = ip6h->nexthdr;
		l4 = ip6h + 1;
	} else {
		return XDP_PASS;
	}

	if (ipproto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return XDP_DROP;
		return port_blocked(uh->dest) ? XDP_DROP : XDP_PASS;
	}
	if (ipproto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return XDP_DROP;
		return port_blocked(th->dest) ? XDP_DROP : XDP_PASS;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
