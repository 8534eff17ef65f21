// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/explain.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>

#include "jitfuse/config.hpp"
#include "jitfuse/detail/nvrtc.hpp"
#include "jitfuse/error.hpp"
#include "jitfuse/stats.hpp"

namespace jitfuse::detail {

namespace {
constexpr std::int64_t threads_per_block = 256;
// Enough blocks to fill any current GPU; grid-stride loops cover the rest.
constexpr std::int64_t max_blocks = 65535;

const char* layout_name(layout how) {
    switch (how) {
        case layout::flat_vector: return "flat_vector";
        case layout::flat: return "flat";
        default: return "strided";
    }
}
}  // namespace

kernel_info describe_launch(const generated_source& src, layout how, std::int64_t items, launch_unit unit,
                            std::uint64_t bytes_read, std::uint64_t bytes_written) {
    kernel_info info;
    info.source = src.source;
    info.headers.emplace(std::string(prelude_name), std::string(device_prelude()));
    info.kernel_names = src.kernel_names;
    info.kernel_name = src.kernel_names.front();
    info.layout = layout_name(how);
    const std::int64_t blocks = unit == launch_unit::block ? items : (items + threads_per_block - 1) / threads_per_block;
    info.grid = {std::clamp<std::int64_t>(blocks, 1, max_blocks), 1, 1};
    info.block = {threads_per_block, 1, 1};
    info.bytes_read = bytes_read;
    info.bytes_written = bytes_written;
    return info;
}

void compile_once(const generated_source& src, std::string_view arch) {
    if (arch == "native")
        throw device_error("precompile(..., \"native\") needs a GPU to ask its architecture; name one "
                           "(\"sm_90\") to compile without a GPU");
    const bool fast = config().fast_math;
    const std::string key = std::string(arch) + (fast ? "/fast\n" : "\n") + src.source;
    static std::mutex mutex;
    static std::unordered_map<std::string, compiled_kernel> compiled;  // the memory cache
    auto& c = stat_counters();
    {
        std::lock_guard lock(mutex);
        if (compiled.count(key)) {
            c.memory_cache_hits.fetch_add(1, std::memory_order_relaxed);
            return;
        }
    }
    compiled_kernel k = nvrtc_compile(src.source, arch, fast);
    c.compiles.fetch_add(1, std::memory_order_relaxed);
    c.compile_microseconds.fetch_add(static_cast<std::uint64_t>(k.milliseconds * 1e3), std::memory_order_relaxed);
    std::lock_guard lock(mutex);
    compiled.emplace(key, std::move(k));
}

}  // namespace jitfuse::detail
