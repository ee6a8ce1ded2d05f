// SPDX-License-Identifier: GPL-2.0
/* tc classifier that re-marks IPv4 traffic: the DSCP field of every IPv4
 * packet to a UDP port listed in a hash map is set to the DSCP stored there
 * (ECN bits kept), fixing the header checksum with bpf_l3_csum_replace. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);	/* UDP destination port, host byte order */
	__type(value, __u8);	/* DSCP, 0..63 */
} dscp_by_port SEC(".maps");

SEC("tc")
int tc_edit(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct udphdr *uh;
	__u16 old_word, new_word, port;
	__u8 *dscp, tos;

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return TC_ACT_OK;
	if (iph->ihl != 5 || iph->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	uh = (void *)(iph + 1);
	if ((void *)(uh + 1) > data_end)
		return TC_ACT_OK;

	port = bpf_ntohs(uh->dest);
	dscp = bpf_map_lookup_elem(&dscp_by_port, &port);
	if (!dscp)
		return TC_ACT_OK;

	tos = (*dscp << 2) | (iph->tos & 0x3);
	if (tos == iph->tos)
		return TC_ACT_OK;

	/* version/ihl and tos form the first 16-bit word of the header */
	old_word = *(__u16 *)iph;
	iph->tos = tos;
	new_word = *(__u16 *)iph;
	bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_word, new_word, sizeof(__u16));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
