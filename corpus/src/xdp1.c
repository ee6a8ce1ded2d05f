// SPDX-License-Identifier: GPL-2.0
/* Count packets per IP protocol number (IPv4 protocol or IPv6 next header,
 * behind up to two VLAN tags) in a per-CPU array, then drop them. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} rxcnt SEC(".maps");

static __always_inline int is_vlan(__u16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

SEC("xdp")
int xdp1(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	__u64 off = sizeof(*eth);
	__u32 ipproto = 0;
	__u16 proto;
	__u64 *cnt;

	if (data + off > data_end)
		return XDP_DROP;
	proto = eth->h_proto;

	if (is_vlan(proto)) {
		struct vlan_hdr *vh = data + off;

		off += sizeof(*vh);
		if (data + off > data_end)
			return XDP_DROP;
		proto = vh->h_vlan_encapsulated_proto;
	}
	if (is_vlan(proto)) {
		struct vlan_hdr *vh = data + off;

		off += sizeof(*vh);
		if (data + off > data_end)
			return XDP_DROP;
		proto = vh->h_vlan_encapsulated_proto;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + off;

		if ((void *)(iph + 1) > data_end)
			return XDP_DROP;
		ipproto = iph->protocol;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = data + off;

		if ((void *)(ip6h + 1) > data_end)
			return XDP_DROP;
		ipproto = ip6h->nexthdr;
	}

	cnt = bpf_map_lookup_elem(&rxcnt, &ipproto);
	if (cnt)
		*cnt += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
