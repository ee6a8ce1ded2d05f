#!/bin/sh
# samples/bpf programs of linux-source-6.12 that build on their own (the *.bpf.c ones, against
# the running kernel's vmlinux.h) and the *_kern.c ones that need only UAPI headers, into
# corpus/realworld/objects/samples-bpf/. Files that do not build are listed with the reason.
# Needs: linux-source-6.12 (/usr/src/linux-source-6.12.tar.xz), clang-19, bpftool, libbpf-dev.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
tar=/usr/src/linux-source-6.12.tar.xz
[ -r "$tar" ] || { echo "$tar missing: samples skipped (apt-get install linux-source-6.12)" >&2; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf "$tar" -C "$work" --wildcards 'linux-source-6.12/samples/bpf/*' 'linux-source-6.12/tools/testing/selftests/bpf/trace_helpers.h' 2>/dev/null || true
src="$work/linux-source-6.12/samples/bpf"
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$src/vmlinux.h"
# the _kern.c samples include <uapi/linux/…>: the installed UAPI headers are those
mkdir -p "$work/inc" && ln -s /usr/include "$work/inc/uapi"
# …and the kernel-internal names they take from the kernel tree (values from include/linux)
cat > "$work/inc/kern-prelude.h" <<'H'
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
#define AF_INET 2
#define AF_INET6 10
#define SOL_SOCKET 1
#define SOL_TCP 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define TASK_COMM_LEN 16
H
out="$here/corpus/realworld/objects/samples-bpf"
rm -rf "$out"
mkdir -p "$out"
ok=0; bad=0
for f in "$src"/*.bpf.c "$src"/*_kern.c; do
  name=$(basename "$f" .c)
  pre=""; case "$name" in *_kern) pre="-include $work/inc/kern-prelude.h";; esac
  if err=$(clang-19 -target bpf -O2 -g -mcpu=v3 -D__TARGET_ARCH_x86 -I"$src" -I"$work/inc" -I/usr/include/x86_64-linux-gnu \
      -Wno-unused-value -Wno-pointer-sign -Wno-compare-distinct-pointer-types -Wno-address-of-packed-member $pre \
      -c "$f" -o "$out/$name.o" 2>&1); then
    ok=$((ok + 1))
  else
    bad=$((bad + 1))
    echo "$name: $(echo "$err" | grep -m1 'error:' | sed 's/^[^ ]* //')" >&2
    rm -f "$out/$name.o"
  fi
done
echo "samples/bpf: $ok built, $bad did not into $out"
