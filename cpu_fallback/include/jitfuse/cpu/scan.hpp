// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Scans and rolling windows on the CPU, in place: the pass first evaluates the input
/// expression into the output (fused, tile by tile), then these functions rewrite each line
/// along the axis. Lines are processed in groups of adjacent lines ("lanes") when the axis is
/// not the one that is contiguous in memory, so that each step reads neighbouring elements.
/// A scan or rolling window over one long line evaluates its input itself, piece by piece
/// (fused_line). Results never depend on the thread count, nor on how lines are grouped into
/// lanes.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "jitfuse/cpu/elementwise.hpp"
#include "jitfuse/cpu/kernels.hpp"
#include "jitfuse/cpu/thread_pool.hpp"

namespace jitfuse::cpu {

/// Elements per block of a cumulative scan: fixed, so a long line split over threads gives
/// the same bits as one thread.
inline constexpr std::int64_t scan_block = 1 << 14;
/// Lines scanned together when the axis is not the contiguous one.
inline constexpr std::int64_t scan_lanes = 32;
/// Rolling windows keep two block suffixes per lane (2 * window * lanes values per thread);
/// fewer lanes for long windows keep that near this many values.
inline constexpr std::int64_t rolling_buffer = 1 << 16;

/// The lines of an array along one axis, in groups of up to `chunk` lines adjacent along the
/// lane axis. Element k of lane l of a group starts at `offset(g)` + k * step + l * lane_step.
template <int R>
struct line_groups {
    std::int64_t length = 0, step = 0;
    std::int64_t lane_extent = 1, lane_step = 0, chunk = 1, chunks = 1;
    std::array<std::int64_t, R> outer_extent{}, outer_stride{};
    int outer_dims = 0;
    std::int64_t count = 0;

    line_groups(const shape_t<R>& shape, const shape_t<R>& strides, int axis, std::int64_t max_chunk)
        : length(shape[axis]), step(strides[axis]) {
        // Lanes along the other axis nearest in memory, if it is nearer than the axis itself.
        int lane = -1;
        for (int d = R - 1; d >= 0; --d)
            if (d != axis && shape[d] > 1 && (lane < 0 || std::llabs(strides[d]) < std::llabs(strides[lane]))) lane = d;
        if (lane >= 0 && std::llabs(strides[lane]) < std::llabs(step)) {
            lane_extent = shape[lane];
            lane_step = strides[lane];
            chunk = std::min(max_chunk, lane_extent);
            chunks = (lane_extent + chunk - 1) / chunk;
        } else {
            lane = -1;
        }
        count = chunks;
        for (int d = 0; d < R; ++d)
            if (d != axis && d != lane) {
                outer_extent[outer_dims] = shape[d];
                outer_stride[outer_dims++] = strides[d];
                count *= shape[d];
            }
    }

