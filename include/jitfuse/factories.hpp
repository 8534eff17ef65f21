// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Array factories: empty, zeros, ones, full, arange, linspace, from_host.

#include <cstdint>
#include <memory>
#include <ranges>
#include <span>
#include <string>

#include "array.hpp"
#include "detail/evaluate.hpp"
#include "jitfuse/cpu/thread_pool.hpp"

namespace jitfuse {
namespace detail {

/// Fills a new contiguous array with f(flat index), in parallel on the host (for a GPU array
/// into host memory, then copied: arange and linspace, usually small).
template <class T, int R, class F>
array<T, R> generate(const shape_t<R>& shape, device dev, F f) {
    array<T, R> a(shape, dev);
    std::unique_ptr<T[]> staging;
    if (!dev.is_cpu()) staging = std::make_unique_for_overwrite<T[]>(static_cast<std::size_t>(a.size()));
    T* p = dev.is_cpu() ? a.data() : staging.get();
    cpu::parallel_for(a.size(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) p[i] = f(i);
    });
    if (staging) copy_from_host(a.data(), p, static_cast<std::size_t>(a.size()) * sizeof(T), dev);
    return a;
}

}  // namespace detail

// Each factory takes a braced shape with the rank spelled (`zeros<float, 2>({r, c})`), a
// shape variable whose rank it deduces (`zeros<float>(a.shape())`), or a length.

/// An array with unspecified contents.
template <element T, int Rank = 1>
array<T, Rank> empty(const shape_t<Rank>& shape, device dev = default_device()) {
    return array<T, Rank>(shape, dev);
}
template <element T>
array<T, 1> empty(std::int64_t n, device dev = default_device()) {
    return empty<T, 1>(shape_t<1>{n}, dev);
}
template <element T, detail::shape_value S>
auto empty(const S& shape, device dev = default_device()) {
    return empty<T, detail::shape_rank<S>>(shape, dev);
}

/// An array with every element equal to `value` (on a GPU, written there by one kernel).
template <element T, int Rank = 1>
array<T, Rank> full(const shape_t<Rank>& shape, T value, device dev = default_device()) {
    if (dev.is_cpu()) return detail::generate<T, Rank>(shape, dev, [value](std::int64_t) { return value; });
    array<T, Rank> a(shape, dev);
    if (a.size() > 0) a = value;
    return a;
}
template <element T>
array<T, 1> full(std::int64_t n, T value, device dev = default_device()) {
    return full<T, 1>(shape_t<1>{n}, value, dev);
}
template <element T, detail::shape_value S>
auto full(const S& shape, T value, device dev = default_device()) {
    return full<T, detail::shape_rank<S>>(shape, value, dev);
}

template <element T, int Rank = 1>
array<T, Rank> zeros(const shape_t<Rank>& shape, device dev = default_device()) {
    return full<T, Rank>(shape, T(0), dev);
}
template <element T>
array<T, 1> zeros(std::int64_t n, device dev = default_device()) {
    return full<T, 1>(shape_t<1>{n}, T(0), dev);
}
template <element T, detail::shape_value S>
auto zeros(const S& shape, device dev = default_device()) {
    return full<T, detail::shape_rank<S>>(shape, T(0), dev);
}

template <element T, int Rank = 1>
array<T, Rank> ones(const shape_t<Rank>& shape, device dev = default_device()) {
    return full<T, Rank>(shape, T(1), dev);
}
template <element T>
array<T, 1> ones(std::int64_t n, device dev = default_device()) {
    return full<T, 1>(shape_t<1>{n}, T(1), dev);
}
template <element T, detail::shape_value S>
auto ones(const S& shape, device dev = default_device()) {
    return full<T, detail::shape_rank<S>>(shape, T(1), dev);
}

/// start, start + step, ... while before `stop` (NumPy `arange`); values are computed as
/// `start + i * step` in double for floating types, exactly for integers.
template <element T>
array<T, 1> arange(double start, double stop, double step = 1, device dev = default_device()) {
    if (step == 0 || step != step || start != start || stop != stop)
        throw error("arange: step must be non-zero and the bounds must not be NaN");
    const double count = std::ceil((stop - start) / step);
    const std::int64_t n = count > 0 ? static_cast<std::int64_t>(count) : 0;
    return detail::generate<T, 1>(shape_t<1>{n}, dev, [=](std::int64_t i) {
        if constexpr (std::is_integral_v<T>)
            // Through int64: a negative double converted straight to an unsigned T is UB.
            return detail::wrap_add(static_cast<T>(static_cast<std::int64_t>(start)),
                                    detail::wrap_mul(static_cast<T>(i), static_cast<T>(static_cast<std::int64_t>(step))));
        else return static_cast<T>(start + static_cast<double>(i) * step);
    });
}
/// 0, 1, ..., n - 1.
template <element T>
array<T, 1> arange(std::int64_t n, device dev = default_device()) {
    return arange<T>(0.0, static_cast<double>(n), 1.0, dev);
}

/// `num` evenly spaced values from `start` to `stop`, both included (NumPy `linspace`).
template <element T>
array<T, 1> linspace(double start, double stop, std::int64_t num, device dev = default_device()) {
    if (num < 0) throw shape_error("linspace: num must be >= 0, got " + std::to_string(num));
    const double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
    return detail::generate<T, 1>(shape_t<1>{num}, dev, [=](std::int64_t i) {
        const double v = i == num - 1 && num > 1 ? stop : start + static_cast<double>(i) * step;
        return detail::convert<T>(v);
    });
}

/// A 1-D array holding a copy of `host` (any contiguous range: span, vector, std::array).
template <std::ranges::contiguous_range Range>
    requires element<std::remove_cv_t<std::ranges::range_value_t<Range>>>
auto from_host(const Range& host, device dev = default_device()) {
    using T = std::remove_cv_t<std::ranges::range_value_t<Range>>;
    array<T, 1> a(static_cast<std::int64_t>(std::ranges::size(host)), dev);
    detail::copy_from_host(a.data(), std::ranges::data(host), static_cast<std::size_t>(a.size()) * sizeof(T), dev);
    return a;
}

/// An array of `shape` holding a copy of `host` in row-major order; the element count must
/// match (`shape_error` otherwise).
template <std::ranges::contiguous_range Range, std::size_t Rank>
    requires element<std::remove_cv_t<std::ranges::range_value_t<Range>>>
auto from_host(const Range& host, const std::array<std::int64_t, Rank>& shape,
               device dev = default_device()) {
    const auto n = static_cast<std::int64_t>(std::ranges::size(host));
    constexpr int R = static_cast<int>(Rank);
    detail::check_nonnegative<R>(shape);
    if (detail::element_count<R>(shape) != n)
        throw shape_error("from_host: " + std::to_string(n) + " elements do not fill shape " +
                          detail::format_shape(shape) + " (" +
                          std::to_string(detail::element_count<R>(shape)) + " elements)");
    return from_host(host, dev).template reshape<R>(shape);
}
template <std::ranges::contiguous_range Range, std::size_t Rank>
    requires element<std::remove_cv_t<std::ranges::range_value_t<Range>>>
auto from_host(const Range& host, const std::int64_t (&shape)[Rank], device dev = default_device()) {
    std::array<std::int64_t, Rank> s{};
    std::copy(shape, shape + Rank, s.begin());
    return from_host(host, s, dev);
}

}  // namespace jitfuse
