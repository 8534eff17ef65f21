// SPDX-License-Identifier: Apache-2.0
#pragma once
// GPU baselines (hand-written CUDA, Thrust, CUB), built with nvcc when jitfuse-bench is
// configured with -DJITFUSE_BENCH_CUDA=ON. Plain C++ interface: no CUDA header leaks out.
#include <cstdint>
#include <string>
#include <vector>

namespace bench::cuda {

struct timing {
    std::string variant;      ///< "cuda hand", "thrust", "cub", "cudaMemcpy"
    std::vector<double> ms;   ///< per call, from CUDA events, one entry per repeat
    std::vector<float> output;  ///< what the last call computed (one value for a reduction)
};

/// Empty when a CUDA device can be used, else why not.
std::string unavailable_reason();

/// The device's name and the driver and runtime versions, for the JSON.
std::string device_description();

/// Times the GPU baselines of `workload` ("copy", "chain", "dot", "saxpy", "cumsum"; others none)
/// on x and y (n floats each; y unused by copy and chain), copied to the device once.
std::vector<timing> run(const std::string& workload, const float* x, const float* y, std::int64_t n, int repeats);

}  // namespace bench::cuda
