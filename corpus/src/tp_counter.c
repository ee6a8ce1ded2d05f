// SPDX-License-Identifier: GPL-2.0
/* Count openat() calls per process (tgid) from the syscalls:sys_enter_openat
 * tracepoint; calls that create files (O_CREAT) are also counted apart. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define O_CREAT_FLAG 0100	/* octal, as in <asm-generic/fcntl.h> */

/* Layout of the tracepoint's record (see its format file in tracefs). */
struct sys_enter_openat_args {
	__u64 common;		/* common_type, flags, preempt_count, pid */
	__s32 syscall_nr;
	__u32 pad;
	__u64 dfd;
	__u64 filename;
	__u64 flags;
	__u64 mode;
};

struct open_counts {
	__u64 calls;
	__u64 creates;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_counts);
} opens_by_pid SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_counter(struct sys_enter_openat_args *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 creates = (ctx->flags & O_CREAT_FLAG) ? 1 : 0;
	struct open_counts *cnt, init;

	cnt = bpf_map_lookup_elem(&opens_by_pid, &pid);
	if (cnt) {
		__sync_fetch_and_add(&cnt->calls, 1);
		if (creates)
			__sync_fetch_and_add(&cnt->creates, 1);
		return 0;
	}

	init.calls = 1;
	init.creates = creates;
	bpf_map_update_elem(&opens_by_pid, &pid, &init, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
