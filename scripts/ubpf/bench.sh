#!/bin/sh
# Build the side-by-side driver against a ubpf build and run the comparison.
#   scripts/ubpf/bench.sh UBPF_DIR [side-by-side.ts options]
# UBPF_DIR holds ubpf's vm/ (ubpf_vm.c, ubpf_int.h, ebpf.h, inc/ubpf.h, inc/ubpf_config.h).
# Only the interpreter is built: scripts/ubpf/stubs.c stands in for the JIT entry points and
# the load-time instruction filter. Nothing is fetched; see BENCHMARKS.md "Interpreter side by
# side with ubpf (issue 20)" for the provenance of the copy measured there.
set -eu
[ $# -ge 1 ] || { echo "usage: scripts/ubpf/bench.sh UBPF_DIR [options]" >&2; exit 2; }
U=$1; shift
[ -f "$U/vm/ubpf_vm.c" ] || { echo "bench.sh: $U/vm/ubpf_vm.c not found" >&2; exit 1; }
B="$U/build"
mkdir -p "$B"
# -O2 as ubpf's own build does; only the interpreter (the JIT entry points are stubs).
for f in "$U"/vm/*.c; do
  case "$(basename "$f")" in ubpf_jit*|ubpf_loader.c|ubpf_instruction_valid.c|test.c|stubs.c) continue ;; esac
  cc -O2 -I"$U/vm" -I"$U/vm/inc" -c "$f" -o "$B/$(basename "$f" .c).o"
done
cc -O2 -I"$U/vm" -I"$U/vm/inc" -c "$(dirname "$0")/stubs.c" -o "$B/stubs.o"
cc -O2 -I"$U/vm/inc" -c "$(dirname "$0")/driver.c" -o "$B/driver.o"
cc -O2 -o "$B/ubpf-driver" "$B"/*.o
exec node --import tsx "$(dirname "$0")/side-by-side.ts" --driver "$B/ubpf-driver" "$@"
