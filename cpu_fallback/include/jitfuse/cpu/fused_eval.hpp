// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Fused regions of the CPU evaluator. A connected group of cheap operations
/// (arithmetic, comparisons, `where`, casts) is computed in one loop, each element kept in
/// registers from its inputs to the region's result, instead of one tile loop per operation
/// with a tile stored and reloaded between them: NDVI's fourteen operations become one loop.
/// Operations outside the set (SLEEF transcendentals, shifts, calls, random numbers) are the
/// region's inputs, evaluated tile by tile as before.
///
/// The loop is compiled in the user's translation unit, once per instruction set, with
/// multiply-add contraction off (see run_fused_loop), so a region's results are bit for bit
/// those of the per-operation kernels, on any machine. Unoptimised builds (no `__OPTIMIZE__`) or `-DJITFUSE_CPU_FUSE=0` keep the per-operation
/// kernels, which the library compiles at -O3, so that a Debug build of user code does not
/// crawl.

#include <bit>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "jitfuse/cpu/fold_values.hpp"
#include "jitfuse/cpu/kernels.hpp"
#include "jitfuse/cpu/loop_plan.hpp"
#include "jitfuse/detail/expr.hpp"

#ifndef JITFUSE_CPU_FUSE
#if defined(__OPTIMIZE__) && (defined(__GNUC__) || defined(__clang__))
#define JITFUSE_CPU_FUSE 1
#else
#define JITFUSE_CPU_FUSE 0
#endif
#endif

namespace jitfuse::cpu {

template <class E, int R>
struct tile_eval;

/// Operations whose scalar form compiles to a few vector instructions, with no library call
/// and no integer division, so that a loop of them vectorises.
template <class Op, class C>
inline constexpr bool inline_op = false;
#define JITFUSE_INLINE_OP(OP) \
    template <class C>        \
    inline constexpr bool inline_op<detail::OP##_op, C> = true;
JITFUSE_INLINE_OP(negative)
JITFUSE_INLINE_OP(abs)
JITFUSE_INLINE_OP(square)
JITFUSE_INLINE_OP(sign)
JITFUSE_INLINE_OP(floor)
JITFUSE_INLINE_OP(ceil)
JITFUSE_INLINE_OP(trunc)
JITFUSE_INLINE_OP(isnan)
JITFUSE_INLINE_OP(logical_not)
JITFUSE_INLINE_OP(bitwise_not)
JITFUSE_INLINE_OP(add)
JITFUSE_INLINE_OP(subtract)
JITFUSE_INLINE_OP(multiply)
JITFUSE_INLINE_OP(minimum)
JITFUSE_INLINE_OP(maximum)
JITFUSE_INLINE_OP(bitwise_and)
JITFUSE_INLINE_OP(bitwise_or)
JITFUSE_INLINE_OP(bitwise_xor)
JITFUSE_INLINE_OP(equal)
JITFUSE_INLINE_OP(not_equal)
JITFUSE_INLINE_OP(less)
JITFUSE_INLINE_OP(less_equal)
JITFUSE_INLINE_OP(greater)
JITFUSE_INLINE_OP(greater_equal)
JITFUSE_INLINE_OP(logical_and)
JITFUSE_INLINE_OP(logical_or)
JITFUSE_INLINE_OP(where)
JITFUSE_INLINE_OP(clamp)
#undef JITFUSE_INLINE_OP
template <class C>
inline constexpr bool inline_op<detail::divide_op, C> = std::is_floating_point_v<C>;
/// Conversions AVX2 does without a scalar loop: not between floats and 64-bit integers
/// (only AVX-512 converts those), which would leave the whole region's loop scalar.
template <class From, class To>
inline constexpr bool cheap_conversion =
    !((std::is_floating_point_v<From> && std::is_integral_v<To> && sizeof(To) == 8) ||
      (std::is_floating_point_v<To> && std::is_integral_v<From> && sizeof(From) == 8));
template <class T, class C>
inline constexpr bool inline_op<detail::cast_op<T>, C> = cheap_conversion<C, T>;

template <class E>
inline constexpr bool is_op_node = false;
template <class Op, class A>
inline constexpr bool is_op_node<detail::unary_expr<Op, A>> = true;
template <class Op, class L, class Rt>
inline constexpr bool is_op_node<detail::binary_expr<Op, L, Rt>> = true;
template <class Op, class A, class B, class C>
inline constexpr bool is_op_node<detail::ternary_expr<Op, A, B, C>> = true;

template <class E>
using children_of = decltype(std::declval<const E&>().children());

/// The type operand K of `Op` is read in: the compute type, but bool for where's condition.
template <class Op, class C, std::size_t K>
using operand_type = std::conditional_t<K == 0 && std::is_same_v<Op, detail::where_op>, bool, C>;

/// Can `E` be computed inside a fused region, its operands converted there?
template <class E>
constexpr bool fusable() {
    if constexpr (is_op_node<E>) {
        using Op = typename E::op_type;
        using C = typename E::compute_type;
        return JITFUSE_CPU_FUSE && inline_op<Op, C> &&
               []<std::size_t... K>(std::index_sequence<K...>) {
                   return (cheap_conversion<typename std::remove_cvref_t<std::tuple_element_t<K, children_of<E>>>::value_type,
                                            operand_type<Op, C, K>> && ...);
               }(std::make_index_sequence<std::tuple_size_v<children_of<E>>>{});
    } else return false;
}

/// The root of a fused region: a fusable node with a fusable child (a lone operation is no
/// better fused than run by its tile kernel).
template <class E>
constexpr bool fused_root() {
    if constexpr (fusable<E>())
        return []<class... K>(std::type_identity<std::tuple<K...>>) {
            return (fusable<std::remove_cvref_t<K>>() || ...);
        }(std::type_identity<children_of<E>>{});
    else return false;
}

/// What a region node is built from (one argument, so that a tuple of nodes builds each in place).
template <class E, int R>
struct node_source {
    const E& e;
    const loop_plan<R>& plan;
};

/// A node of a region. By default a region input: evaluated tile by tile, its values read
/// from the tile. `lane` is what the loop holds: pointers and scalars only.
template <class E, int R>
struct fused_node {
    using value_type = typename E::value_type;
    struct lane {
        const value_type* p;
        value_type at(std::int64_t i) const { return p[i]; }
    };
    tile_eval<E, R> e;

