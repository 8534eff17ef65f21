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

/// Writes tiles into one output array. A streamed output gets each tile from the node's own
/// buffer (in L1) and copies it out with non-temporal stores; one whose values need converting
/// is written by the conversion, with ordinary stores.
template <class T, int R>
struct tile_store {
    loop_view<T, R> view;
    bool streams;

    template <int AR>
    tile_store(const array<T, AR>& a, const loop_plan<R>& plan)
        : view(a.data(), a.shape(), a.strides(), plan), streams(plan.stream_stores && view.inner_stride == 1) {}

    void start_row(const std::array<std::int64_t, R>& index, int dims) { view.start_row(index, dims); }
    /// Where a node may write its results directly, when the layout and type allow it.
    template <class V>
    V* direct(std::int64_t j) const {
        if constexpr (std::is_same_v<V, T>) return view.inner_stride == 1 && !streams ? view.row + j : nullptr;
        else return nullptr;
    }
    /// Are values of type `V` written with streaming stores? Only unconverted ones are.
    template <class V>
    bool streams_values() const {
        return std::is_same_v<V, T> && streams;
    }
    template <class V>
    void store(std::int64_t j, std::int64_t n, const V* values) {
        T* out = view.row;
        if (static_cast<const void*>(values) == static_cast<const void*>(out + j)) return;
        if (streams_values<V>()) {
            if constexpr (std::is_same_v<V, T>) return stream_kernel<T>(values, out + j, n);
        }
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

/// Edge of the square blocks a transposing pass walks: a block's rows of every operand stay
/// in L1 while it is read or written across.
inline constexpr std::int64_t transpose_block = 64;

/// Which part of a plan one thread evaluates: positions [first, last) of the flat loop
/// space, or blocks [first, last) of transpose_block x transpose_block positions over the
/// two innermost loop axes (numbered row-major, the outer loop axes outermost).
struct walk_part {
    bool blocks;
    std::int64_t first, last;
};

/// The rows of a part, one after the other: each row's loop index (where the leaves are
/// positioned) and the inner positions [begin, end) it covers. It is the same code for
/// every expression of a rank, and it hands rows out instead of calling back, so that an
/// expression's tile code is compiled once, in the one loop over them (evaluate_part).
template <int R>
class row_walk {
  public:
    row_walk(const loop_plan<R>& plan, walk_part part) : plan_(plan), part_(part), inner_(plan.inner()) {
        if (part.blocks) {
            rows_ = plan.extent[plan.dims - 2];
            row_blocks_ = (rows_ + transpose_block - 1) / transpose_block;
            col_blocks_ = (inner_ + transpose_block - 1) / transpose_block;
            block_ = part.first;
            enter_block();
        } else {
            cursor_.seek(plan, part.first / inner_);
            begin_ = part.first % inner_;
            pos_ = part.first;
            enter_row();
        }
    }

    bool done() const { return done_; }
    void advance() { part_.blocks ? next_block_row() : next_row(); }

    const std::array<std::int64_t, R>& index() const { return cursor_.index; }
    std::int64_t begin() const { return begin_; }
    std::int64_t end() const { return end_; }

  private:
    void enter_row() {
        done_ = pos_ >= part_.last;
        end_ = std::min(inner_, begin_ + (part_.last - pos_));
    }
    void next_row() {
        pos_ += end_ - begin_;
        begin_ = 0;
        cursor_.next(plan_);
        enter_row();
    }

    void enter_block() {
        done_ = block_ >= part_.last;
        const int across = plan_.dims - 2;
        std::int64_t rest = block_ / (row_blocks_ * col_blocks_);
        for (int g = across - 1; g >= 0; --g) {
            cursor_.index[g] = rest % plan_.extent[g];
            rest /= plan_.extent[g];
        }
        cursor_.index[across] = block_ / col_blocks_ % row_blocks_ * transpose_block;
        row_stop_ = std::min(rows_, cursor_.index[across] + transpose_block);
        begin_ = block_ % col_blocks_ * transpose_block;
        end_ = std::min(inner_, begin_ + transpose_block);
    }
    void next_block_row() {
        if (++cursor_.index[plan_.dims - 2] < row_stop_) return;
        ++block_;
        enter_block();
    }

    const loop_plan<R>& plan_;
    walk_part part_;
    std::int64_t inner_;
    row_cursor<R> cursor_;  // the row's index
    std::int64_t begin_ = 0, end_ = 0;
    bool done_ = false;
    std::int64_t pos_ = 0;  // ranges: the flat position of `begin_`
    // Blocks: the current one, and the row past its last.
    std::int64_t rows_ = 0, row_blocks_ = 0, col_blocks_ = 0, block_ = 0, row_stop_ = 0;
};

/// Walks `part` of `plan`: `start_row(index)` at each row, then `tile_body(j, n)` for each
/// tile [j, j + n) of its inner axis.
template <int R, class StartRow, class TileBody>
void for_each_tile(const loop_plan<R>& plan, walk_part part, StartRow&& start_row, TileBody&& tile_body) {
    for (row_walk<R> rows(plan, part); !rows.done(); rows.advance()) {
        // Copies: the walk's own state then stays out of reach of the calls below.
        const std::array<std::int64_t, R> index = rows.index();
        const std::int64_t end = rows.end();
        start_row(index);
        for (std::int64_t j = rows.begin(); j < end; j += tile) tile_body(j, std::min(tile, end - j));
    }
}

/// Evaluates `exprs` into `outs` over `part` of `plan`, on this thread.
template <int R, class Outs, class Exprs>
void evaluate_part(const loop_plan<R>& plan, const Outs& outs, const Exprs& exprs, walk_part part) {
    auto stores = std::apply([&](const auto&... o) {
        return std::tuple{tile_store<typename std::remove_cvref_t<decltype(o)>::value_type, R>(o, plan)...};
    }, outs);
    auto evals = std::apply([&](const auto&... e) {
        return std::tuple{tile_eval<std::remove_cvref_t<decltype(e)>, R>(e, plan)...};
    }, exprs);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        for_each_tile<R>(plan, part, [&](const std::array<std::int64_t, R>& index) {
            ((std::get<I>(stores).start_row(index, plan.dims), std::get<I>(evals).start_row(index, plan.dims)), ...);
        }, [&](std::int64_t j, std::int64_t n) {
            ((std::get<I>(stores).store(j, n, std::get<I>(evals).eval(j, n, std::get<I>(stores).template direct<
                typename std::remove_cvref_t<decltype(std::get<I>(evals))>::value_type>(j)))), ...);
        });
    }(std::make_index_sequence<std::tuple_size_v<Exprs>>{});
    if (plan.stream_stores) stream_fence();
}

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

/// Bytes a pass with `plan` writes into `outs` with streaming stores: those of its contiguous
/// outputs that take their expression's values unconverted (tile_store).
template <int R, class Outs, class Exprs>
std::int64_t streamed_bytes(const loop_plan<R>& plan, const Outs& outs) {
    if (!plan.stream_stores) return 0;
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
        const auto bytes = [&]<class E>(std::type_identity<E>, const auto& o) -> std::int64_t {
            using T = typename std::remove_cvref_t<decltype(o)>::value_type;
            const bool streams = tile_store<T, R>(o, plan).template streams_values<typename tile_eval<E, R>::value_type>();
            return streams ? o.size() * std::int64_t{sizeof(T)} : 0;
        };
        return (bytes(std::type_identity<std::remove_cvref_t<std::tuple_element_t<I, Exprs>>>{}, std::get<I>(outs)) + ... + 0);
    }(std::make_index_sequence<std::tuple_size_v<Exprs>>{});
}

