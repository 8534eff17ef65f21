// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Walks over expression trees: the leaves (arrays), every node in post-order (the order
/// code generation numbers them), and the rewrite before a pass, which computes nested
/// reductions first and pushes expand_dims down to the leaves.

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../device.hpp"
#include "expand_dims_expr.hpp"
#include "expr.hpp"

namespace jitfuse::detail {

template <class E>
inline constexpr bool is_array_v = false;
template <class T, int R>
inline constexpr bool is_array_v<array<T, R>> = true;

template <class E>
concept reduction = requires { requires std::remove_cvref_t<E>::is_reduction; };

/// A scan or rolling window (`cumsum`, `rolling_mean`, ...): see scan_expr.hpp.
template <class E>
concept scan = requires { requires std::remove_cvref_t<E>::is_scan; };

/// Nodes computed into a temporary before the pass that reads them: reductions and scans.
template <class E>
concept computed_first = reduction<E> || scan<E>;

/// Calls `f(node)` for every node below and including `e`, children before parents.
template <expression E, class F>
void visit_postorder(const E& e, F&& f) {
    if constexpr (!is_array_v<E>)
        std::apply([&](const auto&... child) { (visit_postorder(child, f), ...); }, e.children());
    f(e);
}

/// Calls `f(array)` for every array leaf of `e`, left to right.
template <expression E, class F>
void for_each_array(const E& e, F&& f) {
    visit_postorder(e, [&](const auto& node) {
        if constexpr (is_array_v<std::remove_cvref_t<decltype(node)>>) f(node);
    });
}

/// Leaves computed from their position instead of read from memory (random arrays).
template <class E>
concept generated_leaf = requires { requires std::remove_cvref_t<E>::is_generated; };

/// Calls `f(leaf)` for every leaf a pass indexes (arrays and generated leaves), left to right.
template <expression E, class F>
void for_each_indexed_leaf(const E& e, F&& f) {
    visit_postorder(e, [&](const auto& node) {
        using N = std::remove_cvref_t<decltype(node)>;
        if constexpr (is_array_v<N> || generated_leaf<N>) f(node);
    });
}

/// Does a node strictly below the root of `E` satisfy `Pred` (a trait: `Pred<Node>::value`)?
template <template <class> class Pred, class E>
constexpr bool any_below() {
    if constexpr (is_array_v<E>) return false;
    else
        return []<class... C>(std::type_identity<std::tuple<C...>>) {
            return ((Pred<std::remove_cvref_t<C>>::value || any_below<Pred, std::remove_cvref_t<C>>()) || ... || false);
        }(std::type_identity<std::remove_cvref_t<decltype(std::declval<const E&>().children())>>{});
}

/// Nodes no pass reads as they are: those computed first, and expand_dims (pushed down).
template <class E>
struct rewritten_node : std::bool_constant<computed_first<E> || axis_insertion<E>> {};

/// Does the tree hold a node to rewrite (a reduction, a scan, an expand_dims) below its root?
template <class E>
constexpr bool has_nested_rewrite() {
    return any_below<rewritten_node, E>();
}

template <class T, int R, class E>
void assign(array<T, R>& target, const E& e);

/// `e` computed now into a new array on `dev`.
template <expression E>
array<typename E::value_type, E::rank> computed(const E& e, const device& dev) {
    array<typename E::value_type, E::rank> result(e.shape(), dev);
    assign(result, e);
    return result;
}

/// An array of rank Q as an operand of a rank-R expression: leading axes of extent 1 added.
template <int R, class T, int Q>
array<T, R> aligned_to_rank(const array<T, Q>& a) {
    if constexpr (Q == R) return a;
    else return aligned_to_rank<R>(a.expand_dims(0));
}

/// `e`, an operand of a rank-R expression free of rewritten nodes, with an axis of extent 1
/// inserted at `at` (0..R) of that expression: array leaves become views, random leaves the
/// same numbers in the new shape, and other nodes are rebuilt on their operands (C++ numbers
/// broadcast as they are). A shift, whose offsets are per axis, is computed first.
template <int R, expression E>
auto insert_axis(const E& e, std::int64_t at, const device& dev) {
    if constexpr (is_array_v<E>) return aligned_to_rank<R>(e).expand_dims(at);
    else if constexpr (generated_leaf<E>) return e.template with_shape<R + 1>(with_unit_axis<R>(e.shape(), at));
    else if constexpr (requires { requires E::is_shift; }) return insert_axis<R>(computed(e, dev), at, dev);
    else if constexpr (std::tuple_size_v<decltype(e.children())> == 0) return e;  // a C++ number
    else return e.transform([&](const auto& child) { return insert_axis<R>(child, at, dev); });
}

/// The same tree with every reduction (and scan: every computed_first node) replaced by its
/// result, computed now on `dev` (the device of the pass that reads it); `e` itself too when
/// it is one (the operand of another reduction, `max(sum(x, 1))`, or an expression of `tie`);
/// and every expand_dims pushed down to the leaves. Trees without them are returned as they are.
template <expression E>
auto materialize_reductions(const E& e, const device& dev) {
    if constexpr (computed_first<E>) {
        return computed(e, dev);
    } else if constexpr (axis_insertion<E>) {
        return insert_axis<E::rank - 1>(materialize_reductions(e.a, dev), e.axis, dev);
    } else if constexpr (is_array_v<E> || !has_nested_rewrite<E>()) return e;
    else
        return e.transform([&](const auto& child) { return materialize_reductions(child, dev); });
}

}  // namespace jitfuse::detail
