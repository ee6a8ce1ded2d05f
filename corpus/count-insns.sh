#!/usr/bin/env bash
# Print "<object> <section> <function> <slots>" for every function in the
# given objects, from llvm-objdump's listing; slots count a 16-byte lddw as 2
# (the number the kernel's verifier sees as instructions).
set -euo pipefail
OBJDUMP=${OBJDUMP:-llvm-objdump-19}
for o in "$@"; do
	"$OBJDUMP" -d --no-show-raw-insn "$o" | awk -v obj="$(basename "$o")" '
		/^Disassembly of section / { sec = $4; sub(/:$/, "", sec) }
		/^[0-9a-f]+ <.*>:$/ { if (fn != "") print obj, sec0, fn, n; fn = $2; gsub(/[<>:]/, "", fn); sec0 = sec; n = 0 }
		/^ +[0-9]+:\t/ { n += ($0 ~ / ll$/) ? 2 : 1 }
		END { if (fn != "") print obj, sec0, fn, n }'
done
