// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Tile kernels: the inner loops of the CPU fallback, one per (operation, element type).
/// They are compiled into the library once per instruction set (AVX-512, AVX2, baseline) with
/// full optimisation and picked at run time, so user code gets vectorised loops whatever
/// flags it is compiled with. Headers only declare them; src/kernel_list.hpp lists them all.

#include <cstdint>
#include <type_traits>

#include "jitfuse/cpu/vector_math.hpp"
#include "jitfuse/detail/op_defs.hpp"

namespace jitfuse::cpu {

/// out[i] = Op(x[i]) for i < n, in the compute type C.
template <int Isa, class Op, class C>
struct unary_loop {
    using result = typename Op::template result<C>;
    static void run(const C* x, result* out, std::int64_t n);
};

/// out[i] = Op(a[i], b[i]).
template <int Isa, class Op, class C>
struct binary_loop {
    using result = typename Op::template result<C>;
    static void run(const C* a, const C* b, result* out, std::int64_t n);
};

/// out[i] = Op(a[i], b[i], c[i]); `where` reads its condition as bool.
template <int Isa, class Op, class C>
struct ternary_loop {
    using first = std::conditional_t<std::is_same_v<Op, detail::where_op>, bool, C>;
    static void run(const first* a, const C* b, const C* c, C* out, std::int64_t n);
};

/// out[i] = convert<To>(in[i]).
template <int Isa, class From, class To>
struct convert_loop {
    static void run(const From* in, To* out, std::int64_t n);
};

/// Copies `bytes` from `in` to `out` with non-temporal stores where `out` is aligned to the
/// vector width (ordinary stores before and after): written lines go to memory without being
/// read into the cache first. Fenced by stream_fence before anyone reads `out`. Where there
/// are no such stores (not x86) or under a sanitizer (which would not see them), a memcpy.
#if defined(__SSE2__)
inline constexpr bool has_stream_stores = true;
#else
inline constexpr bool has_stream_stores = false;
#endif
template <int Isa>
struct stream_loop {
    static void run(void* out, const void* in, std::int64_t bytes);
};

/// Orders this thread's non-temporal stores before its later stores (the pool's signal that
/// its part is done): they are weakly ordered on x86.
inline void stream_fence() noexcept {
#if defined(__SSE__)
    __builtin_ia32_sfence();
#endif
}

/// Lanes of a reduction fold: partial states kept apart so the loop vectorises; their count
/// is fixed so that results do not depend on the machine.
inline constexpr int lane_count = 16;

/// Floating min, max, argmin and argmax: their step's NaN tests lie on each lane's chain of
/// dependent operations, which made the fold of min and max 3.5-4.5 times slower than a
/// sum's, and of argmin and argmax 15-20 times. `fold_values` folds them with one vector
/// compare-select instead (fold_ordered).
template <class Red, class T>
concept ordered_fold = std::is_floating_point_v<T> && requires { Red::keeps_greater; };
/// Floating argmin and argmax: an ordered_fold whose state also keeps the row, which makes
/// loading and storing states cost most; their column folds keep states in registers wherever
/// rows can be stacked, computed ones included (fold_loop, reduce_columns), and between
/// calls in two arrays (arg_columns).
template <class Red, class T>
concept ordered_arg_fold = ordered_fold<Red, T> && Red::uses_index;

/// The column states of an ordered_arg_fold as the column kernels take them: the values, and
/// the rows they came from (index < 0: none yet, its value unused), in two arrays, so that a
/// register of states loads and stores as a few vectors. As one array of {value, index}
/// structs they were loaded and stored one by one: argmax(x, 0) of (21, 798915) floats on one
/// thread took 7.4-8.2 ms, now 4.0-4.3 (max(x, 0): 2.2-2.4), of (3, 5592405) 16.7-19.5, now 7.6.
template <class Red, class T>
struct arg_columns {
    using state = typename Red::template state<T>;
    T* value;
    std::int64_t* index;
    state operator[](std::int64_t i) const { return {value[i], index[i]}; }
    void set(std::int64_t i, const state& s) const {
        value[i] = s.value;
        index[i] = s.index;
    }
    arg_columns operator+(std::int64_t i) const { return {value + i, index + i}; }
};
/// What the column kernels fold into: arg_columns for an ordered_arg_fold, else an array of
/// states.
template <class Red, class T>
using column_states = std::conditional_t<ordered_arg_fold<Red, T>, arg_columns<Red, T>, typename Red::template state<T>*>;

/// Reduction steps: `lanes` folds n values into 16 lane states (value i has index first + i);
/// `columns` folds `rows` rows of `width` values, row r with index k + r, column i into acc[i];
/// `column_rows` the same of rows anywhere (row r at row[r]).
template <int Isa, class Red, class T>
struct fold_loop {
    using state = typename Red::template state<T>;
    using states = column_states<Red, T>;
    static void lanes(state* lane, const T* v, std::int64_t n, std::int64_t first);
    static void columns(states acc, const T* v, std::int64_t width, std::int64_t rows, std::int64_t k);
    static void column_rows(states acc, const T* const* row, std::int64_t rows, std::int64_t width, std::int64_t k);
};

/// Blocks of a rolling window rolled side by side by roll_loop: one vector of V.
template <class V>
inline constexpr std::int64_t roll_lanes = 64 / sizeof(V);

/// Rolling windows (`Op` a rolling op of detail/scan_expr.hpp) for `groups` * roll_lanes<V>
/// whole blocks of `window` elements from p, element k of the line at p[k * step], as
/// roll_group in scan.hpp computes them block by block. `previous` holds the suffix folds of
/// the block before p and receives those of the last block; `scratch` has room for
/// (2 * roll_lanes<V> + 1) * window values.
template <int Isa, class Op, class V>
struct roll_loop {
    static void blocks(V* p, std::int64_t groups, std::int64_t step, std::int64_t window, V* previous, V* scratch);
};

#if defined(__x86_64__) && !defined(JITFUSE_NO_SIMD_DISPATCH)
/// The instruction set the kernels use here: 3 = AVX-512, 2 = AVX2+FMA, 0 = baseline.
int kernel_isa() noexcept;

/// Calls f(std::integral_constant<int, Isa>) for the kernel set this CPU runs.
template <class F>
void with_kernel_isa(F&& f) {
    switch (kernel_isa()) {
        case 3: return f(std::integral_constant<int, 3>{});
        case 2: return f(std::integral_constant<int, 2>{});
        default: return f(std::integral_constant<int, 0>{});
    }
}
#else
template <class F>
void with_kernel_isa(F&& f) {
    f(std::integral_constant<int, 0>{});
}
#endif

template <class Op, class C>
void unary_kernel(const C* x, typename Op::template result<C>* out, std::int64_t n) {
    with_kernel_isa([&](auto isa) { unary_loop<isa(), Op, C>::run(x, out, n); });
}
template <class Op, class C>
void binary_kernel(const C* a, const C* b, typename Op::template result<C>* out, std::int64_t n) {
    with_kernel_isa([&](auto isa) { binary_loop<isa(), Op, C>::run(a, b, out, n); });
}
template <class Op, class C>
void ternary_kernel(const typename ternary_loop<0, Op, C>::first* a, const C* b, const C* c, C* out,
                    std::int64_t n) {
    with_kernel_isa([&](auto isa) { ternary_loop<isa(), Op, C>::run(a, b, c, out, n); });
}
template <class From, class To>
void convert_kernel(const From* in, To* out, std::int64_t n) {
    with_kernel_isa([&](auto isa) { convert_loop<isa(), From, To>::run(in, out, n); });
}
template <class T>
void stream_kernel(const T* in, T* out, std::int64_t n) {
    with_kernel_isa([&](auto isa) { stream_loop<isa()>::run(out, in, n * std::int64_t{sizeof(T)}); });
}
template <class Red, class T>
void fold_lanes(typename Red::template state<T>* lane, const T* v, std::int64_t n, std::int64_t first) {
    with_kernel_isa([&](auto isa) { fold_loop<isa(), Red, T>::lanes(lane, v, n, first); });
}
template <class Red, class T>
void fold_columns(column_states<Red, T> acc, const T* v, std::int64_t width, std::int64_t rows,
                  std::int64_t k) {
    with_kernel_isa([&](auto isa) { fold_loop<isa(), Red, T>::columns(acc, v, width, rows, k); });
}

template <class Red, class T>
void fold_column_rows(column_states<Red, T> acc, const T* const* row, std::int64_t rows, std::int64_t width,
                      std::int64_t k) {
    with_kernel_isa([&](auto isa) { fold_loop<isa(), Red, T>::column_rows(acc, row, rows, width, k); });
}

template <class Op, class V>
void roll_kernel(V* p, std::int64_t groups, std::int64_t step, std::int64_t window, V* previous, V* scratch) {
    with_kernel_isa([&](auto isa) { roll_loop<isa(), Op, V>::blocks(p, groups, step, window, previous, scratch); });
}

}  // namespace jitfuse::cpu
