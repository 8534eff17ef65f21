// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The node behind `expand_dims(e, axis)` for an expression: `e` with a new axis of
/// extent 1, so that a per-row result broadcasts along rows (`x - expand_dims(max(x, 1), 1)`).
/// It reaches no backend: before a pass, rewrite.hpp pushes the axis down to the leaves (views
/// of the arrays, reshaped random leaves), so the expression fuses as if written on them.

#include <cstdint>
#include <tuple>

#include "expr.hpp"
#include "shape.hpp"

namespace jitfuse::detail {

template <expression A>
struct expand_dims_expr {
    static constexpr bool is_expression = true;
    static constexpr bool inserts_axis = true;
    using value_type = typename A::value_type;
    static constexpr int rank = A::rank + 1;
    static constexpr bool weak = A::weak;

    A a;
    std::int64_t axis;  ///< where the new axis goes (normalised: 0..A::rank)
    shape_t<rank> shape_;

    expand_dims_expr(A a_, std::int64_t axis_)
        : a(std::move(a_)), axis(new_axis_position(axis_, operand_shape(a))),
          shape_(with_unit_axis<A::rank>(a.shape(), axis)) {}
    shape_t<rank> shape() const { return shape_; }
    auto children() const { return std::tie(a); }
    template <class F> auto transform(F&& f) const {
        auto na = f(a);
        return expand_dims_expr<decltype(na)>{std::move(na), axis};
    }
};

/// An expand_dims node (of an expression; that of an array is a view).
template <class E>
concept axis_insertion = requires { requires std::remove_cvref_t<E>::inserts_axis; };

}  // namespace jitfuse::detail
