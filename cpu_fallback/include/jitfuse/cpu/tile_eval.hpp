// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CPU evaluator: one object per expression node, mirroring the tree. For each row
/// of the loop, `start_row` positions the leaves; `eval(j, n)` returns a pointer to the n
/// values at inner positions [j, j+n), computed tile by tile so every op runs as a tight loop
/// the compiler vectorises (transcendentals through SLEEF).

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "jitfuse/cpu/fused_eval.hpp"
#include "jitfuse/cpu/kernels.hpp"
#include "jitfuse/cpu/loop_plan.hpp"
#include "jitfuse/cpu/vector_math.hpp"
#include "jitfuse/detail/expr.hpp"

namespace jitfuse::cpu {

/// Ops with a SLEEF kernel (for float and double operands).
template <class Op>
inline constexpr int vector_kernel = -1;
#define JITFUSE_VECTOR_KERNEL(OP, FN) \
    template <>                       \
    inline constexpr int vector_kernel<jitfuse::detail::OP##_op> = static_cast<int>(vfn::FN);
JITFUSE_VECTOR_KERNEL(sin, sin)
JITFUSE_VECTOR_KERNEL(cos, cos)
JITFUSE_VECTOR_KERNEL(tan, tan)
JITFUSE_VECTOR_KERNEL(asin, asin)
JITFUSE_VECTOR_KERNEL(acos, acos)
JITFUSE_VECTOR_KERNEL(atan, atan)
JITFUSE_VECTOR_KERNEL(sinh, sinh)
JITFUSE_VECTOR_KERNEL(cosh, cosh)
JITFUSE_VECTOR_KERNEL(tanh, tanh)
JITFUSE_VECTOR_KERNEL(exp, exp)
JITFUSE_VECTOR_KERNEL(exp2, exp2)
JITFUSE_VECTOR_KERNEL(expm1, expm1)
JITFUSE_VECTOR_KERNEL(log, log)
JITFUSE_VECTOR_KERNEL(log2, log2)
JITFUSE_VECTOR_KERNEL(log10, log10)
JITFUSE_VECTOR_KERNEL(log1p, log1p)
JITFUSE_VECTOR_KERNEL(cbrt, cbrt)
JITFUSE_VECTOR_KERNEL(erf, erf)
JITFUSE_VECTOR_KERNEL(pow, pow)
JITFUSE_VECTOR_KERNEL(atan2, atan2)
JITFUSE_VECTOR_KERNEL(hypot, hypot)
// No vector kernel for remainder: SLEEF 3.5's fmod returns NaN whenever |a / b| overflows
// (fmod(1e30f, 1e-10f), fmod(1, denormal)); the scalar std::fmod path is exact.
#undef JITFUSE_VECTOR_KERNEL

template <class Op, class C>
inline constexpr bool has_vector_kernel =
    vector_kernel<Op> >= 0 && (std::is_same_v<C, float> || std::is_same_v<C, double>);

template <class Op>
inline constexpr bool is_cast = false;
template <class T>
inline constexpr bool is_cast<detail::cast_op<T>> = true;

/// A leaf: reads the array directly where its inner stride is 1, else gathers into a tile.
/// One value broadcast along the row (`x - m` with m of rank 0, or a column) fills the tile
/// once per value, not once per tile: a fill per tile made `x - m` 45% slower than `x - 3.f`.
template <class T, int AR, int R>
struct tile_eval<array<T, AR>, R> {
    using value_type = T;
    loop_view<const T, R> view;
    const T* filled_from = nullptr;  ///< the element `buf` repeats, over its first `filled` places
    std::int64_t filled = 0;
    alignas(64) T buf[tile];

    tile_eval(const array<T, AR>& a, const loop_plan<R>& plan) : view(a.data(), a.shape(), a.strides(), plan) {}

    void start_row(const std::array<std::int64_t, R>& index, int dims) { view.start_row(index, dims); }
    /// The current row from place j on where its values lie side by side in the array (they
    /// stay there across evals), else null.
    const T* in_place(std::int64_t j) const { return view.inner_stride == 1 ? view.row + j : nullptr; }
    const T* eval(std::int64_t j, std::int64_t n, T* = nullptr) {
        if (view.inner_stride == 1) return view.row + j;
        if (view.inner_stride == 0) {
            if (view.row != filled_from || n > filled) {
                std::fill_n(buf, n, *view.row);
                filled_from = view.row;
                filled = n;
            }
        } else {
            for (std::int64_t i = 0; i < n; ++i) buf[i] = view.row[(j + i) * view.inner_stride];
        }
        return buf;
    }
};

/// A C++ scalar: one tile filled once.
template <class T, int R>
struct tile_eval<detail::scalar_expr<T>, R> {
    using value_type = T;
    alignas(64) T buf[tile];
    tile_eval(const detail::scalar_expr<T>& s, const loop_plan<R>&) { std::fill_n(buf, tile, s.value); }
    void start_row(const std::array<std::int64_t, R>&, int) {}
    const T* eval(std::int64_t, std::int64_t, T* = nullptr) { return buf; }
};

/// An operand read in the type `C` its parent computes in (scalars converted once).
template <class C, class E, int R>
struct converted {
    tile_eval<E, R> e;
    alignas(64) C buf[std::is_same_v<typename E::value_type, C> ? 1 : tile]{};

