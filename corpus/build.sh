#!/usr/bin/env bash
# Build the BPF program corpus: every src/<name>.c -> <name>.o, plus the
# disassembly listings objdump/<name>.txt (no raw bytes) and
# objdump/<name>.raw.txt (with raw bytes), both with --mcpu=v4 so that 32-bit
# operands print as wN (the instructions are the same at every -mcpu).
#
# Deterministic: the only path-dependent input (the source directory, which
# lands in DWARF and BTF line info) is mapped to a fixed prefix, so the same
# compiler gives byte-identical objects wherever the tree is checked out.
# Uses clang's default BPF CPU (no -mcpu); see README.md.
#
# Usage: corpus/build.sh [name ...]   (default: every src/*.c)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

CLANG=${CLANG:-clang-19}
OBJDUMP=${OBJDUMP:-llvm-objdump-19}

ensure_toolchain() {
	if command -v "$CLANG" >/dev/null && command -v "$OBJDUMP" >/dev/null &&
	   [ -f /usr/include/bpf/bpf_helpers.h ]; then
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "build.sh: need $CLANG, $OBJDUMP and libbpf-dev; run as root to install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq clang-19 llvm-19 libbpf-dev >/dev/null
}

ensure_toolchain

multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
CFLAGS=(
	-O2 -g -target bpf
	-Wall -Werror
	-D__TARGET_ARCH_x86
	-I"/usr/include/$multiarch"
	-ffile-prefix-map="$here"=corpus
)

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in src/*.c; do
		n="$(basename "$f" .c)"
		names+=("$n")
	done
fi

# CO-RE programs include "vmlinux.h": generated here from the running kernel's BTF (not
# committed: it is 3 MB and kernel-specific; the .o records the types it used in its .BTF).
needs_vmlinux=
for n in "${names[@]}"; do grep -q '#include "vmlinux.h"' "src/$n.c" && needs_vmlinux=1; done
if [ -n "$needs_vmlinux" ]; then
	mkdir -p .build
	bpftool btf dump file /sys/kernel/btf/vmlinux format c >.build/vmlinux.h
	CFLAGS+=(-I"$here/.build")
fi

mkdir -p objdump
for n in "${names[@]}"; do
	"$CLANG" "${CFLAGS[@]}" -c "$here/src/$n.c" -o "$n.o"
	# vmlinux.h puts megabytes of DWARF in the object; BTF (kept) is what CO-RE needs
	if grep -q '#include "vmlinux.h"' "src/$n.c"; then "${STRIP:-llvm-strip-19}" -g "$n.o"; fi
	"$OBJDUMP" -d --mcpu=v4 --no-show-raw-insn "$n.o" >"objdump/$n.txt"
	"$OBJDUMP" -d --mcpu=v4 "$n.o" >"objdump/$n.raw.txt"
	echo "built $n.o"
done