/// Evaluates `exprs[i]` into `outs[i]` for every i, in one pass. All share `shape`. With
/// `stream_stores`, the pass writes its contiguous outputs past the cache (for outputs too big
/// to stay there: not reading their lines first saves a third of a copy's traffic); a
/// transposing pass never does. Returns the bytes it wrote so (streamed_bytes).
template <int R, class Outs, class Exprs>
std::int64_t run_elementwise(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, bool fast_math,
                             bool stream_stores = false) {
    const std::vector<shape_t<R>> strides = pass_strides<R>(shape, outs, exprs);
    loop_plan<R> plan = elementwise_plan<R, Exprs>(shape, strides, fast_math);
    if (crosses_layouts<R>(plan, strides)) {
        constexpr std::int64_t area = transpose_block * transpose_block;
        const std::int64_t rows = plan.total() / plan.inner();
        const std::int64_t blocks = rows / plan.extent[plan.dims - 2] *
                                    ((plan.extent[plan.dims - 2] + transpose_block - 1) / transpose_block) *
                                    ((plan.inner() + transpose_block - 1) / transpose_block);
        parallel_for(blocks, std::max<std::int64_t>(1, parallel_grain / area), [&](std::int64_t first, std::int64_t last) {
            evaluate_part<R>(plan, outs, exprs, {true, first, last});
        });
        return 0;
    }
    plan.stream_stores = has_stream_stores && stream_stores;
    parallel_for(plan.total(), parallel_grain, [&](std::int64_t begin, std::int64_t end) {
        evaluate_part<R>(plan, outs, exprs, {false, begin, end});
    });
    return streamed_bytes<R, Outs, Exprs>(plan, outs);
}

}  // namespace jitfuse::cpu
