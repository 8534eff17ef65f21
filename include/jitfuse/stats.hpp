// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Counters of what jitfuse did: passes, allocations, bytes, compiles.

#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace jitfuse {

/// Counters since start (or the last `reset_stats()`), as JSON:
/// `{"launches": {"cpu": n, "cuda": n}, "allocations": {"count": n, "bytes": n},
///   "bytes": {"read": n, "written": n, "streamed": n}, "compiles": {"count": n, "ms": x},
///   "cache_hits": {"memory": n, "disk": n}, "cache_entries_rejected": n}` (rejected: corrupt
///   or foreign disk cache entries, rebuilt; streamed: the part of written that went through
///   the streaming stores of a CPU pass, a memcpy under the sanitizers; README "Streaming stores").
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
    std::atomic<std::uint64_t> bytes_streamed{0};
    std::atomic<std::uint64_t> compiles{0};
    std::atomic<std::uint64_t> compile_microseconds{0};
    std::atomic<std::uint64_t> memory_cache_hits{0};
    std::atomic<std::uint64_t> disk_cache_hits{0};
    std::atomic<std::uint64_t> cache_entries_rejected{0};
};

counters& stat_counters();

/// Whether the passes this thread runs count as launches (bytes always count).
inline bool& passes_counted_here() {
    thread_local bool counted = true;
    return counted;
}

/// Counts this thread's passes as launches, or not, until the scope ends: a statement run a
/// block of rows at a time counts the passes of one block, the passes a GPU would launch.
class passes_counted {
  public:
    explicit passes_counted(bool counted) : before_(passes_counted_here()) { passes_counted_here() = counted; }
    ~passes_counted() { passes_counted_here() = before_; }
    passes_counted(const passes_counted&) = delete;
    passes_counted& operator=(const passes_counted&) = delete;

  private:
    bool before_;
};

}  // namespace detail
}  // namespace jitfuse
