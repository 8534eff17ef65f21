// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The leaf behind `jitfuse::random`: an array of random numbers that is never stored.
/// Its element with row-major flat index k (over its own shape) is a pure function of k and
/// the seed, so any pass computes it where it is read: alone, inside a larger expression,
/// broadcast, or under a reduction, on the CPU and on the GPU alike.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "expr.hpp"
#include "shape.hpp"

namespace jitfuse::detail {

namespace rng {
using std::log1p;
using std::sqrt;
inline float cos_2pi(float x) { return static_cast<float>(std::cos(6.283185307179586476925 * x)); }
inline double cos_2pi(double x) { return std::cos(6.283185307179586476925 * x); }
using std::uint32_t;
using std::uint64_t;
#define JITFUSE_RANDOM_FN inline
#include "philox.cuh"
#undef JITFUSE_RANDOM_FN
}  // namespace rng

/// The distributions; `function` is the prelude function that computes an element.
struct uniform_distribution {
    static constexpr std::string_view function = "random_uniform";
    template <class T>
    static T value(std::uint64_t seed, std::uint64_t index) { return rng::random_uniform<T>(seed, index); }
};
struct normal_distribution {
    static constexpr std::string_view function = "random_normal";
    template <class T>
    static T value(std::uint64_t seed, std::uint64_t index) { return rng::random_normal<T>(seed, index); }
};

/// A random array of shape `shape_` and element type T (float or double). It reads no
/// memory; passes see it as a contiguous row-major operand (`strides()`) without a pointer.
template <class T, int R, class Dist>
struct random_expr : with_operators {
    static constexpr bool is_expression = true;
    static constexpr bool is_generated = true;
    using value_type = T;
    using distribution = Dist;
    static constexpr int rank = R;
    static constexpr bool weak = false;
    static_assert(std::same_as<T, float> || std::same_as<T, double>,
                  "jitfuse: random::uniform and random::normal make float or double values; "
                  "cast<T>() the result for another type");

    shape_t<R> shape_;
    std::uint64_t seed;

    random_expr(const shape_t<R>& shape, std::uint64_t seed_) : shape_(shape), seed(seed_) {
        check_nonnegative<R>(shape_);
    }
    shape_t<R> shape() const { return shape_; }
    shape_t<R> strides() const { return contiguous_strides<R>(shape_); }
    std::int64_t size() const { return element_count<R>(shape_); }
    bool is_contiguous() const { return true; }
    auto children() const { return std::tuple<>{}; }
    /// The same numbers in another shape of as many elements (row-major order kept).
    template <int R2>
    random_expr<T, R2, Dist> with_shape(const shape_t<R2>& shape) const { return {shape, seed}; }
};

}  // namespace jitfuse::detail
