// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CPU fallback's persistent thread pool with static chunking.

#include <cstdint>

#include "jitfuse/detail/callback_ref.hpp"

namespace jitfuse::cpu {

/// Workers the pool uses now (`JITFUSE_NUM_THREADS`, default: all hardware threads).
int num_threads();

/// The work of one chunk: positions [begin, end).
using chunk_body = detail::callback_ref<void(std::int64_t begin, std::int64_t end)>;

/// Splits [0, n) into at most `num_threads()` contiguous chunks of at least `grain` items
/// and runs `body(begin, end)` on each, the calling thread taking the first; returns when all
/// are done. Calls from inside a chunk run inline; calls from several host threads take turns.
/// The first exception a chunk throws is rethrown here.
void parallel_for(std::int64_t n, std::int64_t grain, chunk_body body);

}  // namespace jitfuse::cpu