    /// Element offset of group g's first lane; `lanes` receives its number of lanes.
    std::int64_t offset(std::int64_t g, std::int64_t& lanes) const {
        const std::int64_t c = g % chunks;
        lanes = std::min(chunk, lane_extent - c * chunk);
        std::int64_t off = c * chunk * lane_step;
        g /= chunks;
        for (int d = outer_dims - 1; d >= 0; --d) {
            off += g % outer_extent[d] * outer_stride[d];
            g /= outer_extent[d];
        }
        return off;
    }
};

/// p[k * step] = carry (+) p[k * step] for k < n.
template <class Op, class V>
void add_carry(V* p, std::int64_t n, std::int64_t step, V carry) {
    if (step == 1)  // the common case, vectorised
        for (std::int64_t k = 0; k < n; ++k) p[k] = Op::combine(carry, p[k]);
    else
        for (std::int64_t k = 0; k < n; ++k) p[k * step] = Op::combine(carry, p[k * step]);
}

/// Independent running folds in one scan_run: each waits only on itself, so they overlap.
inline constexpr std::int64_t scan_chains = 4;

/// Inclusive scan in place of the n elements p[0], p[step], ...: the run cut into scan_chains
/// segments scanned side by side, then each segment after the first started from the fold
/// of the totals before it. A single running fold would wait on each combine (its latency,
/// not the memory, would set the speed). Short runs are one fold.
template <class Op, class V>
void scan_run(V* p, std::int64_t n, std::int64_t step) {
    const std::int64_t q = n / scan_chains;  // segment length; the last takes the remainder
    if (q < 64) {
        for (std::int64_t k = 1; k < n; ++k) p[k * step] = Op::combine(p[(k - 1) * step], p[k * step]);
        return;
    }
    V run[scan_chains];
    for (int c = 0; c < scan_chains; ++c) run[c] = p[c * q * step];
    for (std::int64_t k = 1; k < q; ++k)
        for (int c = 0; c < scan_chains; ++c) {
            V& x = p[(c * q + k) * step];
            x = run[c] = Op::combine(run[c], x);
        }
    for (std::int64_t k = scan_chains * q; k < n; ++k) {
        V& x = p[k * step];
        x = run[scan_chains - 1] = Op::combine(run[scan_chains - 1], x);
    }
    V offset = run[0];
    for (int c = 1; c < scan_chains; ++c) {
        const std::int64_t begin = c * q, end = c + 1 < scan_chains ? begin + q : n;
        add_carry<Op>(p + begin * step, end - begin, step, offset);
        offset = Op::combine(offset, run[c]);
    }
}

/// Inclusive scan of `lanes` lines in place, block by block: each value is
/// carry (+) block-local scan, and the carry grows by the block's total. Block 0 skips the
/// carry so that -0.0 and NaN payloads come out untouched.
template <class Op, class V>
void scan_group(V* p, std::int64_t length, std::int64_t step, std::int64_t lanes, std::int64_t lane_step) {
    V local[scan_lanes], carry[scan_lanes];
    // Branch-free inner loops (they vectorise across lanes): the block's first row starts
    // the local scans, and the first block has no carry.
    const auto block = [&](std::int64_t b0, std::int64_t b1, auto first_block) {
        if (lanes == 1) {  // one line: no lanes to overlap, scan_run's chains instead
            V* const run = p + b0 * step;
            scan_run<Op>(run, b1 - b0, step);
            if constexpr (!first_block()) add_carry<Op>(run, b1 - b0, step, carry[0]);
            carry[0] = run[(b1 - b0 - 1) * step];  // carry (+) the block's total, as below
            return;
        }
        for (std::int64_t l = 0; l < lanes; ++l) local[l] = p[b0 * step + l * lane_step];
        for (std::int64_t k = b0 + 1; k < b1; ++k) {
            V* row = p + k * step;
            for (std::int64_t l = 0; l < lanes; ++l) row[l * lane_step] = local[l] = Op::combine(local[l], row[l * lane_step]);
        }
        if constexpr (!first_block())
            for (std::int64_t k = b0; k < b1; ++k) {
                V* row = p + k * step;
                for (std::int64_t l = 0; l < lanes; ++l) row[l * lane_step] = Op::combine(carry[l], row[l * lane_step]);
            }
        for (std::int64_t l = 0; l < lanes; ++l) carry[l] = first_block() ? local[l] : Op::combine(carry[l], local[l]);
    };
    block(0, std::min(length, scan_block), std::true_type{});
    for (std::int64_t b0 = scan_block; b0 < length; b0 += scan_block)
        block(b0, std::min(length, b0 + scan_block), std::false_type{});
}

/// The same result as scan_group for one long line, its blocks spread over the threads:
/// each block filled (`fill(begin, end)`, which may evaluate the scan's input into it) and
/// scanned while in cache, in parallel; the carries in order; then the carries added in
/// parallel.
template <class Op, class V, class Fill>
void scan_long_line(V* p, std::int64_t length, std::int64_t step, Fill&& fill) {
    const std::int64_t blocks = (length + scan_block - 1) / scan_block;
    const auto size = [&](std::int64_t b) { return std::min(scan_block, length - b * scan_block); };
    std::vector<V> carry(static_cast<std::size_t>(blocks));
    parallel_for(blocks, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t b = first; b < last; ++b) {
            fill(b * scan_block, b * scan_block + size(b));
            V* const block = p + b * scan_block * step;
            scan_run<Op>(block, size(b), step);
            carry[b] = block[(size(b) - 1) * step];  // the block's total for now
        }
    });
    // The carry into block b folds the totals of blocks 0 .. b-1, in order.
    V running = carry[0];
    for (std::int64_t b = 1; b < blocks; ++b) {
        const V total = carry[b];
        carry[b] = running;
        running = Op::combine(running, total);
    }
    parallel_for(blocks - 1, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t b = first + 1; b < last + 1; ++b) add_carry<Op>(p + b * scan_block * step, size(b), step, carry[b]);
    });
}

/// The suffix folds of the block [s, e) of `lanes` lines: suffix[(k - s) * lanes + l] folds
/// elements k .. e - 1 of lane l.
template <class Op, class V, class At>
void block_suffixes(At&& at, std::int64_t s, std::int64_t e, std::int64_t lanes, V* suffix) {
    for (std::int64_t k = e - 1; k >= s; --k)
        for (std::int64_t l = 0; l < lanes; ++l)
            suffix[(k - s) * lanes + l] = k == e - 1 ? at(k, l) : Op::combine(at(k, l), suffix[(k - s + 1) * lanes + l]);
}

