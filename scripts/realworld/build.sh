#!/bin/sh
# Build the real-world corpus (corpus/realworld/objects/): BPF objects that others wrote and
# Debian ships. Needs the packages libbpf-tools, xdp-tools and libxdp1 (apt-get install them);
# a collection whose package is missing is skipped with a message.
#   libbpf-tools/  objects embedded in the libbpf-tools executables (libbpf skeletons), cut out
#   xdp-tools/     xdp-tools' and libxdp's objects from the bpf library directory
# Then record the kernel's and the model's verdicts with scripts/realworld/record.ts (root).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
out="$here/corpus/realworld/objects"
mkdir -p "$out"
if dpkg -L libbpf-tools >/dev/null 2>&1; then
  rm -rf "$out/libbpf-tools"
  # Several names are symlinks to one executable (btrfsdist -> fsdist): take each file once.
  bins=$(dpkg -L libbpf-tools | grep '^/usr/sbin/.' | xargs -n1 readlink -f | sort -u)
  # shellcheck disable=SC2086
  node --import tsx "$here/scripts/realworld/extract-embedded.ts" "$out/libbpf-tools" $bins
else
  echo "libbpf-tools not installed: skipped (apt-get install libbpf-tools)" >&2
fi
if dpkg -L xdp-tools >/dev/null 2>&1 || dpkg -L libxdp1 >/dev/null 2>&1; then
  rm -rf "$out/xdp-tools"
  mkdir -p "$out/xdp-tools"
  for f in $( (dpkg -L xdp-tools 2>/dev/null; dpkg -L libxdp1 2>/dev/null) | grep '\.o$' | sort -u); do
    cp "$f" "$out/xdp-tools/"
  done
  echo "$(ls "$out/xdp-tools" | wc -l) xdp-tools objects into $out/xdp-tools"
else
  echo "xdp-tools/libxdp1 not installed: skipped (apt-get install xdp-tools libxdp1)" >&2
fi
