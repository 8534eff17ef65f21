#!/usr/bin/env bash
# The objects compiled once per instruction set (kernels_isa.cpp, vector_math_isa.cpp) must not
# define the same external code symbol twice: the linker would keep one of the copies, compiled for
# one set, and call it for every set (an AVX-512 helper on an AVX2 CPU: SIGILL).
# Usage: check_isa_objects.sh NM OBJECT...   (ctest entry isa-objects)
set -euo pipefail
if (($# < 3)); then
    echo "usage: $0 NM OBJECT OBJECT..." >&2
    exit 2
fi
nm_tool=$1
shift
symbols=$(mktemp)
trap 'rm -f "$symbols"' EXIT
for object in "$@"; do
    # nm fails on what it cannot read; that must fail the check, not shorten the list.
    if ! listed=$("$nm_tool" --defined-only --extern-only "$object"); then
        echo "cannot list the symbols of $object with $nm_tool" >&2
        exit 2
    fi
    [[ -n $listed ]] || { echo "$object defines no external symbol: not an object of this build?" >&2; exit 2; }
    # Code only (T, W, i): data such as a weak DW.ref.__gxx_personality_v0 (V) is the same bytes
    # whatever the instruction set.
    awk '$2 ~ /^[TWi]$/ {print $NF}' <<< "$listed" | sort -u >> "$symbols"
done
twice=$(sort "$symbols" | uniq -d)
if [[ -n $twice ]]; then
    echo "defined in more than one per-instruction-set object (give them internal linkage:"
    echo "an anonymous namespace in the source):"
    if command -v c++filt > /dev/null; then c++filt <<< "$twice"; else echo "$twice"; fi
    exit 1
fi
echo "ok: the $# per-instruction-set objects define no external code symbol twice"
