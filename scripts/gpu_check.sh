#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On a machine with a GPU: builds the default preset, launches generated kernels through the
# driver (tests suite "backend", which fails here instead of skipping when no GPU is usable),
# then the same under compute-sanitizer when it is installed. Writes the log to
# bench/results/gpu-check-<gpu>-<date>.txt with the device, date and commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build build/default --target jitfuse-tests -j "$(nproc)"

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-' || true)
out="bench/results/gpu-check-${gpu:-unknown}-$(date -u +%Y-%m-%d).txt"
mkdir -p bench/results
{
    echo "device: ${gpu:-unknown}"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    echo "--- jitfuse-tests -ts=backend"
    JITFUSE_REQUIRE_GPU=1 build/default/jitfuse-tests -ts=backend -s 2>&1 | grep -v 'SUCCESS: CHECK' || status=$?
    if command -v compute-sanitizer >/dev/null 2>&1; then
        echo "--- compute-sanitizer --tool memcheck"
        JITFUSE_REQUIRE_GPU=1 compute-sanitizer --tool memcheck --error-exitcode 1 build/default/jitfuse-tests -ts=backend 2>&1 || status=$?
    fi
} | tee "$out"
echo "wrote $out"
exit "${PIPESTATUS[0]}"
