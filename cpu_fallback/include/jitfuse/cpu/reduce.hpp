// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Reductions on the CPU with the map fused in, looping in the order the input lies in
/// memory whatever view it is. Results do not depend on the thread count: a whole reduction
/// splits the elements into fixed blocks, each reduced in lane_count lanes, and merges the
/// block results in a fixed pairwise tree; an axis reduction folds each output in an order
/// fixed by the shape and layout (pieces of a long reduced axis merged in the same tree).

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "jitfuse/cpu/elementwise.hpp"
#include "jitfuse/cpu/fold_values.hpp"

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

/// The evaluator of a reduction's map. `fold<Red>` folds its values at positions [j, j + n)
/// into lane states: a map that is a cheap operation (fused_eval.hpp), even a lone one such as
/// `x * y`, is computed and folded in one loop; any other map's tile is folded by the
/// library's kernel. Both give the same states bit for bit.
template <class E, int R>
struct fold_eval : tile_eval<E, R> {
    using T = typename E::value_type;
    using tile_eval<E, R>::tile_eval;
    template <class Red>
    void fold(state_t<Red, T>* lane, std::int64_t j, std::int64_t n, std::int64_t first) {
        fold_lanes<Red, T>(lane, this->eval(j, n), n, first);
    }
};
template <class E, int R>
    requires(fusable<E>())
struct fold_eval<E, R> : region_eval<E, R> {
    using T = typename E::value_type;
    using region_eval<E, R>::region_eval;
    template <class Red>
    void fold(state_t<Red, T>* lane, std::int64_t j, std::int64_t n, std::int64_t first) {
        run_fused_fold<Red, T>(this->region.load(j, n), lane, n, first);
    }
};

/// The result-axis strides of every leaf of `e` over `shape`.
template <int R, detail::expression E>
std::vector<shape_t<R>> leaf_strides(const E& e, const shape_t<R>& shape) {
    return pass_strides<R>(shape, std::tuple<>{}, std::tie(e));
}

/// The loop order (outermost first) in which a reduction walks its leaves' memory in
/// sequence, whatever views they are: axes by the summed size of their strides, largest
/// outside; extent-1 axes outermost (they join any loop axis). A read of neighbours keeps
/// the result's order, which its evaluator indexes by.
template <int R, detail::expression E>
std::array<int, R> memory_order(const shape_t<R>& shape, const std::vector<shape_t<R>>& strides) {
    std::array<int, R> order = result_order<R>();
    if constexpr (detail::neighbour_axes<E>() == 0) {
        std::array<std::int64_t, R> spread{};
        for (const auto& s : strides)
            for (int d = 0; d < R; ++d) spread[d] += std::abs(s[d]);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            if ((shape[a] == 1) != (shape[b] == 1)) return shape[a] == 1;
            return spread[a] > spread[b];
        });
    }
    return order;
}

/// The loop of a reduction of an expression `E` over `shape` (its leaves' `strides`), in
/// `order`, with the axes in `alone` kept as loop axes of their own; `out_strides` (the output
/// seen from the input's axes) joins the merging rule.
template <int R, detail::expression E>
loop_plan<R> reduction_plan(const shape_t<R>& shape, std::vector<shape_t<R>> strides, const std::array<int, R>& order,
                            std::uint64_t alone, bool fast_math, const shape_t<R>* out_strides = nullptr) {
    loop_plan<R> probe;
    probe.shape = shape;
    if (out_strides) strides.push_back(probe.operand_strides(shape, *out_strides));
    return make_loop_plan<R>(shape, strides, alone | detail::neighbour_axes<E>(), fast_math, order);
}

/// Merges the states of piece `from` (of `width` outputs each, piece c's at p[c * width]) into
/// piece `into`'s.
template <class Red, class T>
void merge_piece(state_t<Red, T>* p, std::int64_t into, std::int64_t from, std::int64_t width) {
    for (std::int64_t i = 0; i < width; ++i) Red::template merge<T>(p[into * width + i], p[from * width + i]);
}

