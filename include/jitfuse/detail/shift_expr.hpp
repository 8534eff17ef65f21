// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The neighbour-read node behind `shift` and `stencil`: element i of `shift(e, d)` is
/// e[i + d], an index outside e mapped back by a boundary rule. The boundary kind is part
/// of the node's type (each kind prints its own index arithmetic); offsets, extents and the
/// fill value are run-time values, so moving a stencil's taps never recompiles a kernel.

#include <cstdint>
#include <string_view>
#include <tuple>

#include "expr.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

enum class boundary_kind : std::uint8_t { clamp, wrap, reflect, constant };

constexpr std::string_view boundary_name(boundary_kind k) {
    switch (k) {
        case boundary_kind::clamp: return "clamp";
        case boundary_kind::wrap: return "wrap";
        case boundary_kind::reflect: return "reflect";
        case boundary_kind::constant: return "constant";
    }
    return "";
}

/// Where index `i` of an axis of `n >= 1` elements reads, for `i` an index of the axis plus an
/// offset reduced on construction (`reduced_offset`): one period at most past either edge
/// (the period is n for wrap, 2(n - 1) for reflect), so one step brings it back, without a
/// division (a 64-bit one is slow on the GPU, and costs NVRTC ~7 ms per site). `inside` turns
/// false only for a constant boundary, whose read position is then clamped so that a load
/// stays in bounds. The device prelude (`jf::boundary_index`) restates this function.
constexpr std::int64_t boundary_index(boundary_kind k, std::int64_t i, std::int64_t n, bool& inside) {
    inside = true;
    if (i >= 0 && i < n) return i;
    switch (k) {
        case boundary_kind::wrap: return i < 0 ? i + n : i - n;
        case boundary_kind::reflect: {
            if (n == 1) return 0;
            const std::int64_t period = 2 * (n - 1);  // NumPy "reflect": x[-1] == x[1]
            const std::int64_t m = i < 0 ? i + period : i >= period ? i - period : i;
            return m < n ? m : period - m;
        }
        case boundary_kind::constant: inside = false; [[fallthrough]];
        case boundary_kind::clamp: break;
    }
    return i < 0 ? 0 : n - 1;
}

/// An offset reduced to an equivalent one of magnitude below the boundary's period (wrap, reflect)
/// or at most n (clamp, constant), so that index + offset never overflows however far a user
/// shifts, and `boundary_index` needs no division.
constexpr std::int64_t reduced_offset(boundary_kind k, std::int64_t d, std::int64_t n) {
    if (n <= 1 && k == boundary_kind::reflect) return 0;
    if (k == boundary_kind::wrap) return n ? d % n : 0;
    if (k == boundary_kind::reflect) return d % (2 * (n - 1));
    return d < -n ? -n : d > n ? n : d;  // clamp, constant: everything past the edge is alike
}

/// `A` read at offsets: element i is A[i + offset] with the boundary rule `K`; `fill` is the
/// value outside a constant boundary (in A's type).
template <expression A, boundary_kind K>
struct shift_expr {
    static constexpr bool is_expression = true;
    static constexpr bool is_shift = true;
    static constexpr boundary_kind boundary = K;
    using value_type = typename A::value_type;
    static constexpr int rank = A::rank;
    static constexpr bool weak = false;
    static_assert(rank >= 1, "jitfuse: shift and stencil need an operand of rank 1 or more");

    A a;
    shape_t<rank> offset{};
    shape_t<rank> extent{};  ///< A's shape, where the boundary applies
    value_type fill{};

    shift_expr(A a_, const shape_t<rank>& offset_, value_type fill_)
        : a(std::move(a_)), extent(operand_shape(a)), fill(fill_) {
        for (int d = 0; d < rank; ++d) offset[d] = reduced_offset(K, offset_[d], extent[d]);
    }
    shape_t<rank> shape() const { return extent; }
    auto children() const { return std::tie(a); }
    template <class F> auto transform(F&& f) const {
        auto na = f(a);
        return shift_expr<decltype(na), K>{std::move(na), offset, fill};
    }
};

template <class E>
struct shift_node : std::bool_constant<requires { requires E::is_shift; }> {};
template <class E>
inline constexpr bool is_shift_v = shift_node<std::remove_cvref_t<E>>::value;

/// Does any node of `E` read neighbours? Then each loop axis must stay an axis of its own
/// (no merging), and an array read under a shift must not be the one the pass writes.
template <class E>
constexpr bool reads_neighbours() {
    return is_shift_v<E> || any_below<shift_node, std::remove_cvref_t<E>>();
}

/// Calls `f(array)` for every array leaf of `e` below a shift: read at other positions than
/// the pass writes.
template <expression E, class F>
void for_each_shifted_array(const E& e, F&& f, bool below_shift = false) {
    if constexpr (is_array_v<E>) {
        if (below_shift) f(e);
    } else {
        std::apply([&](const auto&... child) { (for_each_shifted_array(child, f, below_shift || is_shift_v<E>), ...); },
                   e.children());
    }
}

/// The loop-plan mask that keeps every axis apart when one of `Es` reads neighbours.
template <class... Es>
constexpr std::uint64_t neighbour_axes() {
    return (reads_neighbours<std::remove_cvref_t<Es>>() || ... || false) ? ~std::uint64_t{0} : 0;
}

}  // namespace jitfuse::detail
