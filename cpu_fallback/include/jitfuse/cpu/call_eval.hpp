// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CPU evaluator of a JITFUSE_FUNCTION call: the operand tiles, converted to the
/// parameter types, then one plain loop calling the host function (inlined; the compiler
/// vectorises it where the body allows).

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>

#include "jitfuse/cpu/tile_eval.hpp"
#include "jitfuse/detail/call_expr.hpp"

namespace jitfuse::cpu {

/// Operand I of a call, read as its parameter type P.
template <std::size_t I, class P, class E, int R>
struct call_operand : converted<P, E, R> {
    using converted<P, E, R>::converted;
};

template <class Indices, class Params, class Args, int R>
struct call_operands;
template <std::size_t... I, class... P, class... A, int R>
struct call_operands<std::index_sequence<I...>, std::tuple<P...>, std::tuple<A...>, R>
    : call_operand<I, P, A, R>... {
    call_operands(const std::tuple<A...>& args, const loop_plan<R>& plan)
        : call_operand<I, P, A, R>(std::get<I>(args), plan)... {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) {
        (call_operand<I, P, A, R>::start_row(index, dims), ...);
    }
    /// Calls `f(p...)` with a pointer to the n values of each operand.
    template <class F>
    void eval(std::int64_t j, std::int64_t n, F&& f) {
        f(call_operand<I, P, A, R>::eval(j, n)...);
    }
};

template <class Tag, class... Args, int R>
struct tile_eval<detail::call_expr<Tag, Args...>, R>
    : computing_node<typename detail::call_expr<Tag, Args...>::value_type> {
    using node = detail::call_expr<Tag, Args...>;
    using V = typename node::value_type;
    call_operands<std::index_sequence_for<Args...>, typename node::param_types, std::tuple<Args...>, R> operands;

    tile_eval(const node& e, const loop_plan<R>& plan) : operands(e.args, plan) {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) { operands.start_row(index, dims); }
    const V* eval(std::int64_t j, std::int64_t n, V* hint = nullptr) {
        V* out = this->target(hint);
        operands.eval(j, n, [&](const auto*... p) {
            for (std::int64_t i = 0; i < n; ++i) out[i] = Tag::apply(p[i]...);
        });
        return out;
    }
};

}  // namespace jitfuse::cpu
