// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Scans and rolling windows along one axis. `cumsum(e, axis)` / `cumprod(e, axis)` are
/// inclusive and have the type of `sum` / `prod` (bool, int8, int16 -> int32; uint8, uint16
/// -> uint32; integers wrap). `rolling_sum/mean/min/max(e, window, axis)` follow pandas with
/// min_periods = window: output k folds inputs k - window + 1 .. k, the first window - 1
/// outputs are NaN, a NaN inside the window gives NaN, a window longer than the axis gives
/// all NaN; float inputs keep their type, integer and bool inputs give float64. Negative axes
/// count from the end. Inside a larger expression they are computed first; the map feeding
/// them fuses into their pass.

#include <cstdint>

#include "detail/evaluate_scan.hpp"
#include "detail/scan_expr.hpp"
#include "explain.hpp"

namespace jitfuse {

#define JITFUSE_DEFINE_SCAN(NAME)                                                       \
    /** Inclusive NAME along `axis`. */                                                 \
    template <detail::expression E>                                                     \
    auto NAME(const E& e, std::int64_t axis) {                                          \
        return detail::scan_expr<detail::NAME##_op, E>(e, axis);                        \
    }                                                                                   \
    /** NAME of a rank-1 operand. */                                                    \
    template <detail::expression E>                                                     \
        requires(E::rank == 1)                                                          \
    auto NAME(const E& e) {                                                             \
        return detail::scan_expr<detail::NAME##_op, E>(e, 0);                           \
    }
JITFUSE_DEFINE_SCAN(cumsum)
JITFUSE_DEFINE_SCAN(cumprod)
#undef JITFUSE_DEFINE_SCAN

#define JITFUSE_DEFINE_ROLLING(NAME)                                                    \
    /** NAME over windows of `window` elements ending at each index along `axis`. */    \
    template <detail::expression E>                                                     \
    auto NAME(const E& e, std::int64_t window, std::int64_t axis) {                     \
        return detail::scan_expr<detail::NAME##_op, E>(e, axis, window);                \
    }                                                                                   \
    /** NAME of a rank-1 operand. */                                                    \
    template <detail::expression E>                                                     \
        requires(E::rank == 1)                                                          \
    auto NAME(const E& e, std::int64_t window) {                                        \
        return detail::scan_expr<detail::NAME##_op, E>(e, 0, window);                   \
    }
JITFUSE_DEFINE_ROLLING(rolling_sum)
JITFUSE_DEFINE_ROLLING(rolling_mean)
JITFUSE_DEFINE_ROLLING(rolling_min)
JITFUSE_DEFINE_ROLLING(rolling_max)
#undef JITFUSE_DEFINE_ROLLING

namespace detail {

/// The GPU pass of a scan (`explain`, `precompile`): a cumulative op launches a thread per
/// line, or per chunk of a line (first the chunks' totals), a rolling window a thread per output.
template <class Op, class A>
pass_plan plan_scan(const scan_expr<Op, A>& e) {
    const auto bound = materialize_reductions(e.a, operands_device(e.a));
    using V = typename scan_expr<Op, A>::value_type;
    const auto shape = e.shape();
    const int axis = static_cast<int>(e.axis);
    const generated_source& src = *scan_source<Op>(bound).src;
    const std::uint64_t read = bytes_of_arrays(bound);
    const std::uint64_t written = static_cast<std::uint64_t>(element_count<A::rank>(shape)) * sizeof(V);
    if constexpr (Op::rolling) {
        return {&src, layout::strided, blocks_for(element_count<A::rank>(shape)), read, written};
    } else {
        const std::int64_t lines = scan_items<false, A::rank>(shape, axis);
        const std::int64_t chunks = cumulative_chunks<A::rank>(shape, axis, explained_gpu());
        return {&src, layout::strided, blocks_for(lines * chunks), read, written, chunks > 1 ? 0u : 1u};
    }
}

}  // namespace detail
}  // namespace jitfuse