/// Merges the partial states of `chunks` consecutive pieces of `width` outputs each into piece
/// 0's, in a fixed pairwise tree: at level l, piece c (a multiple of 2^(l+1)) takes in piece
/// c + 2^l. Where `levels` is given, levels[c] of them are already done for piece c
/// (merge_finished_blocks).
template <class Red, class T>
void merge_chunks(state_t<Red, T>* p, std::int64_t chunks, std::int64_t width, const std::uint8_t* levels = nullptr) {
    for (int level = 0; (std::int64_t{1} << level) < chunks; ++level) {
        const std::int64_t step = std::int64_t{1} << level;
        for (std::int64_t c = 0; c + step < chunks; c += 2 * step)
            if (!levels || levels[c] <= level) merge_piece<Red, T>(p, c, c + step, width);
    }
}

/// The part of merge_chunks' tree a thread can do as soon as it has folded piece c, where it
/// folded every piece from `first` on: each block of pieces that c completes and that starts
/// at or after `first`, merged into its first piece (and recorded in `levels`). The thread's
/// pieces are then merged in parallel with the others' and while the last are in cache; the
/// tree is the same, and so are the results. sum(x, 0) of (1024, 16384) floats on two threads
/// (64 pieces of 64 KiB of states) spent 0.22-0.24 ms of its 1.8-2.0 in one thread's final
/// merge_chunks; now 0.01 ms, with the time folding the pieces unchanged.
template <class Red, class T>
void merge_finished_blocks(state_t<Red, T>* p, std::int64_t c, std::int64_t first, std::int64_t chunks,
                           std::int64_t width, std::uint8_t* levels) {
    for (int level = 0; (std::int64_t{1} << level) < chunks; ++level) {
        const std::int64_t step = std::int64_t{1} << level, start = c - c % (2 * step);
        if (start < first || c != std::min(chunks, start + 2 * step) - 1) return;
        if (start + step < chunks) merge_piece<Red, T>(p, start, start + step, width);
        levels[start] = static_cast<std::uint8_t>(level + 1);
    }
}

/// Reduces every element of `e` (already free of nested reductions); `R` = max(rank, 1).
template <class Red, int R, detail::expression E>
auto reduce_all(const E& e, const shape_t<R>& shape, bool fast_math) {
    using T = typename E::value_type;
    // An element's loop position is its index only when the loop keeps the result's order.
    const std::vector<shape_t<R>> strides = leaf_strides<R>(e, shape);
    const std::array<int, R> order = Red::uses_index ? result_order<R>() : memory_order<R, E>(shape, strides);
    const loop_plan<R> plan = reduction_plan<R, E>(shape, strides, order, 0, fast_math);
    const std::int64_t total = plan.total();
    const std::int64_t blocks = (total + reduce_block - 1) / reduce_block;
    // Not std::vector: for the bool states of any/all it packs bits (no state&, and blocks
    // stored by different threads would race on one word).
    const auto partial = std::make_unique<state_t<Red, T>[]>(static_cast<std::size_t>(blocks));
    std::fill_n(partial.get(), blocks, Red::template identity<T>());

    parallel_for(blocks, std::max<std::int64_t>(1, parallel_grain / reduce_block), [&](std::int64_t b0, std::int64_t b1) {
        fold_eval<E, R> ev(e, plan);
        for (std::int64_t b = b0; b < b1; ++b) {
            state_t<Red, T> lane[lane_count];
            std::fill_n(lane, lane_count, Red::template identity<T>());
            const std::int64_t begin = b * reduce_block, end = std::min(total, begin + reduce_block);
            std::int64_t pos = begin;
            for_each_tile<R>(plan, {false, begin, end}, [&](const std::array<std::int64_t, R>& index) {
                ev.start_row(index, plan.dims);
            }, [&](std::int64_t j, std::int64_t n) {
                ev.template fold<Red>(lane, j, n, pos);
                pos += n;
            });
            partial[b] = merge_lanes<Red, T>(lane);
        }
    });
    merge_chunks<Red, T>(partial.get(), blocks, 1);
    return Red::template finish<T>(blocks ? partial[0] : Red::template identity<T>(), total);
}

