#!/usr/bin/env bash
# Build the kernel's BPF verifier selftests (tools/testing/selftests/bpf/progs) from Debian's
# linux-source-6.12 with clang-19, the way the selftests' Makefile does (CLANG_BPF_BUILD_RULE:
# -g -O2 --target=bpf -mcpu=v3, BPF_CFLAGS, -DENABLE_ATOMICS_TESTS), against a vmlinux.h dumped
# from the running kernel's BTF.
#
#   scripts/selftests/build.sh [WORKDIR] [OUTDIR]
#
# WORKDIR (default scratch/selftests) receives the unpacked sources, headers and the build log;
# OUTDIR (default corpus/selftests/obj) the objects. Files that do not build are listed in
# OUTDIR/../build-failures.tsv (file, first error line). Needs: linux-source-6.12, clang-19,
# bpftool, python3 (the kernel's bpf_doc.py writes bpf_helper_defs.h).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$here/scratch/selftests}
out=${2:-$here/corpus/selftests/obj}
tarball=${LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
clang=${CLANG:-clang-19}
strip=${LLVM_STRIP:-llvm-strip-19}
top=linux-source-6.12
[ -r "$tarball" ] || { echo "build.sh: $tarball not found (apt-get install linux-source-6.12)" >&2; exit 1; }
command -v "$clang" >/dev/null || { echo "build.sh: $clang not found (apt-get install clang-19)" >&2; exit 1; }
mkdir -p "$work" "$out"
src=$work/$top
if [ ! -d "$src/tools/testing/selftests/bpf/progs" ]; then
  echo "unpacking selftests from $tarball" >&2
  tar -xJf "$tarball" -C "$work" --wildcards "$top/tools/testing/selftests/bpf/*" "$top/tools/include/*" \
    "$top/tools/lib/bpf/*" "$top/tools/arch/*" "$top/scripts/bpf_doc.py"
fi
inc=$work/include
mkdir -p "$inc/bpf"
cp "$src"/tools/lib/bpf/*.h "$inc/bpf/"
python3 "$src/scripts/bpf_doc.py" --header --file "$src/tools/include/uapi/linux/bpf.h" > "$inc/bpf/bpf_helper_defs.h"
# The running kernel's types, as the selftests' Makefile takes them from its VMLINUX_BTF.
btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
bpftool btf dump file "$btf" format c > "$inc/vmlinux.h"

sel=$src/tools/testing/selftests/bpf
sys_includes=$("$clang" -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
# shellcheck disable=SC2206
cflags=(-g -Wall -Werror -D__TARGET_ARCH_x86 -mlittle-endian -I"$inc" -I"$sel" -I"$src/tools/include/uapi"
  -Wno-compare-distinct-pointer-types $sys_includes -DENABLE_ATOMICS_TESTS -O2 --target=bpf -mcpu=v3)
fails=$out/../build-failures.tsv
: > "$fails"
# The verifier suite plus every other prog that carries test_loader annotations.
mapfile -t files < <(cd "$sel/progs" && grep -lE '__(success|failure|msg|retval)\b' ./*.c | sed 's|^\./||' | sort)
ok=0
for f in "${files[@]}"; do
  o=$out/${f%.c}.bpf.o
  if [ -s "$o" ] && [ "$o" -nt "$sel/progs/$f" ]; then ok=$((ok + 1)); continue; fi
  if err=$("$clang" "${cflags[@]}" -c "$sel/progs/$f" -o "$o.tmp" 2>&1); then
    # DWARF is not needed (BTF and BTF.ext stay): the committed objects are a fifth of the size.
    "$strip" --strip-debug "$o.tmp"
    mv "$o.tmp" "$o"
    ok=$((ok + 1))
  else
    rm -f "$o.tmp"
    first=$(printf '%s\n' "$err" | grep -m1 -E 'error:' || printf '%s\n' "$err" | head -1)
    printf '%s\t%s\n' "$f" "${first//$sel\/progs\//}" >> "$fails"
  fi
done
echo "built $ok of ${#files[@]} objects into $out; $(wc -l < "$fails") failed (see $fails)" >&2
