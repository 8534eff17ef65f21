// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Elementwise operations: operators and functions over expressions, generated from
/// the lists below. At least one operand must be an array or expression; C++ numbers are
/// weak scalars (see the promotion table in docs/type_promotion.md).

#include "detail/expr.hpp"
#include "detail/op_defs.hpp"

namespace jitfuse {
namespace detail {

template <class L, class R>
concept binary_operands = operand<L> && operand<R> && (expression<L> || expression<R>);

template <class A, class B, class C>
concept ternary_operands = operand<A> && operand<B> && operand<C> &&
                           (expression<A> || expression<B> || expression<C>);

template <class Op, class A>
auto make_unary(const A& a) {
    return unary_expr<Op, as_expr_t<A>>{as_expr(a)};
}
template <class Op, class L, class R>
auto make_binary(const L& l, const R& r) {
    return binary_expr<Op, as_expr_t<L>, as_expr_t<R>>(as_expr(l), as_expr(r));
}
template <class Op, class A, class B, class C>
auto make_ternary(const A& a, const B& b, const C& c) {
    return ternary_expr<Op, as_expr_t<A>, as_expr_t<B>, as_expr_t<C>>(as_expr(a), as_expr(b),
                                                                        as_expr(c));
}

}  // namespace detail

#define JITFUSE_UNARY_OPERATORS(X) X(-, negative) X(!, logical_not) X(~, bitwise_not)

#define JITFUSE_BINARY_OPERATORS(X)                                                         \
    X(+, add) X(-, subtract) X(*, multiply) X(/, divide) X(%, remainder) X(==, equal)        \
    X(!=, not_equal) X(<, less) X(<=, less_equal) X(>, greater) X(>=, greater_equal)         \
    X(&&, logical_and) X(||, logical_or) X(&, bitwise_and) X(|, bitwise_or)                  \
    X(^, bitwise_xor) X(<<, shift_left) X(>>, shift_right)

#define JITFUSE_UNARY_FUNCTIONS(X)                                                           \
    X(abs) X(sqrt) X(rsqrt) X(cbrt) X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p) \
    X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh) X(cosh) X(tanh) X(floor) X(ceil)    \
    X(round) X(trunc) X(erf) X(isnan) X(isinf) X(isfinite) X(sign) X(square)

#define JITFUSE_BINARY_FUNCTIONS(X) X(minimum) X(maximum) X(pow) X(atan2) X(hypot)

#define JITFUSE_TERNARY_FUNCTIONS(X) X(where) X(clamp) X(fma)

#define JITFUSE_DEFINE_UNARY_OPERATOR(SYMBOL, OP)          \
    template <detail::expression E>                        \
    auto operator SYMBOL(const E& e) {                     \
        return detail::make_unary<detail::OP##_op>(e);     \
    }
#define JITFUSE_DEFINE_BINARY_OPERATOR(SYMBOL, OP)                       \
    template <class L, class R>                                          \
        requires detail::binary_operands<L, R>                           \
    auto operator SYMBOL(const L& l, const R& r) {                       \
        return detail::make_binary<detail::OP##_op>(l, r);               \
    }
#define JITFUSE_DEFINE_UNARY_FUNCTION(NAME)              \
    template <detail::expression E>                      \
    auto NAME(const E& e) {                              \
        return detail::make_unary<detail::NAME##_op>(e); \
    }
#define JITFUSE_DEFINE_BINARY_FUNCTION(NAME)                   \
    template <class L, class R>                                \
        requires detail::binary_operands<L, R>                 \
    auto NAME(const L& l, const R& r) {                        \
        return detail::make_binary<detail::NAME##_op>(l, r);   \
    }
#define JITFUSE_DEFINE_TERNARY_FUNCTION(NAME)                      \
    template <class A, class B, class C>                           \
        requires detail::ternary_operands<A, B, C>                 \
    auto NAME(const A& a, const B& b, const C& c) {                \
        return detail::make_ternary<detail::NAME##_op>(a, b, c);   \
    }

JITFUSE_UNARY_OPERATORS(JITFUSE_DEFINE_UNARY_OPERATOR)
JITFUSE_BINARY_OPERATORS(JITFUSE_DEFINE_BINARY_OPERATOR)
JITFUSE_UNARY_FUNCTIONS(JITFUSE_DEFINE_UNARY_FUNCTION)
JITFUSE_BINARY_FUNCTIONS(JITFUSE_DEFINE_BINARY_FUNCTION)
JITFUSE_TERNARY_FUNCTIONS(JITFUSE_DEFINE_TERNARY_FUNCTION)

#undef JITFUSE_DEFINE_UNARY_OPERATOR
#undef JITFUSE_DEFINE_BINARY_OPERATOR
#undef JITFUSE_DEFINE_UNARY_FUNCTION
#undef JITFUSE_DEFINE_BINARY_FUNCTION
#undef JITFUSE_DEFINE_TERNARY_FUNCTION

/// `cast<T>(e)`: converts each element to T (float to integer truncates and saturates, NaN
/// gives 0; anything to bool is `!= 0`).
template <element T, detail::expression E>
auto cast(const E& e) {
    return detail::make_unary<detail::cast_op<T>>(e);
}

}  // namespace jitfuse
