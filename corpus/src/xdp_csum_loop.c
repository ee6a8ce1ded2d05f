// SPDX-License-Identifier: GPL-2.0
/* Validate the IPv4 header checksum: sum the header's 16-bit words in a
 * bounded loop (at most 30 words, i.e. ihl = 15), with a packet bounds check
 * on every word, fold the sum, and drop packets whose checksum is wrong.
 * The loop is left to clang to shape (no unroll pragma). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_IPHDR_WORDS 30	/* 60 bytes / 2 */

SEC("xdp")
int xdp_csum_loop(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u16 *word;
	__u32 sum = 0, nwords;
	int i;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	if (iph->ihl < 5)
		return XDP_DROP;

	nwords = iph->ihl * 2;
	word = (__u16 *)iph;
	for (i = 0; i < MAX_IPHDR_WORDS; i++) {
		if (i >= nwords)
			break;
		/* Without this, clang folds the per-word bounds check into one
		 * check on (data_end - data) before the loop, which the verifier
		 * cannot follow (pkt_end arithmetic is not allowed). */
		barrier_var(word);
		if ((void *)(word + 1) > data_end)
			return XDP_DROP;
		sum += *word++;
	}

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
