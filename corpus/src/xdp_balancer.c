// SPDX-License-Identifier: GPL-2.0
/* An L4 load balancer of the size and shape of a production XDP balancer,
 * written for bpfsynth as a large search input (>= 1,500 instructions).
 *
 * Per packet: Ethernet with up to two VLAN tags; IPv4 (no options, no
 * fragments) or IPv6 (fixed header); TCP, UDP or ICMP/ICMPv6 above it.
 * ICMP echo requests addressed to a VIP are answered in place. ICMP errors
 * about a flow to a VIP (destination unreachable / packet too big) are
 * routed to the backend of the embedded flow. TCP/UDP to a VIP: the VIP is
 * found in a hash map (exact port first, then the port-0 wildcard); an LRU
 * connection table remembers each flow's backend; a miss (or a SYN) picks
 * the backend from the VIP's slice of a consistent-hash ring. The packet is
 * encapsulated IPIP (IPv4 backend, header checksum computed) or IP6IP6 /
 * 4in6 (IPv6 backend), addressed to the next-hop MAC and sent back out.
 * Per-CPU counters record packets and bytes per VIP and the reasons for
 * passing or dropping. Everything is inlined, as such balancers are. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* ICMP headers are declared here: <linux/icmp.h> pulls in libc socket
 * headers that do not build for the BPF target. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__u16 checksum;
	__u32 rest;
};

struct icmp6hdr {
	__u8 icmp6_type;
	__u8 icmp6_code;
	__u16 icmp6_cksum;
	__u32 rest;
};

#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMPV6_DEST_UNREACH	1
#define ICMPV6_PKT_TOOBIG	2
#define ICMPV6_ECHO_REQUEST	128
#define ICMPV6_ECHO_REPLY	129

#define MAX_VIPS	64
#define RING_SIZE	256		/* ring slots per VIP (power of two) */
#define MAX_REALS	1024
#define LRU_SIZE	65536
#define DEFAULT_TTL	64

#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8

/* vip_meta.flags */
#define F_HASH_NO_SRC_PORT	(1 << 0)	/* hash without the source port */
#define F_NO_LRU		(1 << 1)	/* never remember the flow */
#define F_LOCAL_VIP		(1 << 2)	/* deliver to the local stack */
#define F_QUIC_VIP		(1 << 3)	/* UDP: route by QUIC connection ID */

#define QUIC_CID_MIN		8	/* connection IDs shorter than this carry no server id */

/* real.flags */
#define REAL_V6			(1 << 0)

/* Indices of the global per-CPU counters (after the MAX_VIPS per-VIP ones). */
enum {
	ST_LRU_HIT = MAX_VIPS,
	ST_LRU_MISS,
	ST_ICMP_ECHO,
	ST_ICMP_ERR,
	ST_NOT_VIP,
	ST_BAD_PKT,
	ST_NO_REAL,
	ST_ENCAP_FAIL,
	ST_VLAN,
	ST_QUIC_ROUTED,
	ST_QUIC_NO_CID,
	ST_TOTAL
};

struct vip_key {
	__u32 addr[4];		/* IPv4 in addr[0], the rest zero */
	__u16 port;		/* network byte order; 0 = any port */
	__u8 proto;
	__u8 family;		/* 4 or 6 */
};

struct vip_meta {
	__u32 flags;
	__u32 vip_num;		/* < MAX_VIPS: ring slice and stats slot */
};

struct flow {
	__u32 src[4];
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

struct conn {
	__u32 real;
	__u32 pad;
	__u64 atime;
};

struct real {
	__u32 addr[4];
	__u32 flags;
};

struct stat {
	__u64 packets;
	__u64 bytes;
};

struct encap_ctl {
	unsigned char next_hop[ETH_ALEN];
	unsigned char self[ETH_ALEN];
	__u32 src4;		/* outer IPv4 source, network byte order */
	__u32 src6[4];		/* outer IPv6 source */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, struct vip_key);
	__type(value, struct vip_meta);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LRU_SIZE);
	__type(key, struct flow);
	__type(value, struct conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_VIPS * RING_SIZE);
	__type(key, __u32);
	__type(value, __u32);	/* index into reals */
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_REALS);
	__type(key, __u32);
	__type(value, struct real);
} reals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ST_TOTAL);
	__type(key, __u32);
	__type(value, struct stat);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct encap_ctl);
} ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_REALS);
	__type(key, __u32);
	__type(value, struct stat);
} real_stats SEC(".maps");