/// Rows or columns at most this long are read many at a time, as one run through memory:
/// walking them one by one would cost more than reducing them.
inline constexpr std::int64_t narrow = tile / 4;
/// Inner positions a column reduction's work unit folds, over `length` reduced positions: a
/// whole number of tiles whose states take about 64 KiB, so that each row is read in long runs
/// (runs of one tile jump on after a part of each 4 KiB page: sum(x, 0) of a (16777, 1000)
/// float matrix took 3.5 times as long as sum(x, 1)). But about 2 KiB over at most 8 positions,
/// where filling and writing out the states costs as much as folding the rows and needs them
/// in L1 (sum(x, 0) of (3, 5592405) floats: 2.8-3.3 ms with 2 KiB, 6.3-6.6 ms with 64 KiB).
inline std::int64_t column_band(std::int64_t length, std::size_t state_bytes) {
    const std::size_t bytes = length <= 8 ? 2 << 10 : 64 << 10;
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(bytes / state_bytes) / tile) * tile;
}
/// Rows a column reduction hands the kernel at once, where the kernel folds a few registers of
/// columns over all of them with their states in registers (fold_loop): the states are read and
/// written once per call, not once per row. Each row is a stream through memory: argmax(x, 0)
/// of (16777, 1000) floats took 1.5 times as long with 32 rows as with 16, sum(x, 0) of (21,
/// 798915) floats 2.46 ms with 16 and 1.81 with 8 (a plain loop). argmax took 16 while its
/// states were loaded one by one; as arg_columns, 8 were as fast or faster ((100, 167772):
/// 1.8-2.0 ms against 2.6-3.1).
template <class Red, class T>
inline constexpr std::int64_t stacked_rows = folds_in_registers<Red, T> ? 8 : 1;
/// Whether a band's states in registers pay for the other reducers (one row after another
/// reads as fast where their states stay in L1): where the states of `width` columns fill more
/// than a quarter of L1, or there are few rows (`length`), one call for all. sum(x, 0) of floats,
/// one thread: (1024, 16384) 4.7-4.8 -> 2.4-2.5 ms, (4096, 4096) 4.1 -> 2.9; but with a
/// quarter of that, (8192, 2048) and (12000, 1400) took 1.5 times as long stacked.
template <class S>
bool stacking_pays(std::int64_t width, std::int64_t length) {
    return width * static_cast<std::int64_t>(sizeof(S)) > (8 << 10) || length <= 8;
}
/// Outputs needed to share an axis reduction out without cutting its reduced axis.
inline constexpr std::int64_t min_units = 64;
/// Elements per piece of a cut reduced axis: the partial states then take a small fraction of
/// the input's memory traffic, and an array of 2^24 elements still gives min_units pieces.
inline constexpr std::int64_t piece_elements = 1 << 18;

/// `plan` with loop axes g and g + 1 joined, when for every leaf each row of g + 1 follows
/// the previous one in memory, so that a run of many short rows is one row of the result.
/// Never when `E` reads neighbours: a shift's edges are per axis, so its axes stay apart.
template <int R, detail::expression E>
std::optional<loop_plan<R>> joined(const loop_plan<R>& plan, int g, const std::vector<shape_t<R>>& strides) {
    if (detail::neighbour_axes<E>() != 0) return std::nullopt;
    for (const auto& s : strides) {
        const auto ls = plan.loop_strides(s);
        if (ls[g] != ls[g + 1] * plan.extent[g + 1]) return std::nullopt;
    }
    loop_plan<R> flat = plan;
    flat.extent[g] *= plan.extent[g + 1];
    flat.last_axis[g] = plan.last_axis[g + 1];
    for (int h = g + 1; h + 1 < plan.dims; ++h) {
        flat.extent[h] = plan.extent[h + 1];
        flat.last_axis[h] = plan.last_axis[h + 1];
    }
    --flat.dims;
    return flat;
}

