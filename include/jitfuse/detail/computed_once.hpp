// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Common subexpressions among the nodes computed before a pass (reductions, scans, a
/// shift under expand_dims): within one statement, a node equal to one computed already takes
/// its result. In `e / expand_dims(sum(e, 1), 1)` with `e = exp(x - expand_dims(max(x, 1), 1))`,
/// the pass and the sum both read `max(x, 1)`, which is computed once, as a hand-written row
/// softmax would. Two nodes are equal when they have the same C++ type (the same operations on
/// the same element types) and the same run-time values, bit for bit: array views (address,
/// shape, strides, device), C++ numbers, axes, windows, offsets, fills, seeds.

#include <any>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "../device.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

/// Appends the bytes of `v` (a number or a pointer) to `out`.
template <class V>
void append_bytes(std::string& out, const V& v) {
    static_assert(std::is_arithmetic_v<V> || std::is_pointer_v<V>);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class V, std::size_t N>
void append_bytes(std::string& out, const std::array<V, N>& values) {
    for (const V& v : values) append_bytes(out, v);
}
inline void append_bytes(std::string& out, const device& dev) {
    append_bytes(out, static_cast<int>(dev.type()));
    append_bytes(out, dev.index());
}

/// The run-time values of the nodes of `e`, in node order, on `dev`: with E's type, they say
/// what `e` computes while its arrays hold the same values. A new kind of node with run-time
/// values of its own must be added here (it does not compile until it is).
template <expression E>
std::string runtime_identity(const E& e, const device& dev) {
    std::string out;
    append_bytes(out, dev);
    visit_postorder(e, [&](const auto& node) {
        using N = std::remove_cvref_t<decltype(node)>;
        if constexpr (is_array_v<N>) {
            append_bytes(out, static_cast<const void*>(node.data()));
            append_bytes(out, node.shape());
            append_bytes(out, node.strides());
            append_bytes(out, node.where());
        } else if constexpr (generated_leaf<N>) {
            append_bytes(out, node.shape());
            append_bytes(out, node.seed);
        } else if constexpr (is_scalar_expr_v<N>) {
            append_bytes(out, node.value);
        } else if constexpr (requires { requires N::is_shift; }) {
            append_bytes(out, node.offset);  // the extent is the operand's shape
            append_bytes(out, node.fill);
        } else if constexpr (scan<N>) {
            append_bytes(out, node.axis);
            append_bytes(out, node.window);
        } else if constexpr (reduction<N> || requires { requires N::inserts_axis; }) {
            append_bytes(out, node.axis);
        } else {
            static_assert(requires { typename N::op_type; } || requires { requires N::is_call; },
                          "jitfuse: runtime_identity does not know this node's run-time values");
        }
    });
    return out;
}

/// A node computed in the current statement, with its result.
struct computed_node {
    std::type_index type;
    std::string identity;
    std::any node_and_result;  ///< the node keeps its arrays alive: no address in `identity` is reused
};

/// The nodes computed so far in the statement this thread evaluates; null outside one.
inline std::vector<computed_node>*& statement_nodes() {
    thread_local std::vector<computed_node>* current = nullptr;
    return current;
}

/// Marks a statement: the outermost scope on a thread collects the nodes computed within it
/// and frees them when it ends; scopes inside it share that collection.
class statement_scope {
  public:
    statement_scope() : outermost_(statement_nodes() == nullptr) {
        if (outermost_) statement_nodes() = &nodes_;
    }
    ~statement_scope() {
        if (outermost_) statement_nodes() = nullptr;
    }
    statement_scope(const statement_scope&) = delete;
    statement_scope& operator=(const statement_scope&) = delete;

  private:
    bool outermost_;
    std::vector<computed_node> nodes_;
};

/// A statement of its own inside another (a block of rows run on a thread for it): it
/// collects its own nodes, and the enclosing statement's are set aside until it ends.
class separate_statement {
  public:
    separate_statement() = default;
    separate_statement(const separate_statement&) = delete;
    separate_statement& operator=(const separate_statement&) = delete;

  private:
    /// Sets the enclosing statement's nodes aside while it lives; built before `scope_` and
    /// destroyed after it, so that `scope_` is the outermost scope for its whole life.
    struct set_aside {
        std::vector<computed_node>* enclosing = std::exchange(statement_nodes(), nullptr);
        ~set_aside() { statement_nodes() = enclosing; }
    };
    set_aside enclosing_;
    statement_scope scope_;
};

/// `compute()`, the value of `e` on `dev`, or the result of an equal node computed earlier in
/// this statement.
template <expression E, class Compute>
auto computed_once(const E& e, const device& dev, Compute&& compute) {
    using held = std::pair<E, decltype(compute())>;
    const statement_scope statement;
    std::string identity = runtime_identity(e, dev);
    for (const computed_node& n : *statement_nodes())
        if (n.type == typeid(E) && n.identity == identity) return std::any_cast<const held&>(n.node_and_result).second;
    auto result = compute();
    statement_nodes()->push_back({typeid(E), std::move(identity), held{e, result}});
    return result;
}

}  // namespace jitfuse::detail