/* What the parser learned about a packet. */
struct pkt {
	struct flow flow;
	__u64 l3_off;		/* offset of the IP header from data */
	__u64 l4_off;
	__u32 pkt_len;		/* length from the IP header on */
	__u8 tos;		/* IPv4 TOS / IPv6 traffic class */
	__u8 tcp_flags;
	__u8 is_icmp_err;
	__u8 pad;
};

static __always_inline void count(__u32 idx, __u64 bytes)
{
	struct stat *s = bpf_map_lookup_elem(&stats, &idx);

	if (s) {
		s->packets += 1;
		s->bytes += bytes;
	}
}

/* Per-real counters, indexed by the real's position in the reals array. */
static __always_inline void count_real(struct real *rl, __u64 bytes)
{
	__u32 idx = rl->flags >> 16;	/* the control plane stores the index here */
	struct stat *s;

	s = bpf_map_lookup_elem(&real_stats, &idx);
	if (s) {
		s->packets += 1;
		s->bytes += bytes;
	}
}

static __always_inline __u32 rotl(__u32 x, int k)
{
	return (x << k) | (x >> (32 - k));
}

/* A 3-word avalanche mix and a finaliser (our own constants; only the
 * spreading matters, not any particular published hash). */
static __always_inline void mix3(__u32 *a, __u32 *b, __u32 *c)
{
	*a -= *c; *a ^= rotl(*c, 5);  *c += *b;
	*b -= *a; *b ^= rotl(*a, 7);  *a += *c;
	*c -= *b; *c ^= rotl(*b, 17); *b += *a;
	*a -= *c; *a ^= rotl(*c, 13); *c += *b;
	*b -= *a; *b ^= rotl(*a, 19); *a += *c;
	*c -= *b; *c ^= rotl(*b, 3);  *b += *a;
}

static __always_inline __u32 final3(__u32 a, __u32 b, __u32 c)
{
	c ^= b; c -= rotl(b, 15);
	a ^= c; a -= rotl(c, 10);
	b ^= a; b -= rotl(a, 26);
	c ^= b; c -= rotl(b, 14);
	return c;
}

static __always_inline __u32 hash_flow(const struct flow *f, __u32 flags, int family)
{
	__u32 a = 0x9e3779b9u, b = 0x9e3779b9u, c = 0x7f4a7c15u;
	__u32 ports = ((__u32)f->sport << 16) | f->dport;

	if (flags & F_HASH_NO_SRC_PORT)
		ports = f->dport;
	if (family == 6) {
		a += f->src[0]; b += f->src[1]; c += f->src[2];
		mix3(&a, &b, &c);
		a += f->src[3]; b += f->dst[0]; c += f->dst[1];
		mix3(&a, &b, &c);
		a += f->dst[2]; b += f->dst[3]; c += ports;
	} else {
		a += f->src[0]; b += f->dst[0]; c += ports;
	}
	return final3(a, b, c ^ f->proto);
}

/* Sum of 16-bit words of an IPv4 header without options, folded. */
static __always_inline __u16 ipv4_csum(const struct iphdr *ip)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* RFC 1624 incremental update for a 16-bit field. */
static __always_inline __u16 csum_update16(__u16 check, __u16 from, __u16 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from;
	sum += to;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Skips up to two VLAN tags; returns the inner EtherType (network order)
 * and sets *off to the L3 offset, or returns 0 if the packet is short. */
static __always_inline __u16 parse_eth(void *data, void *data_end, __u64 *off)
{
	struct ethhdr *eth = data;
	__u16 proto;
	__u64 o = sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return 0;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q_) && proto != bpf_htons(ETH_P_8021AD_))
			break;
		if (data + o + 4 > data_end)
			return 0;
		/* the tag's TCI, then the next EtherType */
		proto = *(__u16 *)(data + o + 2);
		o += 4;
	}
	*off = o;
	return proto;
}