    converted(const E& expr, const loop_plan<R>& plan) : e(expr, plan) {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) { e.start_row(index, dims); }
    const C* eval(std::int64_t j, std::int64_t n) {
        const auto* p = e.eval(j, n);
        if constexpr (std::is_same_v<typename E::value_type, C>) return p;
        else {
            convert_kernel<typename E::value_type, C>(p, buf, n);
            return buf;
        }
    }
};
template <class C, class T, int R>
struct converted<C, detail::scalar_expr<T>, R> {
    alignas(64) C buf[tile];
    converted(const detail::scalar_expr<T>& s, const loop_plan<R>&) {
        std::fill_n(buf, tile, detail::convert<C>(s.value));
    }
    void start_row(const std::array<std::int64_t, R>&, int) {}
    const C* eval(std::int64_t, std::int64_t) { return buf; }
};

/// Base of the computing nodes: a result tile, or the caller's memory when it offers some.
template <class V>
struct computing_node {
    using value_type = V;
    bool fast = false;
    alignas(64) V buf[tile];
    V* target(V* hint) { return hint ? hint : buf; }
};

/// A fused region (fused_eval.hpp) evaluated as a node: the whole region in one loop.
template <class E, int R>
struct region_eval : computing_node<typename E::value_type> {
    using V = typename E::value_type;
    fused_node<E, R> region;

    region_eval(const E& e, const loop_plan<R>& plan) : region(node_source<E, R>{e, plan}) {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) { region.start_row(index, dims); }
    const V* eval(std::int64_t j, std::int64_t n, V* hint = nullptr) {
        V* out = this->target(hint);
        run_fused_loop(region.load(j, n), out, n);
        return out;
    }
};

/// The root of a fused region.
template <class E, int R>
    requires(fused_root<E>())
struct tile_eval<E, R> : region_eval<E, R> {
    using region_eval<E, R>::region_eval;
};

template <class Op, class A, int R>
    requires(!fused_root<detail::unary_expr<Op, A>>())
struct tile_eval<detail::unary_expr<Op, A>, R>
    : computing_node<typename detail::unary_expr<Op, A>::value_type> {
    using node = detail::unary_expr<Op, A>;
    using C = typename node::compute_type;
    using V = typename node::value_type;
    converted<C, A, R> a;

    tile_eval(const node& e, const loop_plan<R>& plan) : a(e.a, plan) { this->fast = plan.fast_math; }
    void start_row(const std::array<std::int64_t, R>& index, int dims) { a.start_row(index, dims); }
    const V* eval(std::int64_t j, std::int64_t n, V* hint = nullptr) {
        const C* x = a.eval(j, n);
        V* out = this->target(hint);
        if constexpr (has_vector_kernel<Op, C>) apply(static_cast<vfn>(vector_kernel<Op>), x, out, n, this->fast);
        else if constexpr (is_cast<Op>) convert_kernel<C, V>(x, out, n);
        else unary_kernel<Op, C>(x, out, n);
        return out;
    }
};

template <class Op, class L, class Rt, int R>
    requires(!fused_root<detail::binary_expr<Op, L, Rt>>())
struct tile_eval<detail::binary_expr<Op, L, Rt>, R>
    : computing_node<typename detail::binary_expr<Op, L, Rt>::value_type> {
    using node = detail::binary_expr<Op, L, Rt>;
    using C = typename node::compute_type;
    using V = typename node::value_type;
    converted<C, L, R> l;
    converted<C, Rt, R> r;

    tile_eval(const node& e, const loop_plan<R>& plan) : l(e.l, plan), r(e.r, plan) {
        this->fast = plan.fast_math;
    }
    void start_row(const std::array<std::int64_t, R>& index, int dims) {
        l.start_row(index, dims);
        r.start_row(index, dims);
    }
    const V* eval(std::int64_t j, std::int64_t n, V* hint = nullptr) {
        const C* a = l.eval(j, n);
        const C* b = r.eval(j, n);
        V* out = this->target(hint);
        if constexpr (has_vector_kernel<Op, C>) apply(static_cast<vfn>(vector_kernel<Op>), a, b, out, n, this->fast);
        else binary_kernel<Op, C>(a, b, out, n);
        return out;
    }
};

template <class Op, class A, class B, class Ct, int R>
    requires(!fused_root<detail::ternary_expr<Op, A, B, Ct>>())
struct tile_eval<detail::ternary_expr<Op, A, B, Ct>, R>
    : computing_node<typename detail::ternary_expr<Op, A, B, Ct>::value_type> {
    using node = detail::ternary_expr<Op, A, B, Ct>;
    using C = typename node::compute_type;
    using V = typename node::value_type;
    converted<std::conditional_t<node::is_where, bool, C>, A, R> a;
    converted<C, B, R> b;
    converted<C, Ct, R> c;

    tile_eval(const node& e, const loop_plan<R>& plan) : a(e.a, plan), b(e.b, plan), c(e.c, plan) {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) {
        a.start_row(index, dims);
        b.start_row(index, dims);
        c.start_row(index, dims);
    }
    const V* eval(std::int64_t j, std::int64_t n, V* hint = nullptr) {
        const auto* x = a.eval(j, n);
        const C* y = b.eval(j, n);
        const C* z = c.eval(j, n);
        V* out = this->target(hint);
        ternary_kernel<Op, C>(x, y, z, out, n);
        return out;
    }
};

}  // namespace jitfuse::cpu

#include "jitfuse/cpu/shift_eval.hpp"
#include "jitfuse/cpu/random_eval.hpp"
#include "jitfuse/cpu/call_eval.hpp"