/// The widest window roll_group rolls roll_lanes blocks at a time (roll_kernel): its scratch,
/// (2 * roll_lanes + 1) * window values, then stays within about 2 MiB.
inline constexpr std::int64_t widest_rolled_window = 1 << 14;

/// Rolling windows ending at k in [begin, end) of `lanes` lines in place (van Herk /
/// Gil-Werman). The line is cut into blocks of `window` from its start; the window ending at
/// k starts at j = k - window + 1 in the previous block and is the fold of that block's
/// suffix from j and this block's prefix up to k. Each output folds at most 2 * window
/// values (sums: error ~window ulp) in O(1) per element, with no running subtraction: an Inf
/// or NaN that leaves the window leaves no trace. `begin` starts a block; `previous` holds
/// the suffixes of the block before it (when begin > 0), `current` room for as many
/// (window * lanes values each). Needs window <= the line's length.
///
/// Lanes of several lines advance together. A lone line rolls roll_lanes<V> whole blocks at
/// a time instead (roll_kernel): each block one lane of a vector, its values folded in the
/// same order as here, so that the bits are the same whichever path a block takes.
template <class Op, class V>
void roll_group(V* p, std::int64_t begin, std::int64_t end, std::int64_t step, std::int64_t lanes,
                std::int64_t lane_step, std::int64_t window, V* previous, V* current) {
    constexpr V nan = std::numeric_limits<V>::quiet_NaN();
    // Whole groups of blocks, at least one block left for the loop below.
    const std::int64_t groups = (end - begin - 1) / (roll_lanes<V> * window);
    if (lanes == 1 && groups > 0 && window <= widest_rolled_window) {
        std::vector<V> scratch(static_cast<std::size_t>((2 * roll_lanes<V> + 1) * window));
        roll_kernel<Op>(p + begin * step, groups, step, window, previous, scratch.data());
        if (begin == 0)  // the line's first window - 1 outputs: no window is full yet
            for (std::int64_t k = 0; k + 1 < window; ++k) p[k * step] = nan;
        begin += groups * roll_lanes<V> * window;
    }
    const auto at = [&](std::int64_t k, std::int64_t l) -> V& { return p[k * step + l * lane_step]; };
    V prefix[scan_lanes]{};  // set at each block start; initialised for -Wmaybe-uninitialized
    for (std::int64_t s = begin; s < end; s += window) {
        const std::int64_t e = std::min(end, s + window);
        if (e < end) block_suffixes<Op, V>(at, s, e, lanes, current);  // before the block is overwritten
        for (std::int64_t k = s; k < e; ++k)
            for (std::int64_t l = 0; l < lanes; ++l) {
                V& x = at(k, l);
                prefix[l] = k == s ? x : Op::combine(prefix[l], x);
                if (k < window - 1) x = nan;
                else if (k == s + window - 1) x = Op::finish(prefix[l], window);
                else x = Op::finish(Op::combine(previous[(k - s + 1) * lanes + l], prefix[l]), window);
            }
        std::swap(previous, current);
    }
}

/// roll_group for one long line, in segments of whole blocks spread over the threads: the
/// suffixes of the block before each segment are taken first, before any segment is
/// overwritten. The same arithmetic as one roll_group over the line, so the same bits.
/// `fill(begin, end)` writes the input to elements [begin, end) just before they are read
/// (it may evaluate an expression; it may be asked for the same elements twice).
template <class Op, class V, class Fill>
void roll_long_line(V* p, std::int64_t length, std::int64_t step, std::int64_t window, std::int64_t segment, Fill&& fill) {
    const std::int64_t segments = (length + segment - 1) / segment;
    const auto at = [&](std::int64_t k, std::int64_t) -> V& { return p[k * step]; };
    std::vector<V> before(static_cast<std::size_t>(segments * window));
    parallel_for(segments - 1, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t g = first + 1; g < last + 1; ++g) {
            fill(g * segment - window, g * segment);
            block_suffixes<Op, V>(at, g * segment - window, g * segment, 1, before.data() + g * window);
        }
    });
    parallel_for(segments, 1, [&](std::int64_t first, std::int64_t last) {
        std::vector<V> current(static_cast<std::size_t>(2 * window));
        for (std::int64_t g = first; g < last; ++g) {
            const std::int64_t end = std::min(length, (g + 1) * segment);
            fill(g * segment, end);
            std::copy_n(before.data() + g * window, window, current.data() + window);
            roll_group<Op>(p, g * segment, end, step, 1, 0, window, current.data() + window, current.data());
        }
    });
}