/// The pieces the reduced axis of `length` is cut into: whole when there are `units` >=
/// min_units outputs (or groups of them) to share out, else pieces of about piece_elements
/// elements (`per_position` elements each position). Fixed by the shape alone, so results
/// do not depend on the thread count.
struct axis_pieces {
    std::int64_t size, count;
};
inline axis_pieces cut_reduced_axis(std::int64_t units, std::int64_t length, std::int64_t per_position) {
    const std::int64_t size = std::max<std::int64_t>(1, piece_elements / per_position);
    if (units >= min_units || length < 2 * size) return {length, 1};
    return {size, (length + size - 1) / size};
}

/// Folds positions [begin, end) of the row `ev` stands on, in lane_count lanes.
template <class Red, class T, class Eval>
state_t<Red, T> fold_row(Eval& ev, std::int64_t begin, std::int64_t end) {
    state_t<Red, T> lane[lane_count];
    std::fill_n(lane, lane_count, Red::template identity<T>());
    for (std::int64_t j = begin; j < end; j += tile) {
        const std::int64_t n = std::min(tile, end - j);
        ev.template fold<Red>(lane, j, n, j);
    }
    return merge_lanes<Red, T>(lane);
}

/// Outputs that each reduce a small block of `length` x `width` values (the reduced positions
/// by the inner axis, or `width` 1 when the reduced axis is the inner one), where the blocks of
/// outputs neighbouring along loop axis g follow each other in memory: `flat` (g joined with
/// the loop axes after it) evaluates many blocks to a tile, each folded and written in turn.
template <class Red, int R, detail::expression E, class Dest>
void reduce_small_blocks(const E& e, const loop_plan<R>& plan, const loop_plan<R>& flat, int g, std::int64_t length,
                         std::int64_t width, Dest&& out_view) {
    using T = typename E::value_type;
    using S = state_t<Red, T>;
    const std::int64_t block = length * width, per_tile = tile / block, run = plan.extent[g];
    parallel_for(plan.total() / block, std::max<std::int64_t>(1, parallel_grain / block), [&](std::int64_t u0, std::int64_t u1) {
        fold_eval<E, R> ev(e, flat);
        auto dest = out_view();
        S acc[narrow];
        std::array<std::int64_t, R> index{};  // loop axes 0 .. g of output u; the others stay 0
        for (std::int64_t h = g, rest = u0; h >= 0; --h) {
            index[h] = rest % plan.extent[h];
            rest /= plan.extent[h];
        }
        for (std::int64_t u = u0; u < u1;) {
            const std::int64_t first = index[g], n = std::min({per_tile, run - first, u1 - u});
            ev.start_row(index, flat.dims);
            const T* v = ev.eval(first * block, n * block);
            dest.start_row(index, plan.dims);
            // Inline, not fold_columns: a kernel call per block would cost more than the block.
            // The common small widths (a component axis: xy, xyz, rgba) are known at compile
            // time, which keeps the states in registers.
            const auto fold = [&](auto w) {
                for (std::int64_t i = 0; i < n; ++i, v += block) {
                    std::fill_n(acc, w, Red::template identity<T>());
                    for (std::int64_t k = 0; k < length; ++k)
                        for (std::int64_t c = 0; c < w; ++c) Red::template step<T>(acc[c], v[k * w + c], k);
                    for (std::int64_t c = 0; c < w; ++c)
                        dest.row[i * dest.stride[g] + c * dest.inner_stride] = Red::template finish<T>(acc[c], length);
                }
            };
            switch (width) {
                case 1: fold(std::integral_constant<std::int64_t, 1>{}); break;
                case 2: fold(std::integral_constant<std::int64_t, 2>{}); break;
                case 3: fold(std::integral_constant<std::int64_t, 3>{}); break;
                case 4: fold(std::integral_constant<std::int64_t, 4>{}); break;
                default: fold(width);
            }
            u += n;
            index[g] += n;  // n outputs on, within this run; at its end, on to the next run
            for (int h = g; h > 0 && index[h] == plan.extent[h]; --h) {
                index[h] = 0;
                ++index[h - 1];
            }
        }
    });
}

