#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On a machine with a GPU: builds jitfuse-bench with its CUDA baselines (nvcc: hand-written
# kernels, Thrust, CUB), runs the suite at 2^26 elements (the size the GPU targets name) on the
# CPU and on cuda:0 side by side, and writes bench/results/gpu-bench-<gpu>-<date>.json (device,
# date, commit, every raw repeat) and .txt (the printed tables). Arguments go to jitfuse-bench
# (e.g. --only chain,dot --repeats 20).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
cmake --preset default -DJITFUSE_BENCH_CUDA=ON >/dev/null
cmake --build build/default --target jitfuse-bench -j "$(nproc)"

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-' || true)
base="bench/results/gpu-bench-${gpu:-unknown}-$(date -u +%Y-%m-%d)"
mkdir -p bench/results
build/default/jitfuse-bench --n $((1 << 26)) --json "$base.json" "$@" | tee "$base.txt"
echo "wrote $base.json and $base.txt"
