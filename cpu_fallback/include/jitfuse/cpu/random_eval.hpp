// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CPU evaluator of random leaves: each tile computes its elements from their flat
/// index in the random array's own shape, found like an array leaf finds its addresses
/// (row-major strides seen through the loop plan, 0 where it broadcasts).

#include <array>
#include <cstdint>

#include "jitfuse/cpu/tile_eval.hpp"
#include "jitfuse/detail/random_expr.hpp"

namespace jitfuse::cpu {

template <class T, int AR, class Dist, int R>
struct tile_eval<detail::random_expr<T, AR, Dist>, R> {
    using value_type = T;
    std::uint64_t seed;
    std::array<std::int64_t, R> stride;  ///< flat-index step of each loop axis
    std::int64_t inner_stride;
    std::int64_t row = 0;                ///< flat index at the start of the current row
    alignas(64) T buf[tile];

    tile_eval(const detail::random_expr<T, AR, Dist>& e, const loop_plan<R>& plan)
        : seed(e.seed), stride(plan.loop_strides(plan.operand_strides(e.shape(), e.strides()))),
          inner_stride(stride[plan.dims - 1]) {}

    void start_row(const std::array<std::int64_t, R>& index, int dims) { row = row_offset<R>(index, stride, dims); }
    // Writes into the caller's memory when offered: a random array assigned alone is
    // computed in place. Consecutive counters: a plain integer loop the compiler vectorises.
    const T* eval(std::int64_t j, std::int64_t n, T* hint = nullptr) {
        T* out = hint ? hint : buf;
        const std::int64_t first = row + j * inner_stride;
        for (std::int64_t i = 0; i < n; ++i)
            out[i] = Dist::template value<T>(seed, static_cast<std::uint64_t>(first + i * inner_stride));
        return out;
    }
};

}  // namespace jitfuse::cpu