/// The reduced axis is the inner loop axis: each output reduces one row of the loop.
template <class Red, int R, detail::expression E, class Dest>
void reduce_rows(const E& e, const loop_plan<R>& plan, const std::vector<shape_t<R>>& strides, Dest&& out_view) {
    using T = typename E::value_type;
    using S = state_t<Red, T>;
    const std::int64_t length = plan.inner(), rows = plan.total() / length;
    const axis_pieces pieces = cut_reduced_axis(rows, length, 1);
    if (pieces.count > 1) {  // few long rows: pieces of each row in parallel, then merged
        const auto partial = std::make_unique<S[]>(static_cast<std::size_t>(rows * pieces.count));
        parallel_for(rows * pieces.count, std::max<std::int64_t>(1, parallel_grain / pieces.size), [&](std::int64_t w0, std::int64_t w1) {
            fold_eval<E, R> ev(e, plan);
            row_cursor<R> cursor;
            for (std::int64_t w = w0; w < w1; ++w) {
                cursor.seek(plan, w / pieces.count);
                ev.start_row(cursor.index, plan.dims);
                const std::int64_t begin = w % pieces.count * pieces.size;
                partial[w] = fold_row<Red, T>(ev, begin, std::min(length, begin + pieces.size));
            }
        });
        auto dest = out_view();
        row_cursor<R> cursor;
        for (std::int64_t r = 0; r < rows; ++r, cursor.next(plan)) {
            merge_chunks<Red, T>(&partial[r * pieces.count], pieces.count, 1);
            dest.start_row(cursor.index, plan.dims);
            *dest.row = Red::template finish<T>(partial[r * pieces.count], length);
        }
        return;
    }
    // Short rows that follow each other in memory are evaluated many to a tile.
    if (const auto flat = length <= narrow && plan.dims > 1 ? joined<R, E>(plan, plan.dims - 2, strides) : std::nullopt)
        return reduce_small_blocks<Red, R>(e, plan, *flat, plan.dims - 2, length, 1, out_view);
    parallel_for(rows, std::max<std::int64_t>(1, parallel_grain / length), [&](std::int64_t r0, std::int64_t r1) {
        auto dest = out_view();
        row_cursor<R> cursor;
        cursor.seek(plan, r0);
        fold_eval<E, R> ev(e, plan);
        for (std::int64_t r = r0; r < r1; ++r, cursor.next(plan)) {
            ev.start_row(cursor.index, plan.dims);
            const S s = fold_row<Red, T>(ev, 0, length);
            dest.start_row(cursor.index, plan.dims);
            *dest.row = Red::template finish<T>(s, length);
        }
    });
}

