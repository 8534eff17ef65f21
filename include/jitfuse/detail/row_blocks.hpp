// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file A statement whose nested reductions run along its rows (`softmax`, a row's mean or
/// norm taken out), evaluated on the CPU a block of rows at a time. Computed whole, each
/// nested reduction and the final pass each stream the input from memory, and what a pass
/// shares with a reduction (`exp(x - max)`) is computed again by each; a block of rows is read
/// from memory once and stays in cache for all of them, and the subtrees the block's passes
/// share are computed once, into a block-sized temporary (repeated_subtrees.hpp). Every block
/// runs the statement's own passes over its rows. A reduction of a block folds each row in the
/// order of the block's layout, so a sum may round otherwise than over the whole operand (as a
/// sum over a view and over a copy of it may); blocks are fixed by the shape and the setting,
/// so results do not depend on the thread count.
///
/// A block holds `config().row_block_bytes` of the target (JITFUSE_ROW_BLOCK_BYTES, 512 KiB: a
/// core's L2 cache holds the block's input, its temporaries and its part of the target).
/// The rows are the indices along axis 0 of the target. A statement is cut there only if
/// every node either follows the target's rows (an operand's axis aligned with it by
/// broadcasting, expand_dims or a reduction over another axis) or is constant along them
/// with nothing computed first inside; a reduction or scan along the rows themselves, a
/// shift across them, random numbers (drawn by global position) or a target whose rows are not
/// its outermost axis in memory keep the statement whole.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../array.hpp"
#include "../config.hpp"
#include "computed_once.hpp"
#include "evaluate.hpp"
#include "expand_dims_expr.hpp"
#include "expr.hpp"
#include "repeated_subtrees.hpp"
#include "shift_expr.hpp"
#include "walk.hpp"
#include "jitfuse/cpu/thread_pool.hpp"