static __always_inline int parse_ports(void *data, void *data_end, struct pkt *p)
{
	void *l4 = data + p->l4_off;

	if (p->flow.proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return -1;
		p->flow.sport = th->source;
		p->flow.dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
	} else {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return -1;
		p->flow.sport = uh->source;
		p->flow.dport = uh->dest;
	}
	return 0;
}

/* The flow inside an ICMP error about a packet we sent (from the VIP to a
 * client): reversed, so that it names the client->VIP flow. */
static __always_inline int parse_icmp4_inner(void *data, void *data_end, struct pkt *p)
{
	struct iphdr *in = data + p->l4_off + sizeof(struct icmphdr);
	__u16 *ports = (void *)(in + 1);

	if ((void *)(ports + 2) > data_end)
		return -1;
	if (in->ihl != 5)
		return -1;
	if (in->protocol != IPPROTO_TCP && in->protocol != IPPROTO_UDP)
		return -1;
	p->flow.proto = in->protocol;
	p->flow.src[0] = in->daddr;
	p->flow.dst[0] = in->saddr;
	p->flow.sport = ports[1];
	p->flow.dport = ports[0];
	p->is_icmp_err = 1;
	return 0;
}

static __always_inline int parse_icmp6_inner(void *data, void *data_end, struct pkt *p)
{
	struct ipv6hdr *in = data + p->l4_off + sizeof(struct icmp6hdr);
	__u16 *ports = (void *)(in + 1);

	if ((void *)(ports + 2) > data_end)
		return -1;
	if (in->nexthdr != IPPROTO_TCP && in->nexthdr != IPPROTO_UDP)
		return -1;
	p->flow.proto = in->nexthdr;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		p->flow.src[i] = in->daddr.in6_u.u6_addr32[i];
		p->flow.dst[i] = in->saddr.in6_u.u6_addr32[i];
	}
	p->flow.sport = ports[1];
	p->flow.dport = ports[0];
	p->is_icmp_err = 1;
	return 0;
}

/* Answers an ICMP echo request in place: swap MACs and addresses, turn the
 * type into a reply and patch the checksums. */
