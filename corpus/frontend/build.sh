#!/bin/sh
# Rebuild the front-end fixtures (committed, so tests need no clang): clang-19 -target bpf.
set -eu
cd "$(dirname "$0")"
clang-19 -target bpf -c legacy.s -o legacy.o
for f in callback undefined; do
  clang-19 -target bpf -O2 -g -mcpu=v3 -I/usr/include/x86_64-linux-gnu -c $f.c -o $f.o
done
