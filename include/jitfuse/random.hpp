// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Random arrays: `jf::random::uniform<float, 2>({rows, cols}, seed)`, `normal`. Counter-based
/// (Philox4x32-10): element k (row-major flat index over the array's shape) depends on k and
/// the seed only, so the numbers are the same on the CPU and the GPU, for any thread count and
/// inside any expression. The result is an expression leaf: it fuses like an array and is
/// never stored unless assigned (`jf::sum(jf::random::uniform<float>(n, 7))` reads no memory).

#include <cstdint>

#include "detail/random_expr.hpp"

namespace jitfuse::random {

/// Uniform values in [0, 1): float takes the top 24 bits of the first Philox word (a multiple
/// of 2^-24), double the top 53 bits of the first two words (a multiple of 2^-53).
template <class T = float, int Rank = 1>
auto uniform(const shape_t<Rank>& shape, std::uint64_t seed) {
    return jitfuse::detail::random_expr<T, Rank, jitfuse::detail::uniform_distribution>(shape, seed);
}
template <class T = float>
auto uniform(std::int64_t n, std::uint64_t seed) {
    return uniform<T, 1>(shape_t<1>{n}, seed);
}
template <class T = float, jitfuse::detail::shape_value S>
auto uniform(const S& shape, std::uint64_t seed) {
    return uniform<T, jitfuse::detail::shape_rank<S>>(shape, seed);
}

/// Standard normal values (mean 0, variance 1) by Box-Muller from the same words (float: the
/// first two, double: all four). Computed with the host's and the device's own log, sqrt and
/// cos, so CPU and GPU values may differ by a few ULP (uniform values are bit-identical).
template <class T = float, int Rank = 1>
auto normal(const shape_t<Rank>& shape, std::uint64_t seed) {
    return jitfuse::detail::random_expr<T, Rank, jitfuse::detail::normal_distribution>(shape, seed);
}
template <class T = float>
auto normal(std::int64_t n, std::uint64_t seed) {
    return normal<T, 1>(shape_t<1>{n}, seed);
}
template <class T = float, jitfuse::detail::shape_value S>
auto normal(const S& shape, std::uint64_t seed) {
    return normal<T, jitfuse::detail::shape_rank<S>>(shape, seed);
}

}  // namespace jitfuse::random
