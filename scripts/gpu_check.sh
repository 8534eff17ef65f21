#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On a machine with a GPU: builds the default preset, then
#  1. the "backend" test suite: kernels launched through the driver with hand-packed arguments,
#     and the GPU evaluator (arrays on cuda:0) against the CPU; it fails instead of skipping
#     when no GPU is usable;
#  2. the same under compute-sanitizer, when installed: memcheck (out-of-bounds reads and
#     writes), racecheck (shared-memory hazards) and synccheck (barriers), the faults the
#     emulated GPU cannot show;
#  3. the differential fuzzer on cuda:0 (its trees on random shapes and views against the
#     long-double reference; it passes on the emulated GPU in CI, ctest fuzz-emulated-gpu);
#  4. the whole suite with JITFUSE_DEVICE=cuda (arrays made without a device go to cuda:0); it
#     passes on the emulated GPU in CI (ctest unit-emulated-gpu-suite), so a failure here is a
#     difference of the real GPU (its math, its compiler, timing) or a bug the emulator cannot
#     show (out-of-bounds reads, races between blocks).
# Writes the log to bench/results/gpu-check-<gpu>-<date>.txt with the device, date and commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build build/default --target jitfuse-tests jitfuse-fuzz -j "$(nproc)"

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-' || true)
out="bench/results/gpu-check-${gpu:-unknown}-$(date -u +%Y-%m-%d).txt"
mkdir -p bench/results
exec > >(tee "$out") 2>&1
status=0
echo "device: ${gpu:-unknown}"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "commit: $(git rev-parse HEAD 2>/dev/null || echo unknown)"
echo "--- jitfuse-tests -ts=backend"
JITFUSE_REQUIRE_GPU=1 build/default/jitfuse-tests -ts=backend || status=$?
if command -v compute-sanitizer >/dev/null 2>&1; then
    for tool in memcheck racecheck synccheck; do
        echo "--- compute-sanitizer --tool $tool jitfuse-tests -ts=backend"
        JITFUSE_REQUIRE_GPU=1 compute-sanitizer --tool "$tool" --error-exitcode 1 build/default/jitfuse-tests -ts=backend || status=$?
    done
fi
echo "--- JITFUSE_DEVICE=cuda JITFUSE_FUZZ_BUDGET=3000 jitfuse-fuzz"
JITFUSE_DEVICE=cuda JITFUSE_FUZZ_BUDGET=3000 timeout 300 build/default/jitfuse-fuzz 2>&1 | tail -40 || status=$?
echo "--- JITFUSE_DEVICE=cuda jitfuse-tests -tse=scale"
suite_log=$(mktemp)
JITFUSE_DEVICE=cuda timeout 600 build/default/jitfuse-tests -tse=scale >"$suite_log" 2>&1 || status=$?
tail -300 "$suite_log"
rm -f "$suite_log"
echo "wrote $out (exit $status)"
exit "$status"
