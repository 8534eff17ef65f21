// SPDX-License-Identifier: Apache-2.0
#include "workload_parts.hpp"

namespace bench {

const std::vector<workload>& workloads() {
    static const std::vector<workload> all = [] {
        std::vector<workload> w = flat_workloads();
        for (auto& g : grid_workloads()) w.push_back(std::move(g));
        return w;
    }();
    return all;
}

}  // namespace bench
