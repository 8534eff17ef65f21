// SPDX-License-Identifier: Apache-2.0
#pragma once
// The benchmark's workloads, each defined once: its size rule, the bytes one pass must move,
// and its variants (jitfuse fused, jitfuse one pass per op, the OpenMP loop). The workload's
// name is also the key the peer scripts (bench/peers/*.py) use for the same computation, and
// `shape` tells them the data to build.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

struct variant {
    std::string name;  ///< "jitfuse", "jitfuse unfused", "openmp -ffast-math", ...
    std::string kind;  ///< "jitfuse", "unfused" or "baseline"
    std::function<void()> run;
};

/// A workload set up for one size: its data lives as long as the variants.
struct prepared {
    std::vector<std::int64_t> shape;
    nlohmann::json params;  ///< what else the peers need (window, iterations, ...)
    std::vector<variant> variants;
    /// A number summarising the output the last variant wrote, to check variants agree.
    std::function<double()> digest;
    /// x and y of the float-vector workloads, for the GPU baselines (empty elsewhere).
    std::vector<const float*> host_inputs = {};
};

struct workload {
    std::string name;
    std::string what;  ///< one line for the table
    /// Bytes one pass must move per element (inputs read + outputs written); 0 = compute bound.
    double bytes_per_element;
    /// Relative difference of digests still counted as agreeing (fast math, summation order;
    /// digests themselves are double sums in different orders: >= 1e-12).
    double tolerance;
    bool sweep;  ///< part of the --sizes sweep
    /// The workload's elements per element of the suite's size (compute-bound ones run smaller).
    double size_factor;
    std::function<prepared(std::int64_t elements)> prepare;
};

/// Every workload, the copy (the bandwidth ceiling of this run) first.
const std::vector<workload>& workloads();

}  // namespace bench
