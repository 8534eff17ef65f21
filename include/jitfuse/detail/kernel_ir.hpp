// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The kernel description code generation prints: the expression tree flattened into
/// numbered nodes (children first), built from the expression's type alone, so one
/// description serves every call with the same type. Values (scalars, shapes, strides,
/// pointers) are kernel parameters.

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../dtype.hpp"
#include "call_expr.hpp"
#include "expr.hpp"
#include "shift_expr.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

struct ir_node {
    enum class kind : std::uint8_t { array, scalar, unary, binary, ternary, shift, generated, call };
    kind what;
    std::string_view op;        ///< prelude function (`sin`, `add`, `where`, `cast`, `random_normal`); shift: boundary
    dtype compute;              ///< operands are converted to this type (where: b and c)
    dtype result;
    int args[3] = {-1, -1, -1};
    int leaf = -1;              ///< array / scalar / shift / generated: its parameter number
    int rank = 0;               ///< array, shift, generated: its rank
    const user_function* function = nullptr;  ///< call: the function called
    std::vector<int> call_args;  ///< call: every operand (args[0] also holds the first, as for other kinds)
};

/// How a pass walks memory; part of a kernel's identity.
enum class layout : std::uint8_t {
    flat_vector,  ///< every operand contiguous, same shape, 16-byte aligned: vector loads
    flat,         ///< every operand contiguous and of the result's shape
    strided       ///< anything else: N-D indexing with per-operand strides
};

struct kernel_ir {
    std::vector<ir_node> nodes;
    std::vector<int> outputs;          ///< root node of each output
    std::vector<dtype> output_types;
    int rank = 1;                      ///< rank of the loop (the result; a reduction's input)
    int leaves = 0;
    // Reductions: the reducer's name, the input type, and whole or along one axis.
    std::string_view reducer;
    dtype reduce_input{};
    bool reduce_whole = false;
    std::string_view scan;             ///< scans, rolling windows: the op (`cumsum`, `rolling_mean`)
};

/// Appends the nodes of expression type E (children first); returns the root's number.
template <class E>
int add_to_ir(kernel_ir& ir) {
    ir_node n{};
    if constexpr (is_array_v<E>) {
        n.what = ir_node::kind::array;
        n.result = n.compute = dtype_of<typename E::value_type>;
        n.leaf = ir.leaves++;
        n.rank = E::rank;
    } else if constexpr (is_scalar_expr_v<E>) {
        n.what = ir_node::kind::scalar;
        n.result = n.compute = dtype_of<typename E::value_type>;
        n.leaf = ir.leaves++;
    } else if constexpr (generated_leaf<E>) {  // a random leaf: its value is op<T>(seed, index)
        n.what = ir_node::kind::generated;
        n.op = E::distribution::function;
        n.result = n.compute = dtype_of<typename E::value_type>;
        n.leaf = ir.leaves++;
        n.rank = E::rank;
    } else if constexpr (is_shift_v<E>) {
        n.what = ir_node::kind::shift;
        n.op = boundary_name(E::boundary);
        n.result = n.compute = dtype_of<typename E::value_type>;
        n.args[0] = add_to_ir<std::remove_cvref_t<decltype(std::declval<const E&>().a)>>(ir);
        n.leaf = ir.leaves++;
        n.rank = E::rank;
    } else if constexpr (requires { E::is_call; }) {
        n.what = ir_node::kind::call;
        n.function = E::describe();
        n.op = n.function->name;
        n.result = n.compute = dtype_of<typename E::value_type>;
        [&]<class... C>(std::type_identity<std::tuple<C...>>) {
            (n.call_args.push_back(add_to_ir<std::remove_cvref_t<C>>(ir)), ...);
        }(std::type_identity<std::remove_cvref_t<decltype(std::declval<const E&>().children())>>{});
        n.args[0] = n.call_args[0];
    } else {
        n.op = E::op_type::name;
        n.result = dtype_of<typename E::value_type>;
        n.compute = dtype_of<typename E::compute_type>;
        using children = std::remove_cvref_t<decltype(std::declval<const E&>().children())>;
        [&]<class... C>(std::type_identity<std::tuple<C...>>) {
            int i = 0;
            ((n.args[i++] = add_to_ir<std::remove_cvref_t<C>>(ir)), ...);
            n.what = sizeof...(C) == 1 ? ir_node::kind::unary
                     : sizeof...(C) == 2 ? ir_node::kind::binary
                                         : ir_node::kind::ternary;
        }(std::type_identity<children>{});
    }
    ir.nodes.push_back(n);
    return static_cast<int>(ir.nodes.size()) - 1;
}

}  // namespace jitfuse::detail
