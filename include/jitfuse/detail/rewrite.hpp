// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The rewrite of an expression before a pass: nested reductions and scans computed
/// first (each distinct one once per statement), expand_dims pushed down to the leaves.

#include <cstdint>
#include <tuple>
#include <type_traits>

#include "../device.hpp"
#include "computed_once.hpp"
#include "expand_dims_expr.hpp"
#include "expr.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

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

/// `e` computed now into a new array on `dev`, unless this statement computed it already.
template <expression E>
array<typename E::value_type, E::rank> computed(const E& e, const device& dev) {
    return computed_once(e, dev, [&] {
        array<typename E::value_type, E::rank> result(e.shape(), dev);
        assign(result, e);
        return result;
    });
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
/// result, computed on `dev` (the device of the pass that reads it); `e` itself too when it is
/// one (the operand of another reduction, `max(sum(x, 1))`, or an expression of `tie`); and
/// every expand_dims pushed down to the leaves.
template <expression E>
auto rewritten_for_pass(const E& e, const device& dev) {
    if constexpr (computed_first<E>) {
        return computed(e, dev);
    } else if constexpr (axis_insertion<E>) {
        return insert_axis<E::rank - 1>(rewritten_for_pass(e.a, dev), e.axis, dev);
    } else if constexpr (is_array_v<E> || !has_nested_rewrite<E>()) return e;
    else
        return e.transform([&](const auto& child) { return rewritten_for_pass(child, dev); });
}

/// `rewritten_for_pass` as one statement: equal nodes anywhere below `e`, in the passes that
/// compute nested nodes too, are computed once. Trees with nothing to rewrite are returned as
/// they are.
template <expression E>
auto materialize_reductions(const E& e, const device& dev) {
    if constexpr (rewritten_node<E>::value || has_nested_rewrite<E>()) {
        const statement_scope statement;
        return rewritten_for_pass(e, dev);
    } else {
        return e;
    }
}

}  // namespace jitfuse::detail