/// Folds reduced positions [k0, k1) (of `length`) of the band [j, j + n) of a column reduction
/// into `acc` (`index`: the band's other loop axes), stacked_rows<Red, T> rows to a call over
/// the whole band where that pays: an array's rows where they lie side by side; a fused map's
/// (sums, means and products of floats) where its inputs all do, computed as they are folded;
/// computed rows of an ordered_arg_fold a tile at a time, each copied to its slot of `stack`
/// unless computed there (an evaluator's next eval overwrites its own tile). Other rows are
/// evaluated and folded one at a time.
template <class Red, class T, int R, class Eval>
void fold_column_band(Eval& ev, const loop_plan<R>& plan, int g_axis, std::array<std::int64_t, R> index,
                      std::int64_t k0, std::int64_t k1, std::int64_t length, std::int64_t j, std::int64_t n,
                      column_states<Red, T> acc, T* stack) {
    constexpr std::int64_t stacked = stacked_rows<Red, T>;
    const T* row[stacked];
    const auto stand_on = [&](std::int64_t k) {
        index[g_axis] = k;
        ev.start_row(index, plan.dims);
    };
    // take(q) keeps the row ev stands on as the stack's q-th, fold(count, kb) folds the stack
    // of `count` rows from kb on.
    const auto by_stacks = [&](auto take, auto fold) {
        for (std::int64_t kb = k0; kb < k1; kb += stacked) {
            const std::int64_t count = std::min(stacked, k1 - kb);
            for (std::int64_t q = 0; q < count; ++q) {
                stand_on(kb + q);
                take(q);
            }
            fold(count, kb);
        }
    };
    if constexpr (stacked > 1 && requires { ev.in_place(j); }) {
        stand_on(k0);
        if (ev.in_place(j) && (ordered_arg_fold<Red, T> || stacking_pays<state_t<Red, T>>(n, length)))
            return by_stacks([&](std::int64_t q) { row[q] = ev.in_place(j); },
                             [&](std::int64_t count, std::int64_t kb) { fold_column_rows<Red, T>(acc, row, count, n, kb); });
    }
    if constexpr (arithmetic_fold<Red, T> && requires { ev.region.in_place(); }) {
        stand_on(k0);
        if (ev.region.in_place() && stacking_pays<state_t<Red, T>>(n, length)) {
            decltype(ev.region.load(j, n)) values[stacked];
            return by_stacks([&](std::int64_t q) { values[q] = ev.region.load(j, n); },
                             [&](std::int64_t count, std::int64_t) { run_fused_column_fold<Red, T>(acc, values, count, n); });
        }
    }
    if constexpr (ordered_arg_fold<Red, T>) {
        for (std::int64_t kb = k0; kb < k1; kb += stacked) {
            const std::int64_t count = std::min(stacked, k1 - kb);
            for (std::int64_t i = 0; i < n; i += tile) {
                const std::int64_t m = std::min(tile, n - i);
                for (std::int64_t q = 0; q < count; ++q) {
                    stand_on(kb + q);
                    T* const slot = &stack[q * tile];
                    if (const T* v = ev.eval(j + i, m, slot); v != slot) std::copy_n(v, m, slot);
                    row[q] = slot;
                }
                fold_column_rows<Red, T>(acc + i, row, count, m, kb);
            }
        }
    } else {
        for (std::int64_t k = k0; k < k1; ++k) {
            stand_on(k);
            for (std::int64_t i = 0; i < n; i += tile) {
                const std::int64_t m = std::min(tile, n - i);
                fold_columns<Red, T>(acc + i, ev.eval(j + i, m), m, 1, k);
            }
        }
    }
}