    explicit fused_node(node_source<E, R> s) : e(s.e, s.plan) {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) { e.start_row(index, dims); }
    lane load(std::int64_t j, std::int64_t n) { return {e.eval(j, n)}; }
    /// Whether a lane loaded on one row stays valid while other rows load: its values lie in
    /// the array itself, not in this node's tile.
    bool in_place() const {
        if constexpr (requires { e.in_place(0); }) return e.in_place(0) != nullptr;
        else return false;
    }
};

template <class T, int R>
struct fused_node<detail::scalar_expr<T>, R> {
    struct lane {
        T v;
        T at(std::int64_t) const { return v; }
    };
    T v;

    explicit fused_node(node_source<detail::scalar_expr<T>, R> s) : v(s.e.value) {}
    void start_row(const std::array<std::int64_t, R>&, int) {}
    lane load(std::int64_t, std::int64_t) const { return {v}; }
    bool in_place() const { return true; }
};

/// `where` without a branch. Under a branch the compiler would move the computation of the
/// chosen operand, which it may not then speculate back (a division may trap under
/// -ftrapping-math), and the loop would stay scalar.
template <class C>
C blend(bool c, C a, C b) {
    using U = std::conditional_t<sizeof(C) == 1, std::uint8_t,
                                 std::conditional_t<sizeof(C) == 2, std::uint16_t,
                                                    std::conditional_t<sizeof(C) == 4, std::uint32_t, std::uint64_t>>>;
    const U mask = static_cast<U>(U(0) - U(c));
    return std::bit_cast<C>(static_cast<U>((std::bit_cast<U>(a) & mask) | (std::bit_cast<U>(b) & ~mask)));
}

template <class Children, int R>
struct region_children;
template <class... K, int R>
struct region_children<std::tuple<K...>, R> {
    using nodes = std::tuple<fused_node<std::remove_cvref_t<K>, R>...>;
    using lanes = std::tuple<typename fused_node<std::remove_cvref_t<K>, R>::lane...>;
};

/// An operation of the region: its operands converted to the type it computes in (`where`
/// reads its condition as bool), as the tile kernels do.
template <class E, int R>
    requires(fusable<E>())
struct fused_node<E, R> {
    using Op = typename E::op_type;
    using C = typename E::compute_type;
    using value_type = typename E::value_type;
    using nodes = typename region_children<children_of<E>, R>::nodes;
    using lanes = typename region_children<children_of<E>, R>::lanes;

