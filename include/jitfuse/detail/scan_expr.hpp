// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Scans and rolling windows along one axis: `cumsum`, `cumprod` (inclusive) and
/// `rolling_sum/mean/min/max` (pandas: the window ends at the output index, the first
/// `window - 1` outputs are NaN). Like reductions they are computed first when they appear
/// inside a larger expression; the map feeding them is fused into their pass.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../error.hpp"
#include "expr.hpp"
#include "reducers.hpp"

namespace jitfuse::detail {

/// Cumulative ops: the result type is the matching reduction's (small integers widen, JAX),
/// integer arithmetic wraps. `combine(a, b)` folds b into a running a.
struct cumsum_op {
    static constexpr std::string_view name = "cumsum";
    static constexpr bool rolling = false;
    template <class T> using result = widened_t<T>;
    template <class V> static V combine(V a, V b) { return wrap_add(a, b); }
};
struct cumprod_op {
    static constexpr std::string_view name = "cumprod";
    static constexpr bool rolling = false;
    template <class T> using result = widened_t<T>;
    template <class V> static V combine(V a, V b) { return wrap_mul(a, b); }
};

/// Rolling windows compute in the input's floating type; integer and bool inputs give
/// float64 (pandas), not the float32 of `mean`: a window of int32 values must sum exactly
/// and its min / max must give back the integer, which float32 cannot above 2^24.
template <class T>
using rolling_result_t = std::conditional_t<std::is_floating_point_v<T>, T, double>;

/// `combine` is associative (up to rounding), so a window may be folded in any grouping;
/// `finish` turns the fold of `window` values into the output.
struct rolling_base {
    static constexpr bool rolling = true;
    template <class T> using result = rolling_result_t<T>;
    template <class V> static V finish(V folded, std::int64_t) { return folded; }
};
struct rolling_sum_op : rolling_base {
    static constexpr std::string_view name = "rolling_sum";
    template <class V> static V combine(V a, V b) { return a + b; }
    /// Every window that holds a NaN (or +inf and -inf) gives the same NaN: which one an
    /// addition of two passes on depends on the order the compiler gives its operands, so it
    /// would differ between the paths a block may take, and with the thread count.
    template <class V> static V finish(V folded, std::int64_t) {
        return folded == folded ? folded : std::numeric_limits<V>::quiet_NaN();
    }
};
struct rolling_mean_op : rolling_sum_op {
    static constexpr std::string_view name = "rolling_mean";
    template <class V> static V finish(V folded, std::int64_t window) {
        return rolling_sum_op::finish(folded / static_cast<V>(window), window);
    }
};
struct rolling_min_op : rolling_base {
    static constexpr std::string_view name = "rolling_min";
    template <class V> static V combine(V a, V b) { return nan_min(a, b); }
};
struct rolling_max_op : rolling_base {
    static constexpr std::string_view name = "rolling_max";
    template <class V> static V combine(V a, V b) { return nan_max(a, b); }
};

/// A window of fewer than one element is a shape_error.
[[noreturn]] inline void throw_bad_window(std::string_view op, std::int64_t window) {
    throw shape_error(std::string(op) + " needs a window of at least 1 element, got " +
                      std::to_string(window));
}

/// `Op` along `axis` of `A`; the result has A's shape. `window` is 0 for cumulative ops.
template <class Op, class A>
struct scan_expr {
    static constexpr bool is_expression = true;
    static constexpr bool is_scan = true;
    using op_type = Op;
    using input_type = typename A::value_type;
    using value_type = typename Op::template result<input_type>;
    static constexpr int rank = A::rank;
    static constexpr bool weak = false;
    static_assert(A::rank >= 1, "jitfuse: cumsum / cumprod / rolling_* need an operand of rank >= 1 "
                                "(a rank-0 value has no axis to scan along)");

    A a;
    std::int64_t axis;    ///< normalised
    std::int64_t window;  ///< rolling ops: elements per window (>= 1); cumulative ops: 0

    scan_expr(A a_, std::int64_t axis_, std::int64_t window_ = 0)
        : a(std::move(a_)), axis(normalize_axis(axis_, a.shape())), window(window_) {
        if (Op::rolling && window < 1) throw_bad_window(Op::name, window);
    }
    shape_t<rank> shape() const { return a.shape(); }
    auto children() const { return std::tie(a); }
    template <class F> auto transform(F&& f) const {
        auto na = f(a);
        return scan_expr<Op, decltype(na)>{std::move(na), axis, window};
    }
};

}  // namespace jitfuse::detail
