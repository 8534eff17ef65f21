// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The generic expression nodes. An expression is a typed tree built at C++ compile
/// time; nothing runs until it is assigned to an array or reduced with `.item()`.
/// Every node has `value_type`, `rank`, `weak` (true only for C++ scalars), `shape()` and
/// `children()`; shapes are checked when the node is built.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "../dtype.hpp"
#include "op_defs.hpp"
#include "shape.hpp"

namespace jitfuse {

template <element T, int Rank>
class array;

/// An empty base that makes namespace jitfuse, where the operators are, an associated
/// namespace of a node none of whose template arguments lives there (argument-dependent
/// lookup finds `u + 1.0f` for a random leaf `u`).
struct with_operators {};

namespace detail {

/// A node of an expression tree (arrays are its leaves).
template <class E>
concept expression = requires { requires std::remove_cvref_t<E>::is_expression; };

/// Anything an operation accepts: an expression or a C++ number.
template <class X>
concept operand = expression<X> || scalar<std::remove_cvref_t<X>>;

/// A C++ number inside an expression; "weak": it takes the type of the array it meets.
template <element T>
struct scalar_expr {
    static constexpr bool is_expression = true;
    using value_type = T;
    static constexpr int rank = 0;
    static constexpr bool weak = true;
    T value;
    shape_t<0> shape() const { return {}; }
    auto children() const { return std::tuple<>{}; }
};

template <class E>
inline constexpr bool is_scalar_expr_v = false;
template <class T>
inline constexpr bool is_scalar_expr_v<scalar_expr<T>> = true;

/// Wraps an operand as a node: expressions stay as they are, numbers become scalar_expr.
template <operand X>
auto as_expr(const X& x) {
    if constexpr (expression<X>) return x;
    else return scalar_expr<normalize_t<X>>{static_cast<normalize_t<X>>(x)};
}
template <operand X>
using as_expr_t = decltype(as_expr(std::declval<const X&>()));

/// A type with its weakness, for promoting more than two operands.
template <class T, bool Weak>
struct typed {
    using type = T;
    static constexpr bool weak = Weak;
};
template <class A, class B>
using promote_typed = typed<promote_t<typename A::type, A::weak, typename B::type, B::weak>,
                            A::weak && B::weak>;
template <class E>
using typed_of = typed<typename E::value_type, E::weak>;

#define JITFUSE_ACCEPTS_CHECK(OP, C)                                                        \
    static_assert(OP::template accepts<C>,                                                 \
                  "jitfuse: this operation does not accept this element type (arithmetic " \
                  "on bool, or bit operations on floating point); cast<T>() the operand "  \
                  "first. The failing operation's tag names it.")

template <class Op, expression A>
struct unary_expr {
    static constexpr bool is_expression = true;
    using op_type = Op;
    using compute_type = typename Op::template compute<typename A::value_type>;
    using value_type = typename Op::template result<compute_type>;
    static constexpr int rank = A::rank;
    static constexpr bool weak = false;
    JITFUSE_ACCEPTS_CHECK(Op, compute_type);

    A a;
    shape_t<rank> shape() const { return a.shape(); }
    auto children() const { return std::tie(a); }
    template <class F> auto transform(F&& f) const {
        auto na = f(a);
        return unary_expr<Op, decltype(na)>{std::move(na)};
    }
};

[[noreturn]] void throw_empty_operand();

/// The shape of an operand about to be broadcast; an empty (moved-from) array is refused
/// here, before its (0,) shape could produce a misleading broadcasting error.
template <expression E>
auto operand_shape(const E& e) {
    if constexpr (requires { e.empty(); })
        if (e.empty()) throw_empty_operand();
    return e.shape();
}

template <class Op, expression L, expression R>
struct binary_expr {
    static constexpr bool is_expression = true;
    using op_type = Op;
    using promoted = promote_typed<typed_of<L>, typed_of<R>>;
    using compute_type = typename Op::template compute<typename promoted::type>;
    using value_type = typename Op::template result<compute_type>;
    static constexpr int rank = std::max(L::rank, R::rank);
    static constexpr bool weak = promoted::weak;
    JITFUSE_ACCEPTS_CHECK(Op, compute_type);

    L l;
    R r;
    shape_t<rank> shape_;

