#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs jitfuse-bench; arguments go to jitfuse-bench.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset default
cmake --build --preset default --target jitfuse-bench
./build/default/jitfuse-bench "${@:---peers}"