/// The length of the pieces a line is cut into to share it over the threads: scan blocks, or
/// whole rolling blocks of about rolling_buffer elements; 0 where it is not cut (long
/// windows, whose suffixes kept per piece would pass 1/16 of the piece).
template <class Op>
std::int64_t line_segment(std::int64_t window) {
    if constexpr (Op::rolling) return window <= rolling_buffer / 16 ? rolling_buffer / window * window : 0;
    else return scan_block;
}

/// Is a line of `length` cut into at least 4 pieces (line_segment) to share it out?
template <class Op>
bool cuts_line(std::int64_t length, std::int64_t window) {
    const std::int64_t segment = line_segment<Op>(window);
    return segment > 0 && length >= 4 * segment;
}

/// Is `shape` one line along `axis` long enough for fused_line to share it out?
template <class Op, int R>
bool long_single_line(const shape_t<R>& shape, int axis, std::int64_t window) {
    for (int d = 0; d < R; ++d)
        if (d != axis && shape[d] != 1) return false;
    return cuts_line<Op>(shape[axis], window);
}

/// `out` = the scan (`Op`) of `e` when `out` is one long line along `axis` (long_single_line):
/// scan_long_line or roll_long_line with each piece evaluated from `e` just before it is
/// rewritten, so the output is written and reread while in cache, not in a pass of its own.
template <class Op, class V, int R, detail::expression E>
void fused_line(const array<V, R>& out, int axis, std::int64_t window, const E& e, bool fast_math) {
    const loop_plan<R> plan = elementwise_plan<R>(out.shape(), std::tie(out), std::tuple{e}, fast_math);
    const auto fill = [&](std::int64_t begin, std::int64_t end) {
        evaluate_part<R>(plan, std::tie(out), std::tuple{e}, {false, begin, end});
    };
    const std::int64_t step = out.strides()[axis];
    if constexpr (Op::rolling) roll_long_line<Op>(out.data(), plan.total(), step, window, line_segment<Op>(window), fill);
    else scan_long_line<Op>(out.data(), plan.total(), step, fill);
}

/// Rewrites `out` (holding the scan's input, converted to its result type) with `Op` along
/// `axis`; `window` is the rolling window (unused by cumulative ops).
template <class Op, class V, int R>
void scan_in_place(const array<V, R>& out, int axis, std::int64_t window) {
    if (out.size() == 0) return;
    std::int64_t max_chunk = scan_lanes;
    if constexpr (Op::rolling) max_chunk = std::clamp<std::int64_t>(rolling_buffer / window, 1, scan_lanes);
    const line_groups<R> lines(out.shape(), out.strides(), axis, max_chunk);
    V* const base = out.data();
    if constexpr (Op::rolling)
        if (window > lines.length) {  // no window is ever full
            run_elementwise<R>(out.shape(), std::tie(out), std::tuple{detail::scalar_expr<V>{std::numeric_limits<V>::quiet_NaN()}}, false);
            return;
        }
    // Too few lines to keep the threads busy: split each line over the threads instead.
    if (cuts_line<Op>(lines.length, window) && lines.count < num_threads()) {
        const std::int64_t segment = line_segment<Op>(window);
        const auto filled = [](std::int64_t, std::int64_t) {};
        for (std::int64_t g = 0; g < lines.count; ++g) {
            std::int64_t lanes = 0;
            V* const first = base + lines.offset(g, lanes);
            for (std::int64_t l = 0; l < lanes; ++l) {
                V* const line = first + l * lines.lane_step;
                if constexpr (Op::rolling) roll_long_line<Op>(line, lines.length, lines.step, window, segment, filled);
                else scan_long_line<Op>(line, lines.length, lines.step, filled);
            }
        }
        return;
    }
    const std::int64_t work = std::max<std::int64_t>(1, lines.length * lines.chunk);
    parallel_for(lines.count, std::max<std::int64_t>(1, parallel_grain / work), [&](std::int64_t g0, std::int64_t g1) {
        std::vector<V> suffixes;
        if constexpr (Op::rolling) suffixes.resize(static_cast<std::size_t>(2 * window * lines.chunk));
        for (std::int64_t g = g0; g < g1; ++g) {
            std::int64_t lanes = 0;
            V* const first = base + lines.offset(g, lanes);
            if constexpr (Op::rolling)
                roll_group<Op>(first, 0, lines.length, lines.step, lanes, lines.lane_step, window, suffixes.data(),
                               suffixes.data() + suffixes.size() / 2);
            else scan_group<Op>(first, lines.length, lines.step, lanes, lines.lane_step);
        }
    });
}

}  // namespace jitfuse::cpu
