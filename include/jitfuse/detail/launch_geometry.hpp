// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file How many blocks a GPU pass is launched with, and how axis reductions and cumulative
/// scans split their lines among threads. Host-only and pure: the GPU passes, `explain` and
/// the tests all choose the launch here, from the work's size and how many threads the GPU
/// holds at once.

#include <algorithm>
#include <bit>
#include <cstdint>

namespace jitfuse::detail {

inline constexpr std::int64_t threads_per_block = 256;
/// Enough blocks to fill any current GPU; grid-stride loops cover the rest.
inline constexpr std::int64_t max_blocks = 65535;

/// What a launch plan needs to know of a GPU.
struct gpu_geometry {
    std::int64_t resident_threads;  ///< multiprocessors × threads each holds at once
};

/// The GPU `explain` plans for when there is none: 132 multiprocessors of 2048 threads (an
/// H100 or H200).
inline constexpr gpu_geometry nominal_gpu{132 * 2048};

/// Blocks of a launch with one thread per work item (grid-stride beyond `max_blocks`).
inline std::int64_t blocks_for(std::int64_t items) {
    return std::clamp<std::int64_t>((items + threads_per_block - 1) / threads_per_block, 1,
                                    max_blocks);
}

/// Blocks of a whole reduction's first pass: one wave of resident threads at most, so that
/// each thread folds many elements and the final pass merges few partial states (as CUB's
/// even-share grid does).
inline std::int64_t whole_reduction_blocks(std::int64_t items, gpu_geometry gpu) {
    const std::int64_t wave = std::max<std::int64_t>(1, gpu.resident_threads / threads_per_block);
    return std::min(blocks_for(items), wave);
}

/// How an axis reduction of `outputs` lines of `length` elements is launched. Work item
/// w = chunk * outputs + output is reduced by `group` adjacent threads, whose lanes read the
/// line at k = chunk * group + lane, stepping chunks * group. With one chunk the first pass
/// writes the results; with more, it writes a partial state per work item and a second pass
/// merges each output's chunks in order.
struct axis_reduction_launch {
    int group;            ///< a power of two from 1 to threads_per_block
    std::int64_t chunks;  ///< pieces each line is split into
    std::int64_t blocks;
};

/// Fewest elements a thread folds before a line is split further: keeps the partial states
/// a small fraction of the input read.
inline constexpr std::int64_t min_elements_per_thread = 16;

/// A line contiguous in memory (`along_rows`; see lines_contiguous) is read by a group as wide
/// as the line (up to a block), so short rows do not idle most of a block; other lines by one
/// thread per output, so a warp reads 32 neighbouring outputs. Lines are split into chunks
/// until the GPU's resident threads are busy, or threads would fold too few elements.
inline axis_reduction_launch plan_axis_reduction(std::int64_t outputs, std::int64_t length,
                                                 bool along_rows, gpu_geometry gpu) {
    const std::int64_t widest =
        std::bit_ceil(static_cast<std::uint64_t>(std::max<std::int64_t>(length, 1)));
    const int group = along_rows ? static_cast<int>(std::min(widest, threads_per_block)) : 1;
    const std::int64_t threads_per_chunk = std::max<std::int64_t>(outputs, 1) * group;
    const std::int64_t busy = (gpu.resident_threads + threads_per_chunk - 1) / threads_per_chunk;
    const std::int64_t worthwhile =
        std::max<std::int64_t>(1, length / (group * min_elements_per_thread));
    const std::int64_t chunks = std::clamp<std::int64_t>(busy, 1, worthwhile);
    const std::int64_t threads = outputs * chunks * group;
    return {group, chunks, blocks_for(threads)};
}

/// Fewest elements of a line one thread scans before lines are cut: each chunk's elements are
/// read twice (its total, then its scan), and the totals are scanned in turn.
inline constexpr std::int64_t min_scan_chunk = 64;

/// The chunks each of `lines` lines of `length` elements is scanned in: enough to busy the
/// GPU's resident threads, none shorter than min_scan_chunk (but a whole short line) and none
/// empty (the count is recomputed from the chunks' common length).
inline std::int64_t plan_scan_chunks(std::int64_t lines, std::int64_t length, gpu_geometry gpu) {
    const std::int64_t busy = (gpu.resident_threads + lines - 1) / std::max<std::int64_t>(lines, 1);
    const std::int64_t wanted =
        std::clamp<std::int64_t>(busy, 1, std::max<std::int64_t>(1, length / min_scan_chunk));
    const std::int64_t span = (length + wanted - 1) / wanted;
    return span > 0 ? (length + span - 1) / span : 1;
}

}  // namespace jitfuse::detail
