/* Names old samples/bpf and hXDP/Katran sources take from the kernel tree or from their own
 * helper headers, for building them against the installed UAPI and libbpf headers. Written
 * for bpfsynth; include it first (clang -include). */
#ifndef BPFSYNTH_K2_SHIM_H
#define BPFSYNTH_K2_SHIM_H
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
#define __force
#define AF_INET 2
#define AF_INET6 10
#define htons(x) ((__u16)__builtin_bswap16(x))
#define ntohs(x) ((__u16)__builtin_bswap16(x))
#define cpu_to_be32(x) ((__u32)__builtin_bswap32(x))
#define memcpy __builtin_memcpy
#ifndef ETH_P_8021Q
#define ETH_P_8021Q 0x8100
#endif
#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
/* <linux/if_vlan.h> is kernel-internal: the two fields the samples read */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};
#endif
