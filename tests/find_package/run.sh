#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs a built jitfuse into <build>/find_package/prefix, then configures, builds and runs the
# consumer project next to this script against that prefix only.
# Usage: run.sh <jitfuse source dir> <jitfuse build dir> [config]
# The ctest entry `find_package` passes CXX and CXXFLAGS of the main build (sanitizers included).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 <jitfuse source dir> <jitfuse build dir> [config]" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
config=${3:-Release}
work="$build/find_package"
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
    -DCMAKE_FIND_PACKAGE_PREFER_CONFIG=ON
cmake --build "$consumer_build" --config "$config"

exe="$consumer_build/consumer"
[[ -x "$exe" ]] || exe="$consumer_build/$config/consumer"
"$exe"