    binary_expr(L l_, R r_)
        : l(std::move(l_)), r(std::move(r_)),
          shape_(broadcast_shapes(operand_shape(l), operand_shape(r), Op::name.data())) {}
    shape_t<rank> shape() const { return shape_; }
    auto children() const { return std::tie(l, r); }
    template <class F> auto transform(F&& f) const {
        auto nl = f(l);
        auto nr = f(r);
        return binary_expr<Op, decltype(nl), decltype(nr)>{std::move(nl), std::move(nr)};
    }
};

/// Three operands: `where(c, a, b)` (condition read as bool, a and b promoted), `clamp`, `fma`.
template <class Op, expression A, expression B, expression C>
struct ternary_expr {
    static constexpr bool is_expression = true;
    using op_type = Op;
    static constexpr bool is_where = std::same_as<Op, where_op>;
    using promoted = std::conditional_t<
        is_where, promote_typed<typed_of<B>, typed_of<C>>,
        promote_typed<promote_typed<typed_of<A>, typed_of<B>>, typed_of<C>>>;
    using compute_type = typename Op::template compute<typename promoted::type>;
    using value_type = typename Op::template result<compute_type>;
    static constexpr int rank = std::max({A::rank, B::rank, C::rank});
    static constexpr bool weak = false;
    JITFUSE_ACCEPTS_CHECK(Op, compute_type);

    A a;
    B b;
    C c;
    shape_t<rank> shape_;

    ternary_expr(A a_, B b_, C c_)
        : a(std::move(a_)), b(std::move(b_)), c(std::move(c_)),
          shape_(broadcast_shapes(broadcast_shapes(operand_shape(a), operand_shape(b), Op::name.data()),
                                  operand_shape(c), Op::name.data())) {}
    shape_t<rank> shape() const { return shape_; }
    auto children() const { return std::tie(a, b, c); }
    template <class F> auto transform(F&& f) const {
        auto na = f(a);
        auto nb = f(b);
        auto nc = f(c);
        return ternary_expr<Op, decltype(na), decltype(nb), decltype(nc)>{
            std::move(na), std::move(nb), std::move(nc)};
    }
};

#undef JITFUSE_ACCEPTS_CHECK

/// Normalises `axis` (negative counts from the end) or throws a shape_error naming the shape.
std::int64_t normalize_axis(std::int64_t axis, std::span<const std::int64_t> shape);

/// The `axis` of a reduction over every element.
inline constexpr std::int64_t all_axes = INT64_MIN;
/// Builds a reduction over every element; any other axis, INT64_MIN included, is the user's.
struct every_element_t {};
inline constexpr every_element_t every_element{};

/// A reduction of `A` over one axis (`OutRank == A::rank - 1`) or over everything
/// (`OutRank == 0`; a rank-1 input reduced along its axis is the same thing). Inside a larger expression it is computed first into a
/// temporary; a map feeding it is fused into the reduction pass.
template <class Red, expression A, int OutRank>
struct reduce_expr {
    static constexpr bool is_expression = true;
    static constexpr bool is_reduction = true;
    static constexpr bool whole = OutRank == 0;
    using reducer = Red;
    using input_type = typename A::value_type;
    using value_type = typename Red::template result<input_type>;
    static constexpr int rank = OutRank;
    static constexpr bool weak = false;
    static_assert(Red::template accepts<input_type>,
                  "jitfuse: this reduction does not accept this element type");

    A a;
    std::int64_t axis;  ///< the reduced axis (normalised), or all_axes
    shape_t<OutRank> shape_{};

    reduce_expr(A a_, every_element_t) : a(std::move(a_)), axis(all_axes) {}
    reduce_expr(A a_, std::int64_t axis_) : a(std::move(a_)), axis(normalize_axis(axis_, a.shape())) {
        const auto in = a.shape();
        if constexpr (!whole)
            for (int d = 0, o = 0; d < A::rank; ++d)
                if (d != axis) shape_[o++] = in[d];
    }
    shape_t<rank> shape() const { return shape_; }
    auto children() const { return std::tie(a); }
    template <class F> auto transform(F&& f) const {
        auto na = f(a);
        using result = reduce_expr<Red, decltype(na), OutRank>;
        return axis == all_axes ? result{std::move(na), every_element} : result{std::move(na), axis};
    }

    /// Evaluates a whole reduction and returns its value (waits for the device).
    value_type item() const;
};

}  // namespace detail
}  // namespace jitfuse
