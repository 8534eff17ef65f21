// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file `expand_dims(e, axis)`: `e` with a new axis of extent 1 at `axis` (NumPy's), so that
/// a result along one axis broadcasts along it again: the row softmax
/// `exp(x - expand_dims(max(x, 1), 1))` is the max's pass and one fused pass.

#include <cstdint>

#include "array.hpp"
#include "detail/expand_dims_expr.hpp"

namespace jitfuse {

/// Of an array: the view `a.expand_dims(axis)` (it shares the buffer).
template <element T, int Rank>
array<T, Rank + 1> expand_dims(const array<T, Rank>& a, std::int64_t axis) {
    return a.expand_dims(axis);
}

/// Of an expression: an expression of rank + 1, fused into the pass that reads it.
template <detail::expression E>
auto expand_dims(const E& e, std::int64_t axis) {
    return detail::expand_dims_expr<E>(e, axis);
}

}  // namespace jitfuse
