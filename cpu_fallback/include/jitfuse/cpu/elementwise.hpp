// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Elementwise passes on the CPU: one or several expressions of one shape, each written
/// to its own array, in one pass over memory split into static chunks over the thread pool.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>
#include <utility>
#include <vector>

#include "jitfuse/cpu/loop_plan.hpp"
#include "jitfuse/cpu/thread_pool.hpp"
#include "jitfuse/cpu/tile_eval.hpp"
#include "jitfuse/detail/walk.hpp"

namespace jitfuse::cpu {

/// Chunks smaller than this run on the calling thread: waking workers costs more.
inline constexpr std::int64_t parallel_grain = 1 << 15;

/// Writes tiles into one output array.
template <class T, int R>
struct tile_store {
    loop_view<T, R> view;

    template <int AR>
    tile_store(const array<T, AR>& a, const loop_plan<R>& plan) : view(a.data(), a.shape(), a.strides(), plan) {}

    void start_row(const std::array<std::int64_t, R>& index, int dims) { view.start_row(index, dims); }
    /// Where a node may write its results directly, when the layout and type allow it.
    template <class V>
    V* direct(std::int64_t j) const {
        if constexpr (std::is_same_v<V, T>) return view.inner_stride == 1 ? view.row + j : nullptr;
        else return nullptr;
    }
    template <class V>
    void store(std::int64_t j, std::int64_t n, const V* values) {
        T* out = view.row;
        if (static_cast<const void*>(values) == static_cast<const void*>(out + j)) return;
        if (view.inner_stride == 1) convert_kernel<V, T>(values, out + j, n);
        else
            for (std::int64_t i = 0; i < n; ++i) out[(j + i) * view.inner_stride] = detail::convert<T>(values[i]);
    }
};

/// The result-axis strides of every leaf in `e` (arrays and random leaves), for loop planning.
template <int R, detail::expression E>
void collect_strides(const loop_plan<R>& plan, const E& e, std::vector<std::type_identity_t<shape_t<R>>>& out) {
    detail::for_each_indexed_leaf(e, [&](const auto& a) { out.push_back(plan.operand_strides(a.shape(), a.strides())); });
}

/// Visits [begin, end) of the flat loop space tile by tile: `body(j, n)` after the leaves
/// have been positioned on the row with `start_row(index, dims)`.
template <int R, class StartRow, class Body>
void walk_tiles(const loop_plan<R>& plan, std::int64_t begin, std::int64_t end, StartRow&& start_row,
                Body&& body) {
    const std::int64_t inner = plan.inner();
    row_cursor<R> cursor;
    cursor.seek(plan, begin / inner);
    std::int64_t j = begin % inner;
    for (std::int64_t pos = begin; pos < end;) {
        start_row(cursor.index, plan.dims);
        const std::int64_t row_end = std::min(inner, j + (end - pos));
        for (std::int64_t t = j; t < row_end; t += tile) body(t, std::min(tile, row_end - t));
        pos += row_end - j;
        j = 0;
        cursor.next(plan);
    }
}

/// The result-axis strides of every output and every leaf of an elementwise pass over `shape`.
template <int R, class Outs, class Exprs>
std::vector<shape_t<R>> pass_strides(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs) {
    std::vector<shape_t<R>> strides;
    loop_plan<R> probe;
    probe.shape = shape;
    std::apply([&](const auto&... o) { (strides.push_back(probe.operand_strides(o.shape(), o.strides())), ...); }, outs);
    std::apply([&](const auto&... e) { (collect_strides(probe, e, strides), ...); }, exprs);
    return strides;
}

/// The loop of evaluating `exprs[i]` into `outs[i]` for every i, all of shape `shape`, whose
/// operands have `strides` (pass_strides).
template <int R, class Exprs>
loop_plan<R> elementwise_plan(const shape_t<R>& shape, const std::vector<shape_t<R>>& strides, bool fast_math) {
    const std::uint64_t alone = []<class... E>(std::type_identity<std::tuple<E...>>) {
        return detail::neighbour_axes<E...>();
    }(std::type_identity<Exprs>{});
    return make_loop_plan<R>(shape, strides, alone, fast_math);
}
template <int R, class Outs, class Exprs>
loop_plan<R> elementwise_plan(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, bool fast_math) {
    return elementwise_plan<R, Exprs>(shape, pass_strides<R>(shape, outs, exprs), fast_math);
}

/// Evaluates `exprs` into `outs` over the part of `plan` that `walk(start_row, body)` visits
/// (walk_tiles or walk_blocks), on this thread.
template <int R, class Outs, class Exprs, class Walk>
void evaluate_walk(const loop_plan<R>& plan, const Outs& outs, const Exprs& exprs, Walk&& walk) {
    auto stores = std::apply([&](const auto&... o) {
        return std::tuple{tile_store<typename std::remove_cvref_t<decltype(o)>::value_type, R>(o, plan)...};
    }, outs);
    auto evals = std::apply([&](const auto&... e) {
        return std::tuple{tile_eval<std::remove_cvref_t<decltype(e)>, R>(e, plan)...};
    }, exprs);
    constexpr auto count = std::tuple_size_v<Exprs>;
    walk(
        [&](const auto& index, int dims) {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                ((std::get<I>(stores).start_row(index, dims), std::get<I>(evals).start_row(index, dims)), ...);
            }(std::make_index_sequence<count>{});
        },
        [&](std::int64_t j, std::int64_t n) {
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                ((std::get<I>(stores).store(j, n, std::get<I>(evals).eval(j, n,
                    std::get<I>(stores).template direct<typename std::remove_cvref_t<decltype(std::get<I>(evals))>::value_type>(j)))), ...);
            }(std::make_index_sequence<count>{});
        });
}

