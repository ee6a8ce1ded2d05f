#!/usr/bin/env bash
# Record what libbpf does to the CO-RE corpus objects on this kernel: load each with
# `bpftool -d prog loadall` in a private mount namespace (its own bpffs, nothing left pinned)
# and keep libbpf's per-relocation lines ("relo #N: patched insn #I (...) imm A -> B",
# "substituting insn #I w/ invalid insn"), with the kernel and a hash of the target BTF
# (/sys/kernel/btf/vmlinux) they were resolved against, and the verifier's processed count
# of each program, in core/<name>.libbpf.txt.
# test/isa/core-libbpf.test.ts replays them without root when the hash matches.
# Needs root. Usage: corpus/record-core.sh [name ...]   (default: core_*.o)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
mkdir -p core
if [ $# -gt 0 ]; then names=("$@"); else names=(); for f in core_*.o; do names+=("$(basename "$f" .o)"); done; fi
btf_hash="$(sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1)"
for n in "${names[@]}"; do
	log="$(unshare -m sh -c "mount -t bpf bpf /sys/fs/bpf && bpftool -d prog loadall '$here/$n.o' /sys/fs/bpf/$n 2>&1 >/dev/null" || true)"
	{
		echo "# libbpf CO-RE relocations of $n.o, recorded by corpus/record-core.sh"
		echo "# kernel $(uname -r); $(bpftool version | head -1)"
		echo "# target-btf-sha256 $btf_hash"
		printf '%s\n' "$log" | sed -n "s/^libbpf: \(prog '[^']*': relo #[0-9]*: \(patched\|substituting\).*\)$/\1/p"
		# the verifier's processed count of each program (its load log follows "BEGIN PROG LOAD LOG")
		printf '%s\n' "$log" | awk "/^libbpf: prog '.*': -- BEGIN PROG LOAD LOG --/ { split(\$0, q, \"'\"); p = q[2] }
			/^processed [0-9]+ insns/ { print \"# processed \" p \" \" \$2 }"
	} >"core/$n.libbpf.txt"
	echo "recorded core/$n.libbpf.txt ($(grep -c "relo #" "core/$n.libbpf.txt") relocations)"
done
