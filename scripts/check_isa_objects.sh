#!/usr/bin/env bash
# The objects compiled once per instruction set (kernels_isa.cpp, vector_math_isa.cpp) must not
# define the same external symbol twice: the linker would keep one of the copies, compiled for
# one set, and call it for every set (an AVX-512 helper on an AVX2 CPU: SIGILL).
# Usage: check_isa_objects.sh NM OBJECT...   (ctest entry isa-objects)
set -euo pipefail
nm_tool=$1
shift
twice=$(for object in "$@"; do "$nm_tool" --defined-only --extern-only "$object" | awk '{print $NF}' | sort -u; done |
        sort | uniq -d)
if [[ -n $twice ]]; then
    echo "defined in more than one per-instruction-set object (give them internal linkage:"
    echo "an anonymous namespace in the source):"
    if command -v c++filt > /dev/null; then c++filt <<< "$twice"; else echo "$twice"; fi
    exit 1
fi
echo "ok: the $# per-instruction-set objects define no external symbol twice"
