// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CPU fallback's persistent thread pool with static chunking.

#include <cstdint>
#include <type_traits>

namespace jitfuse::cpu {

/// Workers the pool uses now (`JITFUSE_NUM_THREADS`, default: all hardware threads).
int num_threads();

namespace impl {
using chunk_fn = void (*)(void* context, std::int64_t begin, std::int64_t end);
void run_chunks(std::int64_t n, std::int64_t grain, chunk_fn fn, void* context);
}  // namespace impl

/// Splits [0, n) into at most `num_threads()` contiguous chunks of at least `grain` items
/// and runs `body(begin, end)` on each, the calling thread taking the first; returns when all
/// are done. Calls from inside a chunk run inline; calls from several host threads take turns.
/// The first exception a chunk throws is rethrown here.
template <class F>
void parallel_for(std::int64_t n, std::int64_t grain, F&& body) {
    using Fn = std::remove_reference_t<F>;
    impl::run_chunks(
        n, grain,
        [](void* context, std::int64_t begin, std::int64_t end) {
            (*static_cast<Fn*>(context))(begin, end);
        },
        const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace jitfuse::cpu
