// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Division by an extent without a divide instruction. Generated kernels unravel flat
/// indices over shapes the host knows at launch; a 64-bit division is a long instruction
/// sequence on the GPU, and NVRTC spent ~7 ms of CPU time on each division site. The host
/// prepares each extent's reciprocal here; the prelude's `jf::quotient` multiplies by it.
/// The method is Granlund and Montgomery's ("Division by invariant integers using
/// multiplication", PLDI 1994, Theorem 4.2, with N = 64).

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace jitfuse::detail {

/// Host twin of the prelude's `jf::divisor`: for every 0 <= i < 2^63,
/// i / value == (high 64 bits of magic * i, plus i) >> shift; the sum stays below 2^64.
struct device_divisor {
    std::int64_t value;
    std::uint64_t magic;
    int shift;
};

/// The reciprocal of `d`. An extent of 0 gets an unusable one: no index is below it, so
/// nothing divides by it.
constexpr device_divisor make_divisor(std::int64_t d) {
    if (d <= 0) return {d, 0, 0};
    const auto ud = static_cast<std::uint64_t>(d);
    const int shift = std::bit_width(ud - 1);  // ceil(log2 d), at most 63
    // magic = floor(2^64 * (2^shift - d) / d) + 1, by long division one bit at a time:
    // 2^shift - d < d, so every partial remainder is below d < 2^63 and doubles safely.
    std::uint64_t rest = (std::uint64_t{1} << shift) - ud, magic = 0;
    for (int bit = 0; bit < 64; ++bit) {
        rest <<= 1;
        magic <<= 1;
        if (rest >= ud) {
            rest -= ud;
            magic |= 1;
        }
    }
    return {d, magic + 1, shift};
}

/// Host twin of the prelude's `jf::extents<R>`: a shape that flat indices unravel over.
template <int R>
struct device_extents {
    device_divisor v[R > 0 ? R : 1];
};

/// `shape` as kernel extents; a rank-0 loop runs over one element.
template <int R, std::size_t N>
device_extents<R> as_extents(const std::array<std::int64_t, N>& shape) {
    static_assert(N <= static_cast<std::size_t>(R > 0 ? R : 1));
    device_extents<R> e{};
    for (std::size_t d = 0; d < N; ++d) e.v[d] = make_divisor(shape[d]);
    if constexpr (N == 0) e.v[0] = make_divisor(1);
    return e;
}

}  // namespace jitfuse::detail
