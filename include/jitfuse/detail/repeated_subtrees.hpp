// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Subtrees a statement reads twice, computed once into a temporary. In a row softmax,
/// `e / expand_dims(sum(e, 1), 1)` with `e = exp(x - expand_dims(max(x, 1), 1))`, both the
/// sum and the final pass read `e`: computed where it is read, every exponential is taken
/// twice. Over a block of rows (row_blocks.hpp) the temporary stays in cache, so storing `e`
/// once and reading it twice is cheaper than computing it again; over a whole array it would
/// add a pass through memory, so only blocks share subtrees. A temporary holds the node's
/// values in its own type, which is what every pass reading the node computes: the results
/// are the same bits.

#include <tuple>
#include <type_traits>

#include "../device.hpp"
#include "expr.hpp"
#include "walk.hpp"
#include "jitfuse/cpu/fused_eval.hpp"

namespace jitfuse::detail {

template <expression E>
array<typename E::value_type, E::rank> computed(const E& e, const device& dev);

/// Is an operation of `E` costlier to compute again than to read back from cache: a call of a
/// user's function, or an operation outside the CPU's cheap inline set (transcendentals,
/// integer division, powers)?
template <class E>
constexpr bool costly_node() {
    if constexpr (requires { requires E::is_call; }) return true;
    else if constexpr (cpu::is_op_node<E>) return !cpu::inline_op<typename E::op_type, typename E::compute_type>;
    else return false;
}

/// Does `E` compute a costly operation in its own pass (below computed-first nodes, which are
/// computed once anyway, it does not look)?
template <class E>
constexpr bool costly_subtree() {
    if constexpr (computed_first<E> || is_array_v<E>) return false;
    else if constexpr (costly_node<E>()) return true;
    else
        return []<class... C>(std::type_identity<std::tuple<C...>>) {
            return (costly_subtree<std::remove_cvref_t<C>>() || ... || false);
        }(std::type_identity<std::remove_cvref_t<decltype(std::declval<const E&>().children())>>{});
}

/// How many nodes of type `N` the tree of `E` holds, `E` included.
template <class N, class E>
constexpr int occurrences() {
    int below = 0;
    if constexpr (!is_array_v<E>)
        below = []<class... C>(std::type_identity<std::tuple<C...>>) {
            return (0 + ... + occurrences<N, std::remove_cvref_t<C>>());
        }(std::type_identity<std::remove_cvref_t<decltype(std::declval<const E&>().children())>>{});
    return below + (std::is_same_v<N, E> ? 1 : 0);
}

/// `e`, a node of the statement `Root`, with each costly subtree that `Root` holds more than
/// once computed into a temporary (equal ones once: computed_once); the outermost such
/// subtrees only, their insides being computed with them.
template <class Root, expression E>
auto share_in(const E& e, const device& dev) {
    if constexpr (!computed_first<E> && costly_subtree<E>() && occurrences<E, Root>() >= 2) return computed(e, dev);
    else if constexpr (is_array_v<E>) return e;
    else if constexpr (std::tuple_size_v<decltype(e.children())> == 0) return e;  // a C++ number, a random leaf
    else return e.transform([&](const auto& child) { return share_in<Root>(child, dev); });
}

/// The statement `e` with its repeated costly subtrees computed once, on `dev`.
template <expression E>
auto share_repeated_subtrees(const E& e, const device& dev) {
    return share_in<E>(e, dev);
}

}  // namespace jitfuse::detail
