// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Neighbour reads on grids: `shift(e, {dy, dx}, boundary)` and `stencil(e, f,
/// boundary)`, where `f` is a generic lambda over an accessor `a(dy, dx)`. Both are ordinary
/// expression nodes: they fuse with the expression around them into one pass.

#include <concepts>
#include <cstdint>
#include <type_traits>

#include "detail/expr.hpp"
#include "detail/shift_expr.hpp"

namespace jitfuse {

/// What a read past the edge of the grid returns.
namespace boundary {

template <detail::boundary_kind K>
struct kind_t {
    static constexpr detail::boundary_kind kind = K;
};
/// The edge value repeated.
inline constexpr kind_t<detail::boundary_kind::clamp> clamp{};
/// Periodic: x[-1] == x[n - 1].
inline constexpr kind_t<detail::boundary_kind::wrap> wrap{};
/// Mirrored about the edge element, which is not repeated (NumPy pad "reflect"): x[-1] == x[1].
inline constexpr kind_t<detail::boundary_kind::reflect> reflect{};

/// A fixed value outside the grid (converted to the operand's type).
template <scalar T>
struct constant_t {
    static constexpr detail::boundary_kind kind = detail::boundary_kind::constant;
    T value;
};
template <scalar T>
constant_t<T> constant(T value) {
    return {value};
}

}  // namespace boundary

namespace detail {

template <class B>
concept boundary_rule = requires { B::kind; };

template <class B, class V>
V boundary_fill(const B& b) {
    if constexpr (requires { b.value; }) return convert<V>(b.value);
    else return V{};
}

template <expression E, boundary_rule B>
auto make_shift(const E& e, const shape_t<E::rank>& offset, const B& b) {
    using V = typename E::value_type;
    return shift_expr<E, B::kind>(e, offset, boundary_fill<B, V>(b));
}

/// What a stencil's lambda receives: `a(dy, dx)` is the operand shifted by (dy, dx).
template <expression E, boundary_rule B>
struct neighbour_accessor {
    E e;
    B b;
    template <std::integral... I>
        requires(sizeof...(I) == E::rank)
    auto operator()(I... offset) const {
        return make_shift(e, shape_t<E::rank>{static_cast<std::int64_t>(offset)...}, b);
    }
};

}  // namespace detail

/// `shift(e, {d0, d1, ...}, boundary)[i] == e[i + d]` (the opposite sign of `np.roll`): the
/// same offsets as `a(d0, d1)` in `stencil`. Offsets may exceed the extent.
template <detail::expression E, detail::boundary_rule B>
auto shift(const E& e, const std::type_identity_t<shape_t<E::rank>>& offset, const B& boundary) {
    return detail::make_shift(e, offset, boundary);
}

/// `stencil(e, [](auto a) { return 0.25f * (a(-1, 0) + a(1, 0) + a(0, -1) + a(0, 1)); }, b)`:
/// the expression `f` builds from neighbours of `e`, one tap per `a(...)` call.
template <detail::expression E, class F, detail::boundary_rule B>
auto stencil(const E& e, F&& f, const B& boundary) {
    using result = decltype(f(detail::neighbour_accessor<E, B>{e, boundary}));
    static_assert(detail::expression<result>,
                  "jitfuse: a stencil's function must return an expression of its taps a(...)");
    return f(detail::neighbour_accessor<E, B>{e, boundary});
}

}  // namespace jitfuse
