// SPDX-License-Identifier: GPL-2.0
/* Socket filter for a packet socket: keep only IPv4 UDP datagrams sent to
 * port 53 (and not fragments of them); everything else is cut to 0 bytes. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define WANTED_PORT 53

SEC("socket")
int socket_filter(struct __sk_buff *skb)
{
	struct iphdr iph;
	__be16 dport;
	__u32 l4off;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &iph, sizeof(iph)) < 0)
		return 0;
	if (iph.protocol != IPPROTO_UDP)
		return 0;
	if (iph.frag_off & bpf_htons(0x3fff))
		return 0;

	l4off = ETH_HLEN + iph.ihl * 4;
	if (bpf_skb_load_bytes(skb, l4off + offsetof(struct udphdr, dest),
			       &dport, sizeof(dport)) < 0)
		return 0;
	if (dport != bpf_htons(WANTED_PORT))
		return 0;

	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
