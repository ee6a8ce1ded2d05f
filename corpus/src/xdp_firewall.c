// SPDX-License-Identifier: GPL-2.0
/* Map-driven IPv4 firewall. An exact match on the source address in a hash
 * map wins; otherwise the longest matching prefix in an LPM trie decides.
 * Unmatched traffic passes. Verdicts are counted per CPU. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum fw_verdict {
	FW_PASS = 0,
	FW_DROP = 1,
	FW_NR_VERDICTS,
};

struct lpm_v4_key {
	__u32 prefixlen;
	__u32 addr;	/* network byte order */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);	/* source address, network byte order */
	__type(value, __u32);	/* enum fw_verdict */
} src_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} prefix_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_NR_VERDICTS);
	__type(key, __u32);
	__type(value, __u64);
} verdict_stats SEC(".maps");

static __always_inline int account(__u32 verdict)
{
	__u64 *cnt;

	if (verdict >= FW_NR_VERDICTS)
		verdict = FW_DROP;
	cnt = bpf_map_lookup_elem(&verdict_stats, &verdict);
	if (cnt)
		*cnt += 1;
	return verdict == FW_DROP ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct lpm_v4_key key;
	__u32 saddr;
	__u32 *rule;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_DROP;
	saddr = iph->saddr;

	rule = bpf_map_lookup_elem(&src_rules, &saddr);
	if (rule)
		return account(*rule);

	key.prefixlen = 32;
	key.addr = saddr;
	rule = bpf_map_lookup_elem(&prefix_rules, &key);
	if (rule)
		return account(*rule);

	return account(FW_PASS);
}

char LICENSE[] SEC("license") = "GPL";
