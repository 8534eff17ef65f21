// SPDX-License-Identifier: Apache-2.0
#pragma once
// Exact checks of axis reductions and cumulative scans of rank-3 views against plain loops
// over each line. The values are small integers, so every result is exact in float whatever
// the order of the fold: a lost, repeated or misplaced element changes it.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <span>
#include <vector>

namespace exact_lines {

namespace jf = jitfuse;

/// A rank-3 view: its shape and the element strides the test itself derives for it.
struct view_model {
    std::array<std::int64_t, 3> shape, strides;
};

/// Coordinates of element k along `axis` of the line at output coordinates (o0, o1).
inline std::array<std::int64_t, 3> coords(int axis, std::int64_t k, std::int64_t o0, std::int64_t o1) {
    std::array<std::int64_t, 3> idx{};
    for (int d = 0, o = 0; d < 3; ++d) idx[d] = d == axis ? k : (o++ == 0 ? o0 : o1);
    return idx;
}

/// Calls `f(o0, o1, xs)` for each line along `axis` of `data` viewed as `v`, in the row-major
/// order of the output coordinates (o0, o1), with the line's elements `xs`.
template <class F>
void for_each_line(const std::vector<float>& data, const view_model& v, int axis, F f) {
    std::array<std::int64_t, 2> outer{};
    for (int d = 0, o = 0; d < 3; ++d)
        if (d != axis) outer[o++] = v.shape[d];
    for (std::int64_t o0 = 0; o0 < outer[0]; ++o0)
        for (std::int64_t o1 = 0; o1 < outer[1]; ++o1) {
            std::vector<float> xs;
            for (std::int64_t k = 0; k < v.shape[axis]; ++k) {
                const auto idx = coords(axis, k, o0, o1);
                xs.push_back(
                    data[idx[0] * v.strides[0] + idx[1] * v.strides[1] + idx[2] * v.strides[2]]);
            }
            f(o0, o1, xs);
        }
}

/// First index of the largest element, NaN counting as largest (NumPy).
inline std::int64_t first_argmax(const std::vector<float>& xs) {
    std::int64_t best = 0;
    for (std::size_t k = 0; k < xs.size(); ++k) {
        if (std::isnan(xs[best])) break;
        if (std::isnan(xs[k]) || xs[k] > xs[best]) best = static_cast<std::int64_t>(k);
    }
    return best;
}

/// Sum, mean, max, argmax and prod along `axis` of `a` (a view modelled by `v` over `data`),
/// each output against a loop over its line. The values are small integers (and ±1 for the
/// product), so every partial sum and product is exact in float whatever the order: a lost,
/// repeated or misplaced element changes the result, and ties test argmax's first-index rule.
inline void check_reductions(const jf::array<float, 3>& a, const std::vector<float>& data,
                      const view_model& v, int axis) {
    INFO("shape (" << v.shape[0] << ", " << v.shape[1] << ", " << v.shape[2] << "), axis " << axis);
    REQUIRE(a.shape() == v.shape);
    const std::vector<float> sum = jf::array<float, 2>(jf::sum(a, axis)).to_host();
    const std::vector<float> mean = jf::array<float, 2>(jf::mean(a, axis)).to_host();
    const std::vector<float> max = jf::array<float, 2>(jf::max(a, axis)).to_host();
    const std::vector<std::int64_t> argmax =
        jf::array<std::int64_t, 2>(jf::argmax(a, axis)).to_host();
    const std::vector<float> prod =
        jf::array<float, 2>(jf::prod(jf::where(a > 0, 1.0f, -1.0f), axis)).to_host();
    int wrong = 0;
    std::size_t at = 0;
    for_each_line(
        data, v, axis, [&](std::int64_t o0, std::int64_t o1, const std::vector<float>& xs) {
            long double s = 0, p = 1, m = -std::numeric_limits<long double>::infinity();
            for (const float x : xs) {
                s += x;
                p *= x > 0 ? 1 : -1;
                m = std::max<long double>(m, x);
            }
            const bool nan =
                std::any_of(xs.begin(), xs.end(), [](float x) { return std::isnan(x); });
            // The sum is exact; the mean is that sum divided once (within one float rounding).
            const float want_mean = static_cast<float>(s / static_cast<long double>(xs.size()));
            const bool ok =
                nan ? std::isnan(sum[at]) && std::isnan(mean[at]) && std::isnan(max[at])
                    : sum[at] == static_cast<float>(s) && max[at] == static_cast<float>(m) &&
                          std::fabs(mean[at] - want_mean) <= std::fabs(want_mean) * 1.2e-7f;
            if (!ok || argmax[at] != first_argmax(xs) || prod[at] != static_cast<float>(p)) {
                if (++wrong <= 5)
                    CHECK_MESSAGE(false, "output (" << o0 << ", " << o1 << "): sum " << sum[at]
                                                    << " want " << static_cast<double>(s)
                                                    << ", max " << max[at] << ", argmax "
                                                    << argmax[at] << " want " << first_argmax(xs)
                                                    << ", prod " << prod[at] << " want "
                                                    << static_cast<double>(p));
            }
            ++at;
        });
    CHECK(wrong == 0);
}

/// cumsum and cumprod along `axis` of `a` (modelled by `v`) against running loops over each
/// line; exact for the same reason as above. A NaN poisons the rest of its line's cumsum, so
/// a second cumsum reads it as 0.5 (still exact) to check every element after it too.
inline void check_scans(const jf::array<float, 3>& a, const std::vector<float>& data, const view_model& v,
                 int axis) {
    INFO("shape (" << v.shape[0] << ", " << v.shape[1] << ", " << v.shape[2] << "), axis " << axis);
    // Targets filled beforehand with a value no scan gives, so an element left unwritten shows.
    jf::array<float, 3> sum = jf::full<float, 3>(v.shape, 1e9f), clean = sum.clone(), prod = sum.clone();
    sum = jf::cumsum(a, axis);
    clean = jf::cumsum(jf::where(jf::isnan(a), 0.5f, a), axis);
    prod = jf::cumprod(jf::where(a > 0, 1.0f, -1.0f), axis);
    const std::vector<float> sums = sum.to_host(), cleans = clean.to_host(), prods = prod.to_host();
    int wrong = 0;
    for_each_line(
        data, v, axis, [&](std::int64_t o0, std::int64_t o1, const std::vector<float>& xs) {
            long double s = 0, c = 0, p = 1;
            for (std::int64_t k = 0; k < static_cast<std::int64_t>(xs.size()); ++k) {
                s += xs[k];
                c += std::isnan(xs[k]) ? 0.5f : xs[k];
                p *= xs[k] > 0 ? 1 : -1;
                const auto idx = coords(axis, k, o0, o1);
                const std::size_t at =
                    static_cast<std::size_t>((idx[0] * v.shape[1] + idx[1]) * v.shape[2] + idx[2]);
                const bool sum_ok = std::isnan(static_cast<float>(s))
                                        ? std::isnan(sums[at])
                                        : sums[at] == static_cast<float>(s);
                if ((!sum_ok || cleans[at] != static_cast<float>(c) || prods[at] != static_cast<float>(p)) &&
                    ++wrong <= 5)
                    CHECK_MESSAGE(false, "element (" << idx[0] << ", " << idx[1] << ", " << idx[2]
                                                     << "): cumsum " << sums[at] << " want "
                                                     << static_cast<double>(s) << ", without NaN "
                                                     << cleans[at] << " want " << static_cast<double>(c)
                                                     << ", cumprod "
                                                     << prods[at] << " want "
                                                     << static_cast<double>(p));
            }
        });
    CHECK(wrong == 0);
}

/// rolling_sum along `axis` of `a` (its NaNs read as 0.5, so every sum is exact) for windows
/// narrower than a vector of blocks, of a whole one and of a part more, against a loop adding up
/// each window: NaN until the window is full.
inline void check_rolling(const jf::array<float, 3>& a, const std::vector<float>& data, const view_model& v,
                          int axis) {
    for (const std::int64_t window : {5, 13, 37, 64}) {
        INFO("shape (" << v.shape[0] << ", " << v.shape[1] << ", " << v.shape[2] << "), axis " << axis
                       << ", window " << window);
        jf::array<float, 3> sum = jf::full<float, 3>(v.shape, 1e9f);
        sum = jf::rolling_sum(jf::where(jf::isnan(a), 0.5f, a), window, axis);
        const std::vector<float> sums = sum.to_host();
        int wrong = 0;
        for_each_line(data, v, axis, [&](std::int64_t o0, std::int64_t o1, const std::vector<float>& xs) {
            for (std::int64_t k = 0; k < static_cast<std::int64_t>(xs.size()); ++k) {
                double s = 0;
                for (std::int64_t j = std::max<std::int64_t>(0, k - window + 1); j <= k; ++j)
                    s += std::isnan(xs[j]) ? 0.5 : xs[j];
                const auto idx = coords(axis, k, o0, o1);
                const float got = sums[static_cast<std::size_t>((idx[0] * v.shape[1] + idx[1]) * v.shape[2] + idx[2])];
                const bool ok = k < window - 1 ? std::isnan(got) : got == static_cast<float>(s);
                if (!ok && ++wrong <= 5)
                    CHECK_MESSAGE(false, "element (" << idx[0] << ", " << idx[1] << ", " << idx[2] << "): "
                                                     << got << " want " << (k < window - 1 ? NAN : s));
            }
        });
        CHECK(wrong == 0);
    }
}

/// Integer-valued floats in [-8, 8] of an array of `shape`, with a NaN in a few places.
inline std::vector<float> small_integers(std::int64_t count, std::mt19937_64& rng) {
    std::uniform_int_distribution<int> value(-8, 8);
    std::vector<float> data(static_cast<std::size_t>(count));
    for (float& x : data) x = static_cast<float>(value(rng));
    for (std::size_t at = 7919; at < data.size(); at += 104729) data[at] = std::nanf("");
    return data;
}

using checker = void (*)(const jf::array<float, 3>&, const std::vector<float>&, const view_model&,
                         int);

/// Runs `check` along every axis of contiguous arrays of `shapes`, then of the transposed view
/// of a (`stored`, 2, 3) array: its last axis strides through memory, its first is contiguous.
inline void on_views(std::uint64_t seed, std::initializer_list<std::array<std::int64_t, 3>> shapes,
              std::int64_t stored, checker check) {
    std::mt19937_64 rng(seed);
    for (const std::array<std::int64_t, 3>& shape : shapes) {
        const std::vector<float> data = small_integers(shape[0] * shape[1] * shape[2], rng);
        const jf::array<float, 3> a = jf::from_host(std::span<const float>(data), shape);
        for (int axis = 0; axis < 3; ++axis)
            check(a, data, {shape, {shape[1] * shape[2], shape[2], 1}}, axis);
    }
    const std::vector<float> data = small_integers(stored * 6, rng);
    const jf::array<float, 3> a =
        jf::from_host(std::span<const float>(data), {stored, 2, 3}).transpose();
    for (int axis = 0; axis < 3; ++axis) check(a, data, {{3, 2, stored}, {1, 3, 6}}, axis);
}

}  // namespace exact_lines
