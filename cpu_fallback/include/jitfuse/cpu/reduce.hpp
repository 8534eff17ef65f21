// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Reductions on the CPU with the map fused in. Results do not depend on the thread
/// count: a whole reduction splits the elements into fixed blocks, each reduced in 16 lane_count,
/// and merges the block results in a fixed pairwise tree; an axis reduction computes each
/// output element in one fixed order.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "jitfuse/cpu/elementwise.hpp"

namespace jitfuse::cpu {

/// Elements per block of a whole reduction (fixed, so results match for any thread count).
inline constexpr std::int64_t reduce_block = 1 << 14;

template <class Red, class T>
using state_t = typename Red::template state<T>;

template <class Red, class T>
state_t<Red, T> merge_lanes(state_t<Red, T>* lane) {
    for (int width = 1; width < lane_count; width *= 2)
        for (int l = 0; l + width < lane_count; l += 2 * width) Red::template merge<T>(lane[l], lane[l + width]);
    return lane[0];
}

template <int R, class E>
loop_plan<R> reduction_plan(const E& e, const shape_t<R>& shape, std::uint64_t keep_apart,
                            bool fast_math, const shape_t<R>* out_strides = nullptr) {
    std::vector<shape_t<R>> strides;
    loop_plan<R> probe;
    probe.shape = shape;
    if (out_strides) strides.push_back(probe.operand_strides(shape, *out_strides));
    collect_strides(probe, e, strides);
    return make_loop_plan<R>(shape, strides, keep_apart | detail::neighbour_axes<E>(), fast_math);
}

/// Reduces every element of `e` (already free of nested reductions); `R` = max(rank, 1).
template <class Red, int R, detail::expression E>
auto reduce_all(const E& e, const shape_t<R>& shape, bool fast_math) {
    using T = typename E::value_type;
    const loop_plan<R> plan = reduction_plan<R>(e, shape, 0, fast_math);
    const std::int64_t total = plan.total();
    const std::int64_t blocks = (total + reduce_block - 1) / reduce_block;
    // Not std::vector: for the bool states of any/all it packs bits (no state&, and blocks
    // stored by different threads would race on one word).
    const auto partial = std::make_unique<state_t<Red, T>[]>(static_cast<std::size_t>(blocks));
    std::fill_n(partial.get(), blocks, Red::template identity<T>());

    parallel_for(blocks, std::max<std::int64_t>(1, parallel_grain / reduce_block), [&](std::int64_t b0, std::int64_t b1) {
        tile_eval<E, R> ev(e, plan);
        for (std::int64_t b = b0; b < b1; ++b) {
            state_t<Red, T> lane[lane_count];
            std::fill_n(lane, lane_count, Red::template identity<T>());
            const std::int64_t begin = b * reduce_block, end = std::min(total, begin + reduce_block);
            std::int64_t pos = begin;
            walk_tiles(plan, begin, end, [&](const auto& index, int dims) { ev.start_row(index, dims); },
                       [&](std::int64_t j, std::int64_t n) {
                           fold_lanes<Red, T>(lane, ev.eval(j, n), n, pos);
                           pos += n;
                       });
            partial[b] = merge_lanes<Red, T>(lane);
        }
    });
    for (std::int64_t width = 1; width < blocks; width *= 2)
        for (std::int64_t b = 0; b + width < blocks; b += 2 * width) Red::template merge<T>(partial[b], partial[b + width]);
    return Red::template finish<T>(blocks ? partial[0] : Red::template identity<T>(), total);
}

/// Reduces `e` (shape `shape`, rank R >= 1) along `axis` into `out` (rank R - 1).
template <class Red, int R, detail::expression E, class Out>
void reduce_axis(const E& e, const shape_t<R>& shape, int axis, Out& out, bool fast_math) {
    using T = typename E::value_type;
    using S = state_t<Red, T>;
    // The output seen from the input's axes: stride 0 along the reduced axis.
    shape_t<R> out_strides{};
    for (int d = 0, o = 0; d < R; ++d) out_strides[d] = d == axis ? 0 : out.strides()[o++];
    const std::uint64_t keep_apart = (axis > 0 ? 1ull << (axis - 1) : 0) | (1ull << axis);
    const loop_plan<R> plan = reduction_plan<R>(e, shape, keep_apart, fast_math, &out_strides);
    using V = typename Out::value_type;
    if (out.size() == 0) return;
    if (shape[axis] == 0) {  // every output reduces nothing
        const V empty = Red::template finish<T>(Red::template identity<T>(), 0);
        run_elementwise<R - 1>(out.shape(), std::tie(out), std::tuple{detail::scalar_expr<V>{empty}}, false);
        return;
    }

    int g_axis = 0;
    while (plan.last_axis[g_axis] != axis) ++g_axis;
    const std::int64_t length = plan.extent[g_axis];
    // The output seen through the loop (stride 0 along the reduced axis).
    const auto out_view = [&] { return loop_view<V, R>(out.data(), shape, out_strides, plan); };

    if (g_axis == plan.dims - 1) {
        // Each output element reduces one row of the loop.
        const std::int64_t rows = plan.total() / std::max<std::int64_t>(length, 1);
        parallel_for(rows, std::max<std::int64_t>(1, parallel_grain / std::max<std::int64_t>(length, 1)),
                     [&](std::int64_t r0, std::int64_t r1) {
            tile_eval<E, R> ev(e, plan);
            auto dest = out_view();
            row_cursor<R> cursor;
            cursor.seek(plan, r0);
            for (std::int64_t r = r0; r < r1; ++r, cursor.next(plan)) {
                ev.start_row(cursor.index, plan.dims);
                S lane[lane_count];
                std::fill_n(lane, lane_count, Red::template identity<T>());
                for (std::int64_t j = 0; j < length; j += tile) {
                    const std::int64_t n = std::min(tile, length - j);
                    fold_lanes<Red, T>(lane, ev.eval(j, n), n, j);
                }
                dest.start_row(cursor.index, plan.dims);
                *dest.row = Red::template finish<T>(merge_lanes<Red, T>(lane), length);
            }
        });
        return;
    }

    // The reduced axis is an outer loop axis: accumulate whole tiles of the inner axis.
    const std::int64_t inner = plan.inner();
    const std::int64_t tiles_per_row = (inner + tile - 1) / tile;
    const std::int64_t rows = plan.total() / std::max<std::int64_t>(length * inner, 1);
    parallel_for(rows * tiles_per_row, std::max<std::int64_t>(1, parallel_grain / std::max<std::int64_t>(length * tile, 1)),
                 [&](std::int64_t u0, std::int64_t u1) {
        tile_eval<E, R> ev(e, plan);
        auto dest = out_view();
        const auto acc = std::make_unique<S[]>(static_cast<std::size_t>(tile));  // not vector<bool>
        for (std::int64_t u = u0; u < u1; ++u) {
            // Row index over the loop axes other than the reduced one and the inner one.
            std::array<std::int64_t, R> index{};
            std::int64_t rest = u / tiles_per_row;
            for (int g = plan.dims - 2; g >= 0; --g) {
                if (g == g_axis) continue;
                index[g] = rest % plan.extent[g];
                rest /= plan.extent[g];
            }
            const std::int64_t j = (u % tiles_per_row) * tile, n = std::min(tile, inner - j);
            std::fill_n(acc.get(), n, Red::template identity<T>());
            for (std::int64_t k = 0; k < length; ++k) {
                index[g_axis] = k;
                ev.start_row(index, plan.dims);
                const T* v = ev.eval(j, n);
                fold_columns<Red, T>(acc.get(), v, n, k);
            }
            index[g_axis] = 0;
            dest.start_row(index, plan.dims);
            for (std::int64_t i = 0; i < n; ++i)
                dest.row[(j + i) * dest.inner_stride] = Red::template finish<T>(acc[i], length);
        }
    });
}

}  // namespace jitfuse::cpu