/// The reduced axis is an outer loop axis (g_axis): each work unit accumulates a tile of the
/// inner axis over the reduced positions, or over a piece of them when the units are few.
template <class Red, int R, detail::expression E, class Dest>
void reduce_columns(const E& e, const loop_plan<R>& plan, int g_axis, const std::vector<shape_t<R>>& strides,
                    Dest&& out_view) {
    using T = typename E::value_type;
    using S = state_t<Red, T>;
    const std::int64_t length = plan.extent[g_axis], inner = plan.inner();
    // Short columns that follow each other in memory: many reduced positions to a tile, and
    // when the outputs' whole blocks follow each other too, many outputs to a tile.
    const auto flat = inner <= narrow && g_axis == plan.dims - 2 ? joined<R, E>(plan, g_axis, strides) : std::nullopt;
    if (flat && g_axis > 0 && 2 * length * inner <= tile)
        if (const auto wide = joined<R, E>(*flat, g_axis - 1, strides))
            return reduce_small_blocks<Red, R>(e, plan, *wide, g_axis - 1, length, inner, out_view);
    const std::int64_t width = std::min(inner, column_band(length, sizeof(S))), tiles_per_row = (inner + width - 1) / width;
    const std::int64_t units = plan.total() / (length * inner) * tiles_per_row;
    const axis_pieces pieces = cut_reduced_axis(units, length, width);
    // argmin and argmax of floats fold into arg_columns of their own (copied to `partial` where
    // the axis is cut), the others into `partial` or `local`.
    constexpr bool apart = ordered_arg_fold<Red, T>;
    const auto partial = pieces.count > 1 ? std::make_unique<S[]>(static_cast<std::size_t>(units * pieces.count * width)) : nullptr;
    const auto levels = partial ? std::make_unique<std::uint8_t[]>(static_cast<std::size_t>(units * pieces.count)) : nullptr;

    // Unit u: its row index over the loop axes other than the reduced and inner ones, and
    // its tile [j, j + n) of the inner axis.
    const auto locate = [&](std::int64_t u, std::array<std::int64_t, R>& index, std::int64_t& j, std::int64_t& n) {
        std::int64_t rest = u / tiles_per_row;
        for (int g = plan.dims - 2; g >= 0; --g) {
            if (g == g_axis) continue;
            index[g] = rest % plan.extent[g];
            rest /= plan.extent[g];
        }
        j = u % tiles_per_row * width;
        n = std::min(width, inner - j);
    };
    const auto write = [&](auto& dest, std::array<std::int64_t, R> index, std::int64_t j, std::int64_t n, const auto& acc) {
        index[g_axis] = 0;
        dest.start_row(index, plan.dims);
        for (std::int64_t i = 0; i < n; ++i) dest.row[(j + i) * dest.inner_stride] = Red::template finish<T>(acc[i], length);
    };

    parallel_for(units * pieces.count, std::max<std::int64_t>(1, parallel_grain / (pieces.size * width)),
                 [&](std::int64_t w0, std::int64_t w1) {
        fold_eval<E, R> ev(e, flat ? *flat : plan);
        auto dest = out_view();
        const auto local = std::make_unique<S[]>(static_cast<std::size_t>(apart ? 0 : width));  // not vector<bool>
        const auto values = std::make_unique<T[]>(static_cast<std::size_t>(apart ? width : 0));
        const auto rows_of = std::make_unique<std::int64_t[]>(static_cast<std::size_t>(apart ? width : 0));
        const auto stack = std::make_unique<T[]>(static_cast<std::size_t>(apart ? stacked_rows<Red, T> * tile : 0));
        for (std::int64_t w = w0; w < w1; ++w) {
            std::array<std::int64_t, R> index{};
            std::int64_t j = 0, n = 0;
            locate(w / pieces.count, index, j, n);
            column_states<Red, T> acc;
            if constexpr (apart) {
                acc = {values.get(), rows_of.get()};
                std::fill_n(acc.index, n, Red::template identity<T>().index);
            } else {
                acc = partial ? &partial[w * width] : local.get();
                std::fill_n(acc, n, Red::template identity<T>());
            }
            const std::int64_t k0 = w % pieces.count * pieces.size, k1 = std::min(length, k0 + pieces.size);
            if (flat) {
                ev.start_row(index, flat->dims);
                for (std::int64_t k = k0, per_tile = tile / inner; k < k1; k += per_tile) {
                    const std::int64_t rows = std::min(per_tile, k1 - k);
                    fold_columns<Red, T>(acc, ev.eval(k * inner, rows * inner), inner, rows, k);
                }
            } else {
                fold_column_band<Red, T, R>(ev, plan, g_axis, index, k0, k1, length, j, n, acc, stack.get());
            }
            if (!partial) {
                write(dest, index, j, n, acc);
            } else {
                if constexpr (apart)
                    for (std::int64_t i = 0; i < n; ++i) partial[w * width + i] = acc[i];
                const std::int64_t unit_start = w - w % pieces.count;
                merge_finished_blocks<Red, T>(&partial[unit_start * width], w - unit_start, std::max(w0, unit_start) - unit_start,
                                              pieces.count, width, &levels[unit_start]);
            }
        }
    });
    if (!partial) return;
    parallel_for(units, 1, [&](std::int64_t u0, std::int64_t u1) {
        auto dest = out_view();
        for (std::int64_t u = u0; u < u1; ++u) {
            std::array<std::int64_t, R> index{};
            std::int64_t j = 0, n = 0;
            locate(u, index, j, n);
            S* const acc = &partial[u * pieces.count * width];
            merge_chunks<Red, T>(acc, pieces.count, width, &levels[u * pieces.count]);
            write(dest, index, j, n, acc);
        }
    });
}

