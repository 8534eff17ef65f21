// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Reduction tags: identity, one step, merging two partial states, and the final value.
/// `merge` is order-independent where it must be (argmin/argmax break ties by index) so that
/// backends may combine partials in any fixed tree.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "../dtype.hpp"
#include "op_defs.hpp"
#include "scalar_math.hpp"

namespace jitfuse::detail {

/// Sum and product widen small integers as JAX does: bool, int8, int16 -> int32;
/// uint8, uint16 -> uint32.
template <class T>
using widened_t = std::conditional_t<
    std::same_as<T, bool> || std::same_as<T, std::int8_t> || std::same_as<T, std::int16_t>,
    std::int32_t,
    std::conditional_t<std::same_as<T, std::uint8_t> || std::same_as<T, std::uint16_t>,
                       std::uint32_t, T>>;

template <class T> using same_t = T;
template <class T> using bool_t = bool;

/// A reducer whose state is its result and whose merge is one more step.
template <class Derived, template <class> class Result>
struct fold_reducer {
    template <class T> using result = Result<T>;
    template <class T> using state = Result<T>;
    template <class T> static constexpr bool accepts = true;
    static constexpr bool needs_elements = false;
    static constexpr bool uses_index = false;
    template <class T> static void merge(state<T>& a, const state<T>& b) {
        Derived::template step<T>(a, b, 0);
    }
    template <class T> static result<T> finish(const state<T>& s, std::int64_t) { return s; }
};

struct sum_reducer : fold_reducer<sum_reducer, widened_t> {
    static constexpr std::string_view name = "sum";
    template <class T> static result<T> identity() { return result<T>(0); }
    template <class T, class V> static void step(result<T>& s, V v, std::int64_t) {
        s = wrap_add(s, static_cast<result<T>>(v));
    }
};

struct prod_reducer : fold_reducer<prod_reducer, widened_t> {
    static constexpr std::string_view name = "prod";
    template <class T> static result<T> identity() { return result<T>(1); }
    template <class T, class V> static void step(result<T>& s, V v, std::int64_t) {
        s = wrap_mul(s, static_cast<result<T>>(v));
    }
};

/// min and max propagate NaN (NumPy `min`/`max`).
struct min_reducer : fold_reducer<min_reducer, same_t> {
    static constexpr std::string_view name = "min";
    static constexpr bool needs_elements = true;
    template <class T> static T identity() {
        if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
        else return std::numeric_limits<T>::max();
    }
    template <class T> static void step(T& s, T v, std::int64_t) { s = nan_min(s, v); }
    /// Which way a value that is not NaN beats the state (a NaN state stays; of equals the
    /// first stays): on vectors of lanes the step is then one compare-select, x86's minps.
    static constexpr bool keeps_greater = false;
};

struct max_reducer : fold_reducer<max_reducer, same_t> {
    static constexpr std::string_view name = "max";
    static constexpr bool needs_elements = true;
    template <class T> static T identity() {
        if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
        else return std::numeric_limits<T>::lowest();
    }
    template <class T> static void step(T& s, T v, std::int64_t) { s = nan_max(s, v); }
    static constexpr bool keeps_greater = true;  // as min_reducer's
};

struct any_reducer : fold_reducer<any_reducer, bool_t> {
    static constexpr std::string_view name = "any";
    template <class T> static bool identity() { return false; }
    template <class T, class V> static void step(bool& s, V v, std::int64_t) { s = s || v != V(0); }
};

struct all_reducer : fold_reducer<all_reducer, bool_t> {
    static constexpr std::string_view name = "all";
    template <class T> static bool identity() { return true; }
    template <class T, class V> static void step(bool& s, V v, std::int64_t) { s = s && v != V(0); }
};

/// mean: floating inputs sum in their own type, integers in double; the result is the
/// input's floating type (float32 for integers); the mean of nothing is NaN.
struct mean_reducer {
    static constexpr std::string_view name = "mean";
    static constexpr bool needs_elements = false;
    static constexpr bool uses_index = false;
    template <class T> using result = float_of_t<T>;
    template <class T> using state = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    template <class T> static constexpr bool accepts = true;
    template <class T> static state<T> identity() { return 0; }
    template <class T, class V> static void step(state<T>& s, V v, std::int64_t) {
        s += static_cast<state<T>>(v);
    }
    template <class T> static void merge(state<T>& a, const state<T>& b) { a += b; }
    template <class T> static result<T> finish(const state<T>& s, std::int64_t count) {
        if (count == 0) return std::numeric_limits<result<T>>::quiet_NaN();
        return static_cast<result<T>>(s / static_cast<state<T>>(count));
    }
};

/// argmin / argmax: the first index of the extreme; NaN counts as the extreme (NumPy).
template <bool Max>
struct arg_reducer {
    static constexpr std::string_view name = Max ? "argmax" : "argmin";
    static constexpr bool needs_elements = true;
    /// `step`'s index is the result: a whole reduction numbers elements in the result's order.
    static constexpr bool uses_index = true;
    template <class T> using result = std::int64_t;
    template <class T> struct state {
        T value;
        std::int64_t index;
    };
    template <class T> static constexpr bool accepts = true;
    /// As min_reducer's, where each lane's indices increase (a fold takes values in order).
    static constexpr bool keeps_greater = Max;
    template <class T> static state<T> identity() { return {T{}, -1}; }

    template <class T> static bool is_nan(T v) {
        if constexpr (std::is_floating_point_v<T>) return v != v;
        else return false;
    }
    /// Does (v, i) come before the state s?
    template <class T> static bool before(T v, std::int64_t i, const state<T>& s) {
        if (s.index < 0) return true;
        if (is_nan(s.value)) return is_nan(v) && i < s.index;
        if (is_nan(v)) return true;
        if (v == s.value) return i < s.index;
        return Max ? v > s.value : v < s.value;
    }
    template <class T> static void step(state<T>& s, T v, std::int64_t i) {
        if (before(v, i, s)) s = {v, i};
    }
    template <class T> static void merge(state<T>& a, const state<T>& b) {
        if (b.index >= 0 && before(b.value, b.index, a)) a = b;
    }
    template <class T> static std::int64_t finish(const state<T>& s, std::int64_t) {
        return s.index;
    }
};
using argmin_reducer = arg_reducer<false>;
using argmax_reducer = arg_reducer<true>;

}  // namespace jitfuse::detail