namespace jitfuse::detail {

/// A statement is cut only when it reads at least this many blocks' worth of elements: smaller
/// ones keep their reductions' results in cache between whole passes already.
inline constexpr std::int64_t blocks_to_cut = 8;

template <class E>
struct computed_first_node : std::bool_constant<computed_first<E>> {};

/// Does `e` hold a node computed before the pass that reads it (itself included)?
template <class E>
constexpr bool computes_first() {
    return computed_first<E> || any_below<computed_first_node, E>();
}

/// The axis of `child` (an operand of `node`) that follows `node`'s axis `a`; negative when
/// the child has no such axis (broadcasting adds it).
template <class N, class C>
std::int64_t operand_axis(const N& node, std::int64_t a) {
    if constexpr (reduction<N>) return a < node.axis ? a : a + 1;
    else if constexpr (axis_insertion<N>) return a < node.axis ? a : a - 1;
    else return a - (N::rank - C::rank);  // scans, shifts, operations, calls: right-aligned
}

/// Can `e` be cut along its axis `a` (negative: `e` has none, so it is the same in every
/// block) into blocks of rows, each computed alone?
template <expression E>
bool cuts_into_rows(const E& e, std::int64_t a) {
    if (a < 0 || e.shape()[a] == 1) return !computes_first<E>();  // the same for every block
    if constexpr (is_array_v<E>) return true;
    else if constexpr (generated_leaf<E>) return false;
    else {
        if constexpr (scan<E>)
            if (e.axis == a) return false;
        if constexpr (is_shift_v<E>)
            if (e.offset[a] != 0) return false;
        return std::apply([&](const auto&... child) {
            return (cuts_into_rows(child, operand_axis<E, std::remove_cvref_t<decltype(child)>>(e, a)) && ...);
        }, e.children());
    }
}

/// Rows [begin, end) along axis `a` (0..R-1) of `x`.
template <class T, int R>
array<T, R> array_rows(const array<T, R>& x, std::int64_t a, std::int64_t begin, std::int64_t end) {
    return [&]<std::size_t... D>(std::index_sequence<D...>) {
        const auto pick = [&](std::size_t d) {
            return static_cast<std::int64_t>(d) == a ? range{begin, end} : range{0, x.shape()[d]};
        };
        return x(pick(D)...);
    }(std::make_index_sequence<R>{});
}

/// `e` restricted to rows [begin, end) of its axis `a` (cuts_into_rows holds).
template <expression E>
E rows_of(const E& e, std::int64_t a, std::int64_t begin, std::int64_t end) {
    if (a < 0 || e.shape()[a] == 1) return e;
    if constexpr (is_array_v<E>) return array_rows(e, a, begin, end);
    else if constexpr (std::tuple_size_v<decltype(e.children())> == 0) return e;
    else
        return e.transform([&](const auto& child) {
            return rows_of(child, operand_axis<E, std::remove_cvref_t<decltype(child)>>(e, a), begin, end);
        });
}

/// Elements a statement reads: its own for a map or a scan, its operand's for a reduction.
template <expression E>
std::int64_t elements_read(const E& e) {
    std::int64_t total = 1;
    if constexpr (reduction<E>) for (const std::int64_t n : e.a.shape()) total *= n;
    else for (const std::int64_t n : e.shape()) total *= n;
    return total;
}

/// Rows per block of statement `e`, whose target of `Elem`s has `strides`, for blocks of
/// `block_bytes` of the target; 0 when it is better computed whole: too small (a block itself
/// is: no statement inside a block is cut again), rows too long to keep a block in cache, rows
/// that are not the target's outermost axis in memory, or fewer than 4 blocks per thread.
template <class Elem, expression E>
std::int64_t rows_per_block(const E& e, const shape_t<E::rank>& strides, std::int64_t block_bytes) {
    constexpr int R = E::rank;
    const shape_t<R> shape = e.shape();
    const std::int64_t block_elements = std::max<std::int64_t>(1, block_bytes / static_cast<std::int64_t>(sizeof(Elem)));
    const std::int64_t total = elements_read(e);
    if (block_bytes == 0 || total < blocks_to_cut * block_elements) return 0;
    const std::int64_t row_elements = total / shape[0];
    if (row_elements > 2 * block_elements) return 0;
    for (int d = 1; d < R; ++d)
        if (shape[d] > 1 && std::llabs(strides[d]) * shape[d] > std::llabs(strides[0])) return 0;
    const std::int64_t rows = std::max<std::int64_t>(1, block_elements / row_elements);
    return shape[0] < 4 * rows * cpu::num_threads() ? 0 : rows;
}

/// Evaluates `target = e` a block of rows at a time on the CPU's threads, when the statement
/// has something to compute first and cuts into rows, and that pays. False, having done
/// nothing, when it is computed whole instead (on another device too).
template <class T, int R, class E>
bool assign_by_row_blocks(array<T, R>& target, const E& e) {
    if constexpr (R == 0 || !any_below<computed_first_node, E>()) {
        return false;
    } else {
        const device dev = pass_device(target, e);
        if (!dev.is_cpu()) return false;
        check_target(target, e.shape(), dev);
        const shape_t<R> strides = target.empty() ? contiguous_strides<R>(e.shape()) : target.strides();
        const std::int64_t rows = rows_per_block<T>(e, strides, config().row_block_bytes);
        if (rows == 0 || !cuts_into_rows(e, 0)) return false;
        bool empty_operand = false;  // a reduction that may need elements: the whole path reports it
        for_each_array(e, [&](const auto& a) { empty_operand = empty_operand || a.size() == 0; });
        if (empty_operand) return false;
        allocate_if_empty(target, e.shape(), dev);
        if (reads_through_other_view(target, e)) return false;  // blocks would write rows others read
        // Each block's final pass streams when the whole target is big enough (run_pass).
        const std::uint64_t statement_bytes = bytes_of_arrays(target);
        cpu::parallel_for((e.shape()[0] + rows - 1) / rows, 1, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t b = first; b < last; ++b) {
                const std::int64_t begin = b * rows, end = std::min(e.shape()[0], begin + rows);
                const separate_statement statement;    // each block computes its own nodes
                const passes_counted counted(b == 0);  // one block's passes stand for the statement's
                array<T, R> part = array_rows(target, 0, begin, end);
                assign_whole(part, share_repeated_subtrees(rows_of(e, 0, begin, end), dev), statement_bytes);
            }
        });
        return true;
    }
}

}  // namespace jitfuse::detail