static __always_inline int icmp4_echo(void *data, void *data_end, struct pkt *p)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + p->l3_off;
	struct icmphdr *ic = data + p->l4_off;
	unsigned char tmp[ETH_ALEN];
	__u32 a;

	if ((void *)(ic + 1) > data_end || (void *)(ip + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	ip->ttl = DEFAULT_TTL;
	ip->check = 0;
	ip->check = ipv4_csum(ip);
	ic->checksum = csum_update16(ic->checksum, bpf_htons(ICMP_ECHO << 8),
				     bpf_htons(ICMP_ECHOREPLY << 8));
	ic->type = ICMP_ECHOREPLY;
	return XDP_TX;
}

static __always_inline int icmp6_echo(void *data, void *data_end, struct pkt *p)
{
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + p->l3_off;
	struct icmp6hdr *ic = data + p->l4_off;
	unsigned char tmp[ETH_ALEN];
	__u32 a;

	if ((void *)(ic + 1) > data_end || (void *)(ip6 + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
#pragma unroll
	for (int i = 0; i < 4; i++) {
		a = ip6->saddr.in6_u.u6_addr32[i];
		ip6->saddr.in6_u.u6_addr32[i] = ip6->daddr.in6_u.u6_addr32[i];
		ip6->daddr.in6_u.u6_addr32[i] = a;
	}
	ip6->hop_limit = DEFAULT_TTL;
	ic->icmp6_cksum = csum_update16(ic->icmp6_cksum, bpf_htons(ICMPV6_ECHO_REQUEST << 8),
					bpf_htons(ICMPV6_ECHO_REPLY << 8));
	ic->icmp6_type = ICMPV6_ECHO_REPLY;
	return XDP_TX;
}

/* Fills *p from an IPv4 packet. Returns -1 to drop, 1 to pass, 2 for an
 * echo request to answer, 0 for a flow to balance. */
static __always_inline int parse_ipv4(void *data, void *data_end, struct pkt *p)
{
	struct iphdr *ip = data + p->l3_off;
	struct icmphdr *ic;

	if ((void *)(ip + 1) > data_end)
		return -1;
	if (ip->ihl != 5 || ip->version != 4)
		return -1;
	if (ip->frag_off & bpf_htons(0x3fff))	/* MF or an offset */
		return -1;
	p->flow.family = 4;
	p->flow.proto = ip->protocol;
	p->flow.src[0] = ip->saddr;
	p->flow.dst[0] = ip->daddr;
	p->tos = ip->tos;
	p->pkt_len = bpf_ntohs(ip->tot_len);
	p->l4_off = p->l3_off + sizeof(*ip);
	if (ip->protocol == IPPROTO_ICMP) {
		ic = data + p->l4_off;
		if ((void *)(ic + 1) > data_end)
			return -1;
		if (ic->type == ICMP_ECHO)
			return 2;
		if (ic->type != ICMP_DEST_UNREACH && ic->type != ICMP_TIME_EXCEEDED)
			return 1;
		return parse_icmp4_inner(data, data_end, p);
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return 1;
	return parse_ports(data, data_end, p);
}

static __always_inline int parse_ipv6(void *data, void *data_end, struct pkt *p)
{
	struct ipv6hdr *ip6 = data + p->l3_off;
	struct icmp6hdr *ic;

	if ((void *)(ip6 + 1) > data_end)
		return -1;
	if (ip6->version != 6)
		return -1;
	p->flow.family = 6;
	p->flow.proto = ip6->nexthdr;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		p->flow.src[i] = ip6->saddr.in6_u.u6_addr32[i];
		p->flow.dst[i] = ip6->daddr.in6_u.u6_addr32[i];
	}
	p->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
	p->pkt_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	p->l4_off = p->l3_off + sizeof(*ip6);
	if (ip6->nexthdr == IPPROTO_ICMPV6) {
		ic = data + p->l4_off;
		if ((void *)(ic + 1) > data_end)
			return -1;
		if (ic->icmp6_type == ICMPV6_ECHO_REQUEST)
			return 2;
		if (ic->icmp6_type != ICMPV6_PKT_TOOBIG && ic->icmp6_type != ICMPV6_DEST_UNREACH)
			return 1;
		return parse_icmp6_inner(data, data_end, p);
	}
	if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
		return 1;
	return parse_ports(data, data_end, p);
}

/* The server id a QUIC connection ID carries (our scheme: byte 0 of the
 * CID is a version/flags byte, bytes 1-2 the real's index, big-endian).
 * Long headers carry the destination CID after the version and its length
 * byte; short headers right after the first byte. Returns -1 if none. */
static __always_inline int quic_server_id(void *data, void *data_end, struct pkt *p)
{
	__u8 *q = data + p->l4_off + sizeof(struct udphdr);
	__u8 *cid;
	__u32 id;

	if ((void *)(q + 1) > data_end)
		return -1;
	if (q[0] & 0x80) {
		/* long header: flags, version(4), dcid length, dcid */
		if ((void *)(q + 6) > data_end)
			return -1;
		if (q[5] < QUIC_CID_MIN)
			return -1;
		cid = q + 6;
	} else {
		cid = q + 1;
	}
	if ((void *)(cid + 3) > data_end)
		return -1;
	if ((cid[0] >> 6) != 1)		/* only CID version 1 routes */
		return -1;
	id = ((__u32)cid[1] << 8) | cid[2];
	if (id >= MAX_REALS)
		return -1;
	return id;
}

static __always_inline struct vip_meta *find_vip(struct pkt *p)
{
	struct vip_key k = {};
	struct vip_meta *m;

#pragma unroll
	for (int i = 0; i < 4; i++)
		k.addr[i] = p->flow.dst[i];
	k.port = p->flow.dport;
	k.proto = p->flow.proto;
	k.family = p->flow.family;
	m = bpf_map_lookup_elem(&vips, &k);
	if (m)
		return m;
	k.port = 0;
	return bpf_map_lookup_elem(&vips, &k);
}

/* The flow's backend: from the connection table unless the flow is new,
 * otherwise from the ring (and remembered). */
static __always_inline struct real *pick_real(struct xdp_md *ctx, struct pkt *p,
					      struct vip_meta *vm, int family)
{
	struct conn *c, nc = {};
	__u32 slot, *ridx, r;
	__u64 now = bpf_ktime_get_ns();
	int fresh = p->flow.proto == IPPROTO_TCP && (p->tcp_flags & 0x02) && !p->is_icmp_err;

	if ((vm->flags & F_QUIC_VIP) && p->flow.proto == IPPROTO_UDP && !p->is_icmp_err) {
		int id = quic_server_id((void *)(long)ctx->data, (void *)(long)ctx->data_end, p);

		if (id >= 0) {
			r = id;
			count(ST_QUIC_ROUTED, 0);
			return bpf_map_lookup_elem(&reals, &r);
		}
		count(ST_QUIC_NO_CID, 0);
	}
	if (!(vm->flags & F_NO_LRU) && !fresh) {
		c = bpf_map_lookup_elem(&conns, &p->flow);
		if (c) {
			c->atime = now;
			count(ST_LRU_HIT, 0);
			return bpf_map_lookup_elem(&reals, &c->real);
		}
		count(ST_LRU_MISS, 0);
	}
	slot = (vm->vip_num % MAX_VIPS) * RING_SIZE +
	       (hash_flow(&p->flow, vm->flags, family) % RING_SIZE);
	ridx = bpf_map_lookup_elem(&ring, &slot);
	if (!ridx)
		return 0;
	r = *ridx;
	if (!(vm->flags & F_NO_LRU) && !p->is_icmp_err) {
		nc.real = r;
		nc.atime = now;
		bpf_map_update_elem(&conns, &p->flow, &nc, BPF_ANY);
	}
	return bpf_map_lookup_elem(&reals, &r);
}

/* Prepends an outer IPv4 header (protocol 4: IPIP). */
static __always_inline int encap_v4(struct xdp_md *ctx, struct pkt *p, struct real *rl,
				    struct encap_ctl *cfg, int family)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u16 len = p->pkt_len + sizeof(struct iphdr);

	/* the new header goes between the Ethernet header and the old one;
	 * VLAN tags are dropped on the way out */
	if (bpf_xdp_adjust_head(ctx, (int)p->l3_off - (int)sizeof(struct iphdr) -
				     (int)sizeof(struct ethhdr)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, cfg->next_hop, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->self, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = p->tos;
	ip->tot_len = bpf_htons(len);
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = DEFAULT_TTL;
	ip->protocol = family == 6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	ip->check = 0;
	/* a per-flow source address so that the backends' RSS spreads flows */
	ip->saddr = cfg->src4 ^ bpf_htonl(p->flow.sport & 0xff);
	ip->daddr = rl->addr[0];
	ip->check = ipv4_csum(ip);
	return 0;
}

/* Prepends an outer IPv6 header (next header 41 for IPv6 inside, 4 for IPv4). */
static __always_inline int encap_v6(struct xdp_md *ctx, struct pkt *p, struct real *rl,
				    struct encap_ctl *cfg, int family)
{
	void *data, *data_end;
	struct ethhdr *eth;
	struct ipv6hdr *ip6;
	__u16 len = p->pkt_len;

	if (bpf_xdp_adjust_head(ctx, (int)p->l3_off - (int)sizeof(struct ipv6hdr) -
				     (int)sizeof(struct ethhdr)))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip6 = data + sizeof(*eth);
	if ((void *)(ip6 + 1) > data_end)
		return -1;
	__builtin_memcpy(eth->h_dest, cfg->next_hop, ETH_ALEN);
	__builtin_memcpy(eth->h_source, cfg->self, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IPV6);
	ip6->version = 6;
	ip6->priority = p->tos >> 4;
	ip6->flow_lbl[0] = (p->tos & 0xf) << 4;
	ip6->flow_lbl[1] = 0;
	ip6->flow_lbl[2] = 0;
	ip6->payload_len = bpf_htons(len);
	ip6->nexthdr = family == 6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	ip6->hop_limit = DEFAULT_TTL;
#pragma unroll
	for (int i = 0; i < 4; i++) {
		ip6->saddr.in6_u.u6_addr32[i] = cfg->src6[i];
		ip6->daddr.in6_u.u6_addr32[i] = rl->addr[i];
	}
	/* the low word of the source carries the flow's ports (RSS again) */
	ip6->saddr.in6_u.u6_addr32[3] ^= (__u32)p->flow.sport << 16 | p->flow.dport;
	return 0;
}

static __always_inline int balance(struct xdp_md *ctx, struct pkt *p, int family)
{
	struct vip_meta *vm;
	struct encap_ctl *cfg;
	struct real *rl;
	__u32 zero = 0;

	vm = find_vip(p);
	if (!vm) {
		count(ST_NOT_VIP, 0);
		return XDP_PASS;
	}
	if (vm->flags & F_LOCAL_VIP)
		return XDP_PASS;
	count(vm->vip_num % MAX_VIPS, p->pkt_len);
	if (p->is_icmp_err)
		count(ST_ICMP_ERR, 0);
	rl = pick_real(ctx, p, vm, family);
	if (!rl) {
		count(ST_NO_REAL, 0);
		return XDP_DROP;
	}
	if (rl->flags & REAL_V6)
		count_real(rl, p->pkt_len + sizeof(struct ipv6hdr));
	else
		count_real(rl, p->pkt_len + sizeof(struct iphdr));
	cfg = bpf_map_lookup_elem(&ctl, &zero);
	if (!cfg)
		return XDP_DROP;
	if (rl->flags & REAL_V6) {
		if (encap_v6(ctx, p, rl, cfg, family))
			goto fail;
	} else {
		if (family == 6) {
			/* IPv6 inside IPv4 is not offered: pass it to the stack */
			count(ST_ENCAP_FAIL, 0);
			return XDP_PASS;
		}
		if (encap_v4(ctx, p, rl, cfg, family))
			goto fail;
	}
	return XDP_TX;
fail:
	count(ST_ENCAP_FAIL, 0);
	return XDP_DROP;
}

SEC("xdp")
int xdp_balancer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};
	__u16 proto;
	int rc;

	proto = parse_eth(data, data_end, &p.l3_off);
	if (!proto) {
		count(ST_BAD_PKT, 0);
		return XDP_DROP;
	}
	if (p.l3_off > sizeof(struct ethhdr))
		count(ST_VLAN, 0);
	/* each family gets its own copy of the balancing path, specialised for
	 * it (as a production balancer's inlining does) */
	if (proto == bpf_htons(ETH_P_IP)) {
		rc = parse_ipv4(data, data_end, &p);
		if (rc == 2) {
			count(ST_ICMP_ECHO, 0);
			return icmp4_echo(data, data_end, &p);
		}
		if (rc < 0)
			goto bad;
		if (rc > 0)
			return XDP_PASS;
		return balance(ctx, &p, 4);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		rc = parse_ipv6(data, data_end, &p);
		if (rc == 2) {
			count(ST_ICMP_ECHO, 0);
			return icmp6_echo(data, data_end, &p);
		}
		if (rc < 0)
			goto bad;
		if (rc > 0)
			return XDP_PASS;
		return balance(ctx, &p, 6);
	}
	return XDP_PASS;
bad:
	count(ST_BAD_PKT, 0);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
