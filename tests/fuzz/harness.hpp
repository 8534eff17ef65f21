// SPDX-License-Identifier: Apache-2.0
#pragma once
// What generated fuzz cases see: their inputs (random views, type-erased) and how they hand
// back their results (values as long double, with the shape).

#include <any>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include <jitfuse/jitfuse.hpp>

#include "tree.hpp"

namespace fuzz {

namespace jf = jitfuse;

/// The arrays a case reads (views of any layout) and the axis of an axis reduction (or where
/// expand_dims puts its axis).
struct inputs {
    std::vector<std::any> arrays;  ///< jf::array<T, R> per input
    std::int64_t axis = 0;
    template <class T, int R>
    const jf::array<T, R>& get(int i) const {
        return std::any_cast<const jf::array<T, R>&>(arrays[static_cast<std::size_t>(i)]);
    }
};

struct result {
    std::vector<std::int64_t> shape;
    std::vector<long double> values;  ///< row-major
    bool integral = false;
};

/// The values of an evaluated array.
template <class T, int R>
result values_of(const jf::array<T, R>& a) {
    result r;
    r.shape.assign(a.shape().begin(), a.shape().end());
    r.integral = std::is_integral_v<T>;
    if constexpr (std::is_same_v<T, bool>) {
        const auto bytes = jf::array<std::uint8_t, R>(jf::cast<std::uint8_t>(a)).to_host();
        r.values.assign(bytes.begin(), bytes.end());
    } else {
        const auto host = a.to_host();
        r.values.assign(host.begin(), host.end());
    }
    return r;
}

/// Evaluates `e` (one fused pass, or a reduction) and returns its values.
template <class E>
std::vector<result> collect(const E& e) {
    return {values_of(jf::eval(e))};
}

/// Evaluates `e` and `t` together (jf::tie) and returns the values of both.
template <class E, class T>
std::vector<result> collect_tied(const E& e, const T& t) {
    jf::array<typename E::value_type, E::rank> first;
    jf::array<typename T::value_type, T::rank> second;
    jf::tie(first, second) = jf::tuple(e, t);
    return {values_of(first), values_of(second)};
}

struct generated_case {
    const char* tree;                 ///< text form, for the reference
    const char* tied;                 ///< the second tree of a jf::tie (reduction "tie"), else ""
    std::vector<kind> input_kinds;
    std::vector<int> input_ranks;
    const char* reduction;            ///< none | expand | tie | sum | max | min | mean [_axis]
    std::function<std::vector<result>(const inputs&)> run;  ///< one result per tree
};

extern const std::uint64_t generator_seed;
const std::vector<generated_case>& generated_cases();

}  // namespace fuzz