    struct lane {
        lanes operands;
        value_type at(std::int64_t i) const { return at(i, std::make_index_sequence<std::tuple_size_v<lanes>>{}); }
        template <std::size_t... K>
        value_type at(std::int64_t i, std::index_sequence<K...>) const {
            if constexpr (std::is_same_v<Op, detail::where_op>)
                return blend<C>(detail::convert<operand_type<Op, C, K>>(std::get<K>(operands).at(i))...);
            else return Op::template apply<C>(detail::convert<operand_type<Op, C, K>>(std::get<K>(operands).at(i))...);
        }
    };
    nodes children;

    explicit fused_node(node_source<E, R> s)
        // node_source's arguments spelled out: Clang before 17 deduces no aggregate's.
        : children(std::apply([&](const auto&... k) {
              return nodes(node_source<std::remove_cvref_t<decltype(k)>, R>{k, s.plan}...);
          }, s.e.children())) {}
    void start_row(const std::array<std::int64_t, R>& index, int dims) {
        std::apply([&](auto&... k) { (k.start_row(index, dims), ...); }, children);
    }
    lane load(std::int64_t j, std::int64_t n) {
        return {std::apply([&](auto&... k) { return lanes{k.load(j, n)...}; }, children)};
    }
    bool in_place() const {
        return std::apply([](const auto&... k) { return (k.in_place() && ...); }, children);
    }
};

/// The loops below are compiled in three copies: the baseline, AVX2 and AVX-512 (through
/// `target` attributes), picked at run time like the library's tile kernels. Each has
/// multiply-add contraction off, so a region's results are bit for bit those of the
/// per-operation kernels whatever the machine and the user's flags (-march=native, -mfma).
/// GCC takes that per function (`optimize`); Clang contracts only within one expression, never
/// across the operations' functions, but has no such attribute, so the AVX-512 copy, whose
/// instruction set always includes FMA, is GCC's only.
#if JITFUSE_CPU_FUSE && defined(__x86_64__) && !defined(JITFUSE_NO_SIMD_DISPATCH)
#define JITFUSE_FUSED_AVX2 1
#if defined(__GNUC__) && !defined(__clang__)
#define JITFUSE_FUSED_AVX512 1
#endif
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define JITFUSE_NO_CONTRACT gnu::optimize("fp-contract=off")
#else
#define JITFUSE_NO_CONTRACT
#endif
#define JITFUSE_AVX512_TARGET gnu::target("avx512f,avx512dq,avx512bw,avx512vl")

/// out[i] = f.at(i) for i < n, in blocks of a fixed count, which GCC's -O2 cost model
/// vectorises (it refuses loops that would need a scalar epilogue), then the last few.
/// `out` is never another view of an input: evaluation gives such passes a scratch target,
/// so the only overlap is an input read at the very element written, which no reordering
/// can break. The lane is copied so that its pointers are values, not memory `out` might
/// alias.
inline constexpr std::int64_t fused_block = 32;
// The body is spelled out in each function rather than inlined from one: GCC then loses the
// `__restrict` and leaves some loops scalar.
#define JITFUSE_FUSED_LOOP                                                                   \
    const Lane g = f;                                                                        \
    std::int64_t i = 0;                                                                      \
    for (; i + fused_block <= n; i += fused_block)                                           \
        for (std::int64_t k = 0; k < fused_block; ++k) out[i + k] = g.at(i + k);             \
    for (; i < n; ++i) out[i] = g.at(i);

template <class Lane, class V>
[[JITFUSE_NO_CONTRACT]] void fused_loop(const Lane& f, V* __restrict out, std::int64_t n) {
    JITFUSE_FUSED_LOOP
}
#if JITFUSE_FUSED_AVX2
template <class Lane, class V>
[[JITFUSE_NO_CONTRACT, gnu::target("avx2")]] void fused_loop_avx2(const Lane& f, V* __restrict out, std::int64_t n) {
    JITFUSE_FUSED_LOOP
}
#endif
#if JITFUSE_FUSED_AVX512
template <class Lane, class V>
[[JITFUSE_NO_CONTRACT, JITFUSE_AVX512_TARGET]] void fused_loop_avx512(const Lane& f, V* __restrict out, std::int64_t n) {
    JITFUSE_FUSED_LOOP
}
#endif
#undef JITFUSE_FUSED_LOOP

template <class Lane, class V>
void run_fused_loop(const Lane& f, V* out, std::int64_t n) {
#if JITFUSE_FUSED_AVX512
    if (kernel_isa() >= 3) return fused_loop_avx512(f, out, n);
#endif
#if JITFUSE_FUSED_AVX2
    if (kernel_isa() >= 2) return fused_loop_avx2(f, out, n);
#endif
    fused_loop(f, out, n);
}

/// Calls K::template run<Bytes>(a...) in a copy compiled for the widest vector registers this
/// CPU has (`Bytes` their width), with contraction off. K::run is inlined into each copy.
template <class K, class... A>
[[JITFUSE_NO_CONTRACT]] void fused_call(const A&... a) {
    K::template run<16>(a...);
}
#if JITFUSE_FUSED_AVX2
template <class K, class... A>
[[JITFUSE_NO_CONTRACT, gnu::target("avx2")]] void fused_call_avx2(const A&... a) {
    K::template run<32>(a...);
}
#endif
#if JITFUSE_FUSED_AVX512
template <class K, class... A>
[[JITFUSE_NO_CONTRACT, JITFUSE_AVX512_TARGET]] void fused_call_avx512(const A&... a) {
    K::template run<64>(a...);
}
#endif
template <class K, class... A>
void run_fused(const A&... a) {
#if JITFUSE_FUSED_AVX512
    if (kernel_isa() >= 3) return fused_call_avx512<K>(a...);
#endif
#if JITFUSE_FUSED_AVX2
    if (kernel_isa() >= 2) return fused_call_avx2<K>(a...);
#endif
    fused_call<K>(a...);
}

/// Folds f.at(i), i < n, into the lane_count states of a reduction `Red` as the library's
/// fold kernel does with a tile (fold_values, with the width of each copy's registers), so the
/// states end bit for bit the same, without the tile stored and reloaded: `sum(x * y)` is
/// one loop. The lane is copied so that its pointers are values the compiler keeps in registers.
template <class Red, class T>
struct fused_fold {
    template <std::size_t Bytes, class Lane>
    [[gnu::always_inline]] static void run(const Lane& f, typename Red::template state<T>* const& lane,
                                           const std::int64_t& n, const std::int64_t& first) {
        const Lane g = f;
        fold_values<Red, T, Bytes>(lane, g, n, first);
    }
};
template <class Red, class T, class Lane>
void run_fused_fold(const Lane& f, typename Red::template state<T>* lane, std::int64_t n, std::int64_t first) {
    run_fused<fused_fold<Red, T>>(f, lane, n, first);
}

/// Folds `rows` rows of `width` columns of an arithmetic_fold into their states acc[i], row r's
/// values computed as row[r].at(i) (fold_column_values): `sum(x * x, 0)` reads each row once,
/// with no tile stored and reloaded and the states in registers over all the rows.
template <class Red, class T>
struct fused_column_fold {
    template <std::size_t Bytes, class Lane>
    [[gnu::always_inline]] static void run(T* const& acc, const Lane* const& row, const std::int64_t& rows,
                                           const std::int64_t& width) {
        fold_column_values<Red, T, Bytes>(acc, row, rows, width);
    }
};
template <class Red, class T, class Lane>
void run_fused_column_fold(T* acc, const Lane* row, std::int64_t rows, std::int64_t width) {
    run_fused<fused_column_fold<Red, T>>(acc, row, rows, width);
}

#undef JITFUSE_FUSED_AVX2
#undef JITFUSE_FUSED_AVX512
#undef JITFUSE_NO_CONTRACT
#undef JITFUSE_AVX512_TARGET

}  // namespace jitfuse::cpu
