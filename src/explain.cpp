// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/explain.hpp"

#include <algorithm>
#include <string>

#include "jitfuse/detail/gpu_eval.hpp"
#include "jitfuse/detail/kernel_cache.hpp"
#include "jitfuse/error.hpp"

namespace jitfuse::detail {

namespace {
const char* layout_name(layout how) {
    switch (how) {
        case layout::flat_vector: return "flat_vector";
        case layout::flat: return "flat";
        default: return "strided";
    }
}
}  // namespace

kernel_info describe_launch(const pass_plan& plan) {
    dump_source(*plan.src);
    kernel_info info;
    info.source = plan.src->source;
    info.headers.emplace(std::string(prelude_name), std::string(device_prelude()));
    for (const kernel_entry& k : plan.src->kernels) info.kernel_names.push_back(k.name);
    info.kernel_name = info.kernel_names.at(plan.first_kernel);
    info.layout = layout_name(plan.how);
    info.grid = {plan.blocks, 1, 1};
    info.block = {threads_per_block, 1, 1};
    info.bytes_read = plan.bytes_read;
    info.bytes_written = plan.bytes_written;
    return info;
}

gpu_geometry explained_gpu() {
    const device dev = default_device();
    return dev.is_cpu() ? nominal_gpu : full_occupancy(dev.index());
}

void compile_into_caches(const generated_source& src, std::string_view arch) {
    dump_source(src);
    if (arch != "native") {
        compiled_binary(src, arch);
        return;
    }
    // The default device's GPU, else the first.
    const device dev = default_device();
    if (dev.is_cpu() && cuda::gpu_count() == 0)
        throw device_error("precompile(..., \"native\") compiles for this machine's GPU, and none is usable (" +
                           cuda::unavailable_reason() + "); name an arch (\"sm_90\") to compile without a GPU");
    compiled_binary(src, cuda::gpu(dev.is_cpu() ? 0 : dev.index()).arch);
}

}  // namespace jitfuse::detail