/// Evaluates loop positions [begin, end) of `plan` (from elementwise_plan), on this thread.
template <int R, class Outs, class Exprs>
void evaluate_range(const loop_plan<R>& plan, const Outs& outs, const Exprs& exprs, std::int64_t begin,
                    std::int64_t end) {
    evaluate_walk<R>(plan, outs, exprs, [&](auto&& start_row, auto&& body) { walk_tiles(plan, begin, end, start_row, body); });
}

/// Edge of the square blocks a transposing pass walks: a block's rows of every operand stay
/// in L1 while it is read or written across.
inline constexpr std::int64_t transpose_block = 64;

/// Does some operand run through memory faster along the second-innermost loop axis than
/// along the innermost (a transposed view copied into a row-major array)? Row by row, each
/// of its elements would then be a cache line of its own.
template <int R>
bool crosses_layouts(const loop_plan<R>& plan, const std::vector<shape_t<R>>& strides) {
    if constexpr (R < 2) return false;
    else {
        if (plan.dims < 2 || plan.inner() < transpose_block || plan.extent[plan.dims - 2] < transpose_block)
            return false;
        for (const auto& s : strides) {
            const auto ls = plan.loop_strides(s);
            const std::int64_t across = ls[plan.dims - 2], along = ls[plan.dims - 1];
            if (across != 0 && std::abs(across) < std::abs(along)) return true;
        }
        return false;
    }
}

/// Visits blocks [first, last) of transpose_block x transpose_block positions over the two
/// innermost loop axes (blocks numbered row-major, the outer loop axes outermost): `body(j,
/// n)` for each row of a block, after `start_row(index, dims)`.
template <int R, class StartRow, class Body>
void walk_blocks(const loop_plan<R>& plan, std::int64_t first, std::int64_t last, StartRow&& start_row, Body&& body) {
    const std::int64_t rows = plan.extent[plan.dims - 2], cols = plan.inner();
    const std::int64_t row_blocks = (rows + transpose_block - 1) / transpose_block;
    const std::int64_t col_blocks = (cols + transpose_block - 1) / transpose_block;
    std::array<std::int64_t, R> index{};
    for (std::int64_t block = first; block < last; ++block) {
        std::int64_t rest = block / (row_blocks * col_blocks);
        for (int g = plan.dims - 3; g >= 0; --g) {
            index[g] = rest % plan.extent[g];
            rest /= plan.extent[g];
        }
        const std::int64_t r0 = block / col_blocks % row_blocks * transpose_block;
        const std::int64_t j = block % col_blocks * transpose_block, n = std::min(transpose_block, cols - j);
        for (std::int64_t r = r0; r < std::min(rows, r0 + transpose_block); ++r) {
            index[plan.dims - 2] = r;
            start_row(index, plan.dims);
            body(j, n);
        }
    }
}

/// Evaluates `exprs[i]` into `outs[i]` for every i, in one pass. All share `shape`.
template <int R, class Outs, class Exprs>
void run_elementwise(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, bool fast_math) {
    const std::vector<shape_t<R>> strides = pass_strides<R>(shape, outs, exprs);
    const loop_plan<R> plan = elementwise_plan<R, Exprs>(shape, strides, fast_math);
    if (crosses_layouts<R>(plan, strides)) {
        constexpr std::int64_t area = transpose_block * transpose_block;
        const std::int64_t rows = plan.total() / plan.inner();
        const std::int64_t blocks = rows / plan.extent[plan.dims - 2] *
                                    ((plan.extent[plan.dims - 2] + transpose_block - 1) / transpose_block) *
                                    ((plan.inner() + transpose_block - 1) / transpose_block);
        parallel_for(blocks, std::max<std::int64_t>(1, parallel_grain / area), [&](std::int64_t first, std::int64_t last) {
            evaluate_walk<R>(plan, outs, exprs, [&](auto&& start_row, auto&& body) { walk_blocks(plan, first, last, start_row, body); });
        });
        return;
    }
    parallel_for(plan.total(), parallel_grain, [&](std::int64_t begin, std::int64_t end) {
        evaluate_range<R>(plan, outs, exprs, begin, end);
    });
}

}  // namespace jitfuse::cpu
