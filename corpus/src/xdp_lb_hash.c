// SPDX-License-Identifier: GPL-2.0
/* Stateless L4 load balancer. The IPv4 5-tuple of a TCP or UDP packet is
 * hashed, the hash modulo the configured backend count picks a backend from
 * an array map, and the packet's destination address and MAC are rewritten
 * (with an incremental header checksum update) before it is bounced out. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_BACKENDS 64

struct backend {
	__u32 addr;		/* network byte order */
	unsigned char mac[ETH_ALEN];
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);	/* number of live backends */
} lb_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

static __always_inline __u32 rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/* A small avalanche mix of three words (in the spirit of jhash_3words). */
static __always_inline __u32 hash_3words(__u32 a, __u32 b, __u32 c)
{
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	return b;
}

/* RFC 1624: HC' = ~(~HC + ~m + m') over 16-bit one's-complement words. */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + (__u16)~(from >> 16);
	sum += (to & 0xffff) + (to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int xdp_lb_hash(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct backend *be;
	struct iphdr *iph;
	__u32 ports, hash, idx, zero = 0;
	__u32 *nr;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ihl != 5 || (iph->frag_off & bpf_htons(0x3fff)))
		return XDP_PASS;	/* options or fragments: slow path */
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP)
		return XDP_PASS;

	/* source and destination ports are the first 4 bytes of both headers */
	if ((void *)(iph + 1) + sizeof(__u32) > data_end)
		return XDP_DROP;
	ports = *(__u32 *)(iph + 1);

	nr = bpf_map_lookup_elem(&lb_config, &zero);
	if (!nr || *nr == 0)
		return XDP_PASS;

	hash = hash_3words(iph->saddr, iph->daddr ^ iph->protocol, ports);
	idx = hash % *nr;
	be = bpf_map_lookup_elem(&backends, &idx);
	if (!be)
		return XDP_DROP;

	iph->check = csum_replace4(iph->check, iph->daddr, be->addr);
	iph->daddr = be->addr;
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
