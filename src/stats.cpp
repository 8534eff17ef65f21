// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/stats.hpp"

#include "jitfuse/detail/evaluate.hpp"

namespace jitfuse {

namespace detail {
counters& stat_counters() {
    static counters c;
    return c;
}

void count_pass(std::uint64_t bytes_read, std::uint64_t bytes_written, const device& dev, std::uint64_t bytes_streamed) {
    auto& c = stat_counters();
    if (dev.is_cpu() && passes_counted_here()) c.cpu_launches.fetch_add(1, std::memory_order_relaxed);
    c.bytes_read.fetch_add(bytes_read, std::memory_order_relaxed);
    c.bytes_written.fetch_add(bytes_written, std::memory_order_relaxed);
    c.bytes_streamed.fetch_add(bytes_streamed, std::memory_order_relaxed);
}
}  // namespace detail

nlohmann::json stats() {
    const auto& c = detail::stat_counters();
    const auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
    return {
        {"launches", {{"cpu", get(c.cpu_launches)}, {"cuda", get(c.cuda_launches)}}},
        {"allocations", {{"count", get(c.allocations)}, {"bytes", get(c.allocated_bytes)}}},
        {"bytes", {{"read", get(c.bytes_read)}, {"written", get(c.bytes_written)}, {"streamed", get(c.bytes_streamed)}}},
        {"compiles", {{"count", get(c.compiles)}, {"ms", static_cast<double>(get(c.compile_microseconds)) / 1e3}}},
        {"cache_hits", {{"memory", get(c.memory_cache_hits)}, {"disk", get(c.disk_cache_hits)}}},
        {"cache_entries_rejected", get(c.cache_entries_rejected)},
    };
}

void reset_stats() {
    auto& c = detail::stat_counters();
    for (auto* v : {&c.cpu_launches, &c.cuda_launches, &c.allocations, &c.allocated_bytes,
                    &c.bytes_read, &c.bytes_written, &c.bytes_streamed, &c.compiles, &c.compile_microseconds,
                    &c.memory_cache_hits, &c.disk_cache_hits, &c.cache_entries_rejected})
        v->store(0, std::memory_order_relaxed);
}

}  // namespace jitfuse
