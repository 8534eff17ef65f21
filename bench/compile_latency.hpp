// SPDX-License-Identifier: Apache-2.0
#pragma once
// Compile latency of generated kernels: cold (NVRTC), disk-cache hit, memory hit, and the
// host time of a cached dispatch.
#include <nlohmann/json.hpp>

namespace bench {
/// Prints a table and returns the raw numbers; `null` with a note when NVRTC is missing.
nlohmann::json measure_compile_latency(int repeats);
}  // namespace bench
