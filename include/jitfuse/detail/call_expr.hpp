// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The node behind `JITFUSE_FUNCTION`: a call of a user function on n operands,
/// broadcast together like the operands of a binary op. The function's tag (a type the macro
/// defines) carries its host `apply` and its source text, so one definition serves the CPU
/// evaluator and code generation, and the tag in the node's type keeps kernel identity a
/// static slot per expression type.

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../dtype.hpp"
#include "expr.hpp"
#include "scalar_math.hpp"
#include "shape.hpp"

namespace jitfuse::detail {

/// A user function as code generation prints it.
struct user_function {
    std::string_view name;
    std::string_view params;  ///< as written, with its parentheses: "(float cr, int n)"
    std::string_view body;    ///< stringized: on one line
    std::string_view file;
    int line;                 ///< of the JITFUSE_FUNCTION (GCC: its first line; Clang: its last)
    dtype result;
    std::span<const dtype> param_types;
};

/// The signature of a tag's `apply`: result and parameter types (as element types).
template <class F>
struct function_signature;
template <class Ret, class... P>
struct function_signature<Ret (*)(P...)> {
    static_assert(element<Ret>,
                  "jitfuse: a JITFUSE_FUNCTION must return an element type (bool, int8..int64, "
                  "uint8..uint64, float or double)");
    static_assert((scalar<P> && ...),
                  "jitfuse: JITFUSE_FUNCTION parameters must be numbers taken by value "
                  "(bool, integers, float, double)");
    using result = Ret;
    using params = std::tuple<normalize_t<P>...>;
    static constexpr std::size_t arity = sizeof...(P);
};

template <class Tag>
using signature_of = function_signature<decltype(&Tag::apply)>;

template <class Tag, class Params = typename signature_of<Tag>::params>
struct function_info;
template <class Tag, class... P>
struct function_info<Tag, std::tuple<P...>> {
    static constexpr std::array<dtype, sizeof...(P)> params{dtype_of<P>...};
    static constexpr user_function value{Tag::name, Tag::params, Tag::body, Tag::file, Tag::line,
                                         dtype_of<typename signature_of<Tag>::result>, params};
};

/// The broadcast shape of several operands; `what` names the function in errors.
template <std::size_t R>
std::array<std::int64_t, R> broadcast_all(const char*, const std::array<std::int64_t, R>& only) {
    return only;
}
template <std::size_t RA, std::size_t RB, class... Rest>
auto broadcast_all(const char* what, const std::array<std::int64_t, RA>& a,
                   const std::array<std::int64_t, RB>& b, const Rest&... rest) {
    return broadcast_all(what, broadcast_shapes(a, b, what), rest...);
}

template <class Tag, expression... Args>
struct call_expr {
    static constexpr bool is_expression = true;
    static constexpr bool is_call = true;
    using tag = Tag;
    using value_type = typename signature_of<Tag>::result;
    using param_types = typename signature_of<Tag>::params;
    static constexpr int rank = std::max({0, Args::rank...});
    static constexpr bool weak = false;
    static_assert(sizeof...(Args) == signature_of<Tag>::arity);

    std::tuple<Args...> args;
    shape_t<rank> shape_;

    explicit call_expr(std::tuple<Args...> args_)
        : args(std::move(args_)),
          shape_(std::apply([](const Args&... a) { return broadcast_all(Tag::name.data(), operand_shape(a)...); },
                            args)) {}
    shape_t<rank> shape() const { return shape_; }
    auto children() const {
        return std::apply([](const Args&... a) { return std::tie(a...); }, args);
    }
    template <class F> auto transform(F&& f) const {
        return std::apply([&](const Args&... a) {
            // A braced list runs f on the operands left to right, as the other nodes do.
            using transformed = std::tuple<std::remove_cvref_t<decltype(f(a))>...>;
            return call_expr<Tag, std::remove_cvref_t<decltype(f(a))>...>(transformed{f(a)...});
        }, args);
    }

    static const user_function* describe() { return &function_info<Tag>::value; }
};

/// Operand `x` of a call, as parameter type `P` takes it: expressions as they are (converted
/// when evaluated), numbers converted now into a scalar leaf.
template <class P, operand X>
auto call_operand(const X& x) {
    if constexpr (expression<X>) return x;
    else return scalar_expr<P>{convert<P>(static_cast<normalize_t<X>>(x))};
}

/// `name(args...)` of a JITFUSE_FUNCTION: a call node when any argument is an expression,
/// else the host function's value.
template <class Tag, class... Args>
auto call_function(const Args&... args) {
    if constexpr (sizeof...(Args) != signature_of<Tag>::arity) {
        static_assert(sizeof...(Args) == signature_of<Tag>::arity,
                      "jitfuse: a JITFUSE_FUNCTION is called with a wrong number of arguments");
    } else if constexpr ((expression<Args> || ...)) {
        static_assert((operand<Args> && ...),
                      "jitfuse: a JITFUSE_FUNCTION called on expressions takes expressions and "
                      "numbers only");
        return [&]<class... P>(std::type_identity<std::tuple<P...>>) {
            using node = call_expr<Tag, std::remove_cvref_t<decltype(call_operand<P>(args))>...>;
            return node(std::tuple{call_operand<P>(args)...});
        }(std::type_identity<typename signature_of<Tag>::params>{});
    } else {
        return Tag::apply(args...);
    }
}

}  // namespace jitfuse::detail
