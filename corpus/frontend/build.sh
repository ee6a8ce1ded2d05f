#!/bin/sh
# Rebuild the front-end fixtures (committed, so tests need no clang): clang-19 -target bpf.
set -eu
cd "$(dirname "$0")"
for f in legacy iproute2; do clang-19 -target bpf -c $f.s -o $f.o; done
for f in callback undefined; do
  clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c $f.c -o $f.o
done
