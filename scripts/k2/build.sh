#!/bin/sh
# K2's benchmark programs (issue 20) built with clang-19 -O2 and the default BPF CPU (v1, as
# K2's own builds), for `bpfsynth optimize`:
#   - xdp_fwd_kern.c from linux-source-6.12 (/usr/src/linux-source-6.12.tar.xz) into
#     corpus/k2/ (committed, like corpus/realworld);
#   - with a directory argument, every *.c in it (third-party sources the user fetched: older
#     samples/bpf xdp1/xdp2/xdp_redirect/xdp_router_ipv4, hXDP's xdp_fw, Katran's xdp_pktcntr,
#     ebpf-se's xdp_map_access) into OUT (default /tmp/bpfsynth-k2), never into the tree.
#     Old sources must first have their `struct bpf_map_def SEC("maps")` maps rewritten as BTF
#     maps (libbpf 1.x loads only those) and their sections named `xdp`; shim.h (included
#     first) supplies the kernel-internal names they use.
# Prints "object section function slots" for each (lddw = 2).
# Usage: scripts/k2/build.sh [SRCDIR [OUT]]
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
shim="$here/scripts/k2/shim.h"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# sources that include <uapi/linux/...> get the installed UAPI headers
mkdir -p "$work/inc" && ln -s /usr/include "$work/inc/uapi"
cc() { # cc SRC OUT [extra -I]
  clang-19 -target bpf -O2 -g -I"/usr/include/$multiarch" -I"$work/inc" ${3:+-I"$3"} -include "$shim" \
    -Wno-unused-value -Wno-pointer-sign -Wno-compare-distinct-pointer-types \
    -Wno-address-of-packed-member -Wno-unused-label -Wno-unused-variable -Wno-uninitialized \
    -ffile-prefix-map="$(dirname "$1")"=src -c "$1" -o "$2"
}
tar=/usr/src/linux-source-6.12.tar.xz
if [ -r "$tar" ]; then
  tar -xJf "$tar" -C "$work" linux-source-6.12/samples/bpf/xdp_fwd_kern.c
  mkdir -p "$here/corpus/k2"
  cc "$work/linux-source-6.12/samples/bpf/xdp_fwd_kern.c" "$here/corpus/k2/xdp_fwd_kern.o"
  "$here/corpus/count-insns.sh" "$here/corpus/k2/xdp_fwd_kern.o"
else
  echo "$tar missing: xdp_fwd skipped (apt-get install linux-source-6.12)" >&2
fi
[ $# -ge 1 ] || exit 0
out=${2:-/tmp/bpfsynth-k2}
mkdir -p "$out"
for f in "$1"/*.c; do
  o="$out/$(basename "$f" .c).o"
  cc "$f" "$o" "$1"
  "$here/corpus/count-insns.sh" "$o"
done
