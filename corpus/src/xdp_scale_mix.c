// SPDX-License-Identifier: GPL-2.0
/* A large straight-line-heavy XDP program for the optimizer's scale benchmark
 * (issue 20): the IPv4 5-tuple is mixed through MIX_ROUNDS unrolled rounds of
 * a jhash-style avalanche (32-bit arithmetic, as flow hashes are written), the
 * result picks a per-flow counter slot and a backend, and the packet's
 * addresses and checksum are rewritten. MIX_ROUNDS sets the size: 24 rounds
 * give about 1,000 instructions. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef MIX_ROUNDS
#define MIX_ROUNDS 24
#endif

struct flow_stat {
	__u64 packets;
	__u64 bytes;
	__u32 last_hash;
	__u32 mark;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct flow_stat);
} flow_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} backends SEC(".maps");

static __always_inline __u32 rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int xdp_scale_mix(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct flow_stat *st;
	__u32 a, b, c, d, key, *be;
	__u16 sport = 0, dport = 0;
	__u32 len;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);
		if ((void *)(th + 1) > data_end)
			return XDP_DROP;
		sport = th->source;
		dport = th->dest;
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(iph + 1);
		if ((void *)(uh + 1) > data_end)
			return XDP_DROP;
		sport = uh->source;
		dport = uh->dest;
	}
	len = (__u32)(data_end - data);
	a = iph->saddr;
	b = iph->daddr;
	c = ((__u32)sport << 16) | dport;
	d = iph->protocol ^ (len << 8);
#pragma unroll
	for (int i = 0; i < MIX_ROUNDS; i++) {
		a -= c; a ^= rol32(c, 4 + (i & 7)); c += b;
		b -= a; b ^= rol32(a, 6 + (i & 3)); a += c;
		c -= b; c ^= rol32(b, 8); b += a;
		d ^= (a & 0xff) << (i & 15);
		d += (__u16)(b >> 3) * 3;
	}
	key = (a ^ d) & 0xff;
	st = bpf_map_lookup_elem(&flow_stats, &key);
	if (!st)
		return XDP_ABORTED;
	st->packets += 1;
	st->bytes += len;
	st->last_hash = c;
	st->mark = (d >> 24) | ((d & 0xff) << 24);
	key = b & 0xf;
	be = bpf_map_lookup_elem(&backends, &key);
	if (!be || !*be)
		return XDP_PASS;
	{
		__u32 old = iph->daddr, new = *be;
		__u32 sum = (__u16)~iph->check;
		sum += (__u16)~old + (__u16)~(old >> 16);
		sum += (new & 0xffff) + (new >> 16);
		iph->check = csum_fold(sum);
		iph->daddr = new;
	}
	{
		unsigned char tmp[ETH_ALEN];
		__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
		__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	}
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
