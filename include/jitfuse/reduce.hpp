// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Reductions: `jf::sum(e)` over everything (`.item()` gives the value) or
/// `jf::sum(e, axis)` along one axis (an expression of rank - 1). The map feeding a reduction
/// is fused into it.

#include <cstdint>

#include "array.hpp"
#include "detail/expr.hpp"
#include "detail/reducers.hpp"

namespace jitfuse {

#define JITFUSE_REDUCTIONS(X) \
    X(sum) X(prod) X(min) X(max) X(mean) X(any) X(argmin) X(argmax)

#define JITFUSE_DEFINE_REDUCTION(NAME)                                                   \
    template <detail::expression E>                                                      \
    auto NAME(const E& e) {                                                              \
        return detail::reduce_expr<detail::NAME##_reducer, E, 0>(e, detail::every_element); \
    }                                                                                    \
    template <detail::expression E>                                                      \
        requires(E::rank >= 1)                                                           \
    auto NAME(const E& e, std::int64_t axis) {                                           \
        return detail::reduce_expr<detail::NAME##_reducer, E, E::rank - 1>(e, axis);      \
    }
JITFUSE_REDUCTIONS(JITFUSE_DEFINE_REDUCTION)
#undef JITFUSE_DEFINE_REDUCTION

// `all` is also the whole-axis index tag, so it is a function object (see array.hpp).
template <class E>
auto detail::all_fn::operator()(const E& e) const {
    static_assert(expression<E>, "jitfuse: all() reduces an array or expression");
    return reduce_expr<all_reducer, E, 0>(e, every_element);
}
template <class E>
auto detail::all_fn::operator()(const E& e, std::int64_t axis) const {
    static_assert(expression<E> && E::rank >= 1, "jitfuse: all(e, axis) needs rank >= 1");
    return reduce_expr<all_reducer, E, E::rank - 1>(e, axis);
}

}  // namespace jitfuse