/// An uninitialised output of `out_shape` for a reduction along `axis` of an input walked in
/// `order`, its axes laid out in memory in that order (without the reduced axis).
template <class V, int R>
array<V, R - 1> laid_out_like_input(const std::array<int, R>& order, int axis, const shape_t<R - 1>& out_shape) {
    std::array<int, R - 1> out_order{};  // output axes, outermost in memory first
    for (int i = 0, j = 0; i < R; ++i)
        if (order[i] != axis) out_order[j++] = order[i] - (order[i] > axis);
    shape_t<R - 1> stored{};
    std::array<int, R - 1> view_axes{};  // output axis d is the stored array's axis view_axes[d]
    for (int j = 0; j < R - 1; ++j) {
        stored[j] = out_shape[out_order[j]];
        view_axes[out_order[j]] = j;
    }
    return array<V, R - 1>(stored, device::cpu()).transpose(view_axes);
}

/// Reduces `e` (shape `shape`, rank R >= 1) along `axis` into `out` (rank R - 1).
template <class Red, int R, detail::expression E, class Out>
void reduce_axis(const E& e, const shape_t<R>& shape, int axis, Out& out, bool fast_math) {
    using T = typename E::value_type;
    using V = typename Out::value_type;
    if (out.size() == 0) return;
    if (shape[axis] == 0) {  // every output reduces nothing
        const V empty = Red::template finish<T>(Red::template identity<T>(), 0);
        run_elementwise<R - 1>(out.shape(), std::tie(out), std::tuple{detail::scalar_expr<V>{empty}}, false);
        return;
    }
    // The output seen from the input's axes: stride 0 along the reduced axis.
    shape_t<R> out_strides{};
    for (int d = 0, o = 0; d < R; ++d) out_strides[d] = d == axis ? 0 : out.strides()[o++];
    const std::vector<shape_t<R>> strides = leaf_strides<R>(e, shape);
    const std::array<int, R> order = memory_order<R, E>(shape, strides);
    const loop_plan<R> plan = reduction_plan<R, E>(shape, strides, order, 1ull << axis, fast_math, &out_strides);
    if constexpr (R > 1) {
        if (reduction_plan<R, E>(shape, strides, order, 1ull << axis, fast_math).dims < plan.dims) {
            // The output's layout would cut loops the input runs through (a transposed view
            // reduced into a row-major result): reduce into a scratch output laid out like
            // the input, then copy it (outputs are a line's length fewer than inputs).
            array<V, R - 1> scratch = laid_out_like_input<V, R>(order, axis, out.shape());
            reduce_axis<Red, R>(e, shape, axis, scratch, fast_math);
            run_elementwise<R - 1>(out.shape(), std::tie(out), std::tuple{scratch}, false);
            return;
        }
    }
    // The output seen through the loop (stride 0 along the reduced axis).
    const auto out_view = [&] { return loop_view<V, R>(out.data(), shape, out_strides, plan); };
    int g_axis = 0;
    while (plan.last_axis[g_axis] != axis) ++g_axis;
    if (g_axis == plan.dims - 1) reduce_rows<Red, R>(e, plan, strides, out_view);
    else reduce_columns<Red, R>(e, plan, g_axis, strides, out_view);
}

}  // namespace jitfuse::cpu
