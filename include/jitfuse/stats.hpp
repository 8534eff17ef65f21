// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Counters of what jitfuse did: passes, allocations, bytes, compiles.

#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace jitfuse {

/// Counters since start (or the last `reset_stats()`), as JSON:
/// `{"launches": {"cpu": n, "cuda": n}, "allocations": {"count": n, "bytes": n},
///   "bytes": {"read": n, "written": n}, "compiles": {"count": n, "ms": x},
///   "cache_hits": {"memory": n, "disk": n}, "cache_entries_rejected": n}` (rejected: corrupt
///   or foreign disk cache entries, rebuilt).
nlohmann::json stats();

/// Sets every counter to zero.
void reset_stats();

namespace detail {

struct counters {
    std::atomic<std::uint64_t> cpu_launches{0};
    std::atomic<std::uint64_t> cuda_launches{0};
    std::atomic<std::uint64_t> allocations{0};
    std::atomic<std::uint64_t> allocated_bytes{0};
    std::atomic<std::uint64_t> bytes_read{0};
    std::atomic<std::uint64_t> bytes_written{0};
    std::atomic<std::uint64_t> compiles{0};
    std::atomic<std::uint64_t> compile_microseconds{0};
    std::atomic<std::uint64_t> memory_cache_hits{0};
    std::atomic<std::uint64_t> disk_cache_hits{0};
    std::atomic<std::uint64_t> cache_entries_rejected{0};
};

counters& stat_counters();

}  // namespace detail
}  // namespace jitfuse
