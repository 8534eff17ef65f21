// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Shapes, strides and NumPy broadcasting.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../error.hpp"

namespace jitfuse {

template <int Rank>
using shape_t = std::array<std::int64_t, Rank>;

namespace detail {

/// The rank of a shape type: N for std::array<std::int64_t, N>, otherwise -1.
template <class S>
inline constexpr int shape_rank = -1;
template <std::size_t N>
inline constexpr int shape_rank<std::array<std::int64_t, N>> = static_cast<int>(N);

/// A shape held in a variable (`a.shape()`). An `int Rank` cannot be deduced from a
/// std::array (whose size is a std::size_t), so the factories and views that take a
/// `shape_t<Rank>` have an overload for these that reads the rank off the type; a braced
/// list still needs the rank spelled: `zeros<float, 2>({rows, cols})`.
template <class S>
concept shape_value = shape_rank<S> >= 0;

/// "(3, 4)"; rank 0 prints "()".
std::string format_shape(std::span<const std::int64_t> shape);

template <int Rank>
std::int64_t element_count(const shape_t<Rank>& shape) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

/// Row-major (C order) strides in elements.
template <int Rank>
shape_t<Rank> contiguous_strides(const shape_t<Rank>& shape) {
    shape_t<Rank> strides{};
    std::int64_t s = 1;
    for (int d = Rank - 1; d >= 0; --d) {
        strides[d] = s;
        s *= shape[d] > 0 ? shape[d] : 1;
    }
    return strides;
}

template <int Rank>
void check_nonnegative(const shape_t<Rank>& shape) {
    for (auto d : shape)
        if (d < 0) throw shape_error("negative extent in shape " + format_shape(shape));
}

/// Bytes of a contiguous array of `shape`; a shape too large to address is `out_of_memory`.
template <int Rank>
std::size_t allocation_bytes(const shape_t<Rank>& shape, std::size_t element_size) {
    check_nonnegative<Rank>(shape);
    std::uint64_t bytes = element_size;
    for (auto d : shape)
        if (__builtin_mul_overflow(bytes, static_cast<std::uint64_t>(d), &bytes) || bytes > (std::uint64_t{1} << 62))
            throw out_of_memory("an array of shape " + format_shape(shape) + " would need more bytes than memory can address");
    return static_cast<std::size_t>(bytes);
}

/// The position of a new axis of extent 1 in an operand of `shape`: 0..rank, a negative one
/// counting from the end of the result (NumPy's expand_dims); out of range is a shape_error.
std::int64_t new_axis_position(std::int64_t axis, std::span<const std::int64_t> shape);

/// `shape` right-aligned to rank R (missing leading axes have extent 1) with an axis of
/// extent 1 inserted at `at` (0..R): the shape of a broadcast operand once an axis is
/// inserted into the rank-R expression it belongs to.
template <int R, std::size_t Q>
shape_t<R + 1> with_unit_axis(const std::array<std::int64_t, Q>& shape, std::int64_t at) {
    static_assert(int(Q) <= R);
    shape_t<R + 1> out{};
    for (int d = 0, from = int(Q) - R; d <= R; ++d) {
        if (d == at) {
            out[d] = 1;
            continue;
        }
        out[d] = from >= 0 ? shape[from] : 1;
        ++from;
    }
    return out;
}

[[noreturn]] void throw_broadcast_error(std::span<const std::int64_t> a,
                                       std::span<const std::int64_t> b, const char* what);

/// NumPy broadcasting: shapes align at the right; an extent of 1 or a missing axis stretches.
/// `what` names the operation for the error message.
template <std::size_t RA, std::size_t RB>
shape_t<(RA > RB ? RA : RB)> broadcast_shapes(const std::array<std::int64_t, RA>& a,
                                              const std::array<std::int64_t, RB>& b,
                                              const char* what) {
    constexpr int R = RA > RB ? RA : RB;
    shape_t<R> out{};
    for (int d = 0; d < R; ++d) {
        const int da = d - (R - int(RA)), db = d - (R - int(RB));
        const std::int64_t ea = da >= 0 ? a[da] : 1, eb = db >= 0 ? b[db] : 1;
        if (ea != eb && ea != 1 && eb != 1) throw_broadcast_error(a, b, what);
        out[d] = ea == 1 ? eb : ea;
    }
    return out;
}

}  // namespace detail
}  // namespace jitfuse
