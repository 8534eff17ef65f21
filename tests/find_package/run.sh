#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs a built jitfuse into <build>/<name>/prefix, then configures, builds and runs the
# consumer project next to this script against that prefix only; the consumer's build gets the
# remaining arguments (another compiler; JITFUSE_CONSUMER_EXAMPLES=<dir>: the examples too,
# each then run).
# Usage: run.sh <jitfuse source dir> <jitfuse build dir> [config] [name] [consumer cmake args...]
# The ctest entry `find_package` passes CXX and CXXFLAGS of the main build (sanitizers
# included); `find_package-clang` builds the consumer and the examples with Clang.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 <jitfuse source dir> <jitfuse build dir> [config] [name] [consumer cmake args...]" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
config=${3:-Release}
work="$build/${4:-find_package}"
shift $(($# < 4 ? $# : 4))
prefix="$work/prefix"
consumer_build="$work/build"

rm -rf "$work"
cmake --install "$build" --config "$config" --prefix "$prefix"

generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
cmake -S "$src/tests/find_package" -B "$consumer_build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE="$config" \
    -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON "$@"
cmake --build "$consumer_build" --config "$config"

shopt -s nullglob
ran=0
for exe in "$consumer_build"{,/"$config"}/{consumer,example-*}; do
    [[ -f "$exe" && -x "$exe" ]] || continue
    echo "--- $(basename "$exe")"
    "$exe" > "$work/last-output.txt" || { cat "$work/last-output.txt"; exit 1; }
    head -3 "$work/last-output.txt"
    ran=$((ran + 1))
done
if [[ $ran -eq 0 ]]; then
    echo "run.sh: the consumer build made no program in $consumer_build" >&2
    exit 1
fi
