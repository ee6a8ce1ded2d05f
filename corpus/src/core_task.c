// CO-RE corpus program: every bpf_core_relo kind, built against a vmlinux.h that build.sh
// generates from the running kernel's BTF. Three programs:
//  - core_task (tracepoint): BPF_CORE_READ chains through task_struct, a probed bitfield
//    (LSHIFT/RSHIFT/SIGNED), field existence and size, type and enum relocations;
//  - core_sub (tracepoint): a CO-RE read inside a bpf-to-bpf subprogram;
//  - core_xdp (xdp): CO-RE field offsets on struct xdp_md loads (LDX off relocations) and enum
//    and type constants folded into a packet write, so BPF_PROG_TEST_RUN shows the results.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} core_out SEC(".maps");

// A flavor of task_struct (the ___v2 suffix is dropped when matching): only the fields used.
struct task_struct___v2 {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

// A field that no kernel has: its existence test is 0, and the read under it is poisoned.
struct task_struct___missing {
	int no_such_field_here;
} __attribute__((preserve_access_index));

static __always_inline void put(u32 k, u64 v)
{
	bpf_map_update_elem(&core_out, &k, &v, BPF_ANY);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int core_task(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	struct task_struct___v2 *t2 = (void *)t;
	struct task_struct___missing *tm = (void *)t;

	put(0, BPF_CORE_READ(t, real_parent, tgid));
	put(1, BPF_CORE_READ(t2, pid));
	put(2, BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork));
	put(3, bpf_core_field_exists(t->pid));
	if (bpf_core_field_exists(tm->no_such_field_here))
		put(4, BPF_CORE_READ(tm, no_such_field_here));
	put(5, bpf_core_field_size(t->comm));
	put(6, bpf_core_field_offset(t->comm));
	put(7, bpf_core_type_size(struct task_struct));
	put(8, bpf_core_type_exists(struct task_struct));
	put(9, bpf_core_type_matches(struct task_struct___v2));
	put(10, bpf_core_type_id_kernel(struct task_struct));
	put(11, bpf_core_type_id_local(struct task_struct));
	put(12, bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF));
	put(13, bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF));
	return 0;
}

// A CO-RE read in a bpf-to-bpf subprogram (.text): relocated where the program is linked.
static __noinline int parent_tgid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int core_sub(void *ctx)
{
	put(14, parent_tgid((void *)bpf_get_current_task()));
	return 0;
}

SEC("xdp")
int core_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	u8 *p = data;

	if (data + 16 > data_end)
		return XDP_PASS;
	// constant results of relocations, written where a test run can see them
	p[0] = bpf_core_enum_value(enum xdp_action, XDP_TX);
	p[1] = bpf_core_type_size(struct ethhdr);
	p[2] = bpf_core_field_offset(struct iphdr, daddr);
	p[3] = bpf_core_field_exists(struct xdp_md, rx_queue_index);
	// room for the optimizer: byte stores it can merge, a byte copy it can widen
	p[4] = 0;
	p[5] = 0;
	p[6] = 0;
	p[7] = 0;
	p[8] = p[12];
	p[9] = p[13];
	return bpf_core_enum_value(enum xdp_action, XDP_TX);
}

char LICENSE[] SEC("license") = "GPL";
