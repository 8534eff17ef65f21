// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Multi-output evaluation: `jf::tie(a, b) = jf::tuple(e1, e2);` computes both
/// expressions in one pass over memory.

#include <tuple>
#include <utility>

#include "array.hpp"
#include "detail/evaluate.hpp"

namespace jitfuse {

/// Expressions to be evaluated together (see `tie`).
template <detail::expression... E>
struct expression_tuple {
    std::tuple<E...> exprs;
};

/// Groups expressions of one shape for `tie(...) = tuple(...)`.
template <detail::expression... E>
expression_tuple<E...> tuple(const E&... e) {
    return {std::tuple<E...>(e...)};
}

/// Arrays that receive the results of a `tuple` of expressions.
template <class... Arrays>
class tied {
  public:
    explicit tied(Arrays&... outs) : outs_(outs...) {}

    /// Evaluates every expression into its array in one pass. All expressions must have one
    /// shape; each array must have that shape or be empty. Reductions are computed first.
    template <class... E>
    tied& operator=(const expression_tuple<E...>& t) {
        static_assert(sizeof...(E) == sizeof...(Arrays),
                      "jitfuse: tie(...) = tuple(...) needs as many expressions as arrays");
        static_assert(((E::rank == Arrays::rank) && ...),
                      "jitfuse: each expression's rank must equal its array's rank");
        constexpr int R = std::tuple_element_t<0, std::tuple<Arrays...>>::rank;
        static_assert(((Arrays::rank == R) && ...),
                      "jitfuse: tie(...) = tuple(...) computes expressions of one shape, so of one rank");
        const auto shape = std::get<0>(t.exprs).shape();
        std::apply([&](const auto&... e) {
            std::size_t index = 0;
            ((e.shape() != shape ? detail::throw_tied_shapes(shape, e.shape(), index) : void(++index)), ...);
        }, t.exprs);
        const device dev = detail::pass_device_of(outs_, t.exprs);
        auto bound = std::apply([&](const auto&... e) {
            const detail::statement_scope statement;  // a node several expressions read is computed once
            return std::tuple{detail::materialize_reductions(e, dev)...};
        }, t.exprs);
        // Every target checked before an empty one is given a buffer: a failed tie changes none.
        std::apply([&](auto&... o) { (detail::check_target(o, shape, dev), ...); }, outs_);
        std::apply([&](auto&... o) { (detail::allocate_if_empty(o, shape, dev), ...); }, outs_);

        if (any_aliasing(bound)) {
            std::tuple<Arrays...> tmp{Arrays(shape, dev)...};
            detail::run_pass<R>(shape, tmp, bound);
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (detail::assign(std::get<I>(outs_), std::get<I>(tmp)), ...);
            }(std::index_sequence_for<Arrays...>{});
        } else {
            detail::run_pass<R>(shape, outs_, bound);
        }
        return *this;
    }

  private:
    /// An output whose buffer any expression reads (even through the same view: the first
    /// expression's tile is stored before the second reads its own), or two outputs sharing
    /// a buffer, makes the one-pass evaluation unsafe.
    template <class Bound>
    bool any_aliasing(const Bound& bound) const {
        bool alias = false;
        std::apply([&](const auto&... o) {
            auto check = [&](const auto& out) {
                std::apply([&](const auto&... e) {
                    (detail::for_each_array(e, [&](const auto& a) {
                         alias = alias || a.buffer() == out.buffer();
                     }), ...);
                }, bound);
                std::apply([&](const auto&... other) {
                    ((alias = alias || (static_cast<const void*>(&other) != static_cast<const void*>(&out) &&
                                        other.buffer() == out.buffer())), ...);
                }, outs_);
            };
            (check(o), ...);
        }, outs_);
        return alias;
    }

    std::tuple<Arrays&...> outs_;
};

/// `tie(a, b) = tuple(e1, e2)`: see `tied`.
template <element... T, int... R>
tied<array<T, R>...> tie(array<T, R>&... outs) {
    return tied<array<T, R>...>(outs...);
}

}  // namespace jitfuse
