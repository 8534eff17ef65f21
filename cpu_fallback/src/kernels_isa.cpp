// SPDX-License-Identifier: Apache-2.0
// The tile kernels for one instruction set. The build compiles this file once per set with
// JITFUSE_ISA = 3 (AVX-512), 2 (AVX2+FMA) or 0 (baseline) and the matching -m flags.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define JITFUSE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define JITFUSE_SANITIZED 1
#endif
#endif
#ifndef JITFUSE_SANITIZED
#define JITFUSE_SANITIZED 0
#endif

#include "jitfuse/cpu/fold_values.hpp"
#include "jitfuse/cpu/kernels.hpp"
#include "jitfuse/detail/reducers.hpp"
#include "jitfuse/detail/scan_expr.hpp"
#include "kernel_list.hpp"

namespace jitfuse::cpu {

template <int Isa, class Op, class C>
void unary_loop<Isa, Op, C>::run(const C* x, result* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = Op::template apply<C>(x[i]);
}

template <int Isa, class Op, class C>
void binary_loop<Isa, Op, C>::run(const C* a, const C* b, result* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = Op::template apply<C>(a[i], b[i]);
}

template <int Isa, class Op, class C>
void ternary_loop<Isa, Op, C>::run(const first* a, const C* b, const C* c, C* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = Op::template apply<C>(a[i], b[i], c[i]);
}

template <int Isa, class From, class To>
void convert_loop<Isa, From, To>::run(const From* in, To* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = detail::convert<To>(in[i]);
}

// Helpers have internal linkage: this file is compiled once per instruction set, and of an
// external helper the linker would keep one copy (the AVX-512 one, say) for every set.
namespace {

/// Copies `bytes` from `i` to `o` with `store` (one `Width`-byte streaming store: to, from)
/// where `o` is aligned to `Width`, ordinary stores for the head and tail.
template <std::int64_t Width, class Store>
void stream_aligned(char* o, const char* i, std::int64_t bytes, Store store) {
    const std::int64_t head =
        std::min<std::int64_t>(bytes, static_cast<std::int64_t>(-reinterpret_cast<std::uintptr_t>(o) % Width));
    std::memcpy(o, i, static_cast<std::size_t>(head));
    std::int64_t k = head;
    for (; k + Width <= bytes; k += Width) store(o + k, i + k);
    std::memcpy(o + k, i + k, static_cast<std::size_t>(bytes - k));
}

#if defined(__AVX512F__)
constexpr std::size_t vector_bytes = 64;
#elif defined(__AVX__)
constexpr std::size_t vector_bytes = 32;
#else
constexpr std::size_t vector_bytes = 16;
#endif

/// A tile's values as fold_values reads them.
template <class T>
struct tile_values {
    const T* v;
    T at(std::int64_t i) const { return v[i]; }
};

/// Rows `width` apart from v, as fold_column_block reads them.
template <class T>
struct rows_apart {
    const T* v;
    std::int64_t width;
    const T* at(std::int64_t r) const { return v + r * width; }
};
/// Rows wherever the caller's pointers say.
template <class T>
struct listed_rows {
    const T* const* row;
    const T* at(std::int64_t r) const { return row[r]; }
};

/// Folds rows [0, rows) of columns [c0, c1) into their states with Red::step, column by column.
template <class Red, class T, class Rows>
void step_columns(column_states<Red, T> acc, const Rows& rows_at, std::int64_t rows, std::int64_t c0, std::int64_t c1,
                  std::int64_t k) {
    for (std::int64_t c = c0; c < c1; ++c) {
        typename Red::template state<T> s = acc[c];
        for (std::int64_t r = 0; r < rows; ++r) Red::template step<T>(s, rows_at.at(r)[c], k + r);
        if constexpr (ordered_arg_fold<Red, T>) acc.set(c, s);
        else acc[c] = s;
    }
}

/// A register of T's lanes (integers of T's size, P) from `Parts` registers of 64-bit integers
/// (I), lane for lane, and back: argmin and argmax keep the rows of a register of floats in
/// two registers of indices.
template <class P, class I, std::size_t Parts>
P joined_lanes(const I (&x)[Parts]) {
    if constexpr (Parts == 1) {
        return __builtin_convertvector(x[0], P);
    } else {
        static_assert(Parts == 2);
        using H = typename vector_of<std::int32_t, sizeof(I) / 2>::type;
        const H low = __builtin_convertvector(x[0], H), high = __builtin_convertvector(x[1], H);
        return [&]<int... L>(std::integer_sequence<int, L...>) {
            return __builtin_shufflevector(low, high, L...);
        }(std::make_integer_sequence<int, 2 * sizeof(I) / 8>{});
    }
}
template <class I, class P, std::size_t Parts>
void split_lanes(const P& x, I (&out)[Parts]) {
    if constexpr (Parts == 1) {
        out[0] = __builtin_convertvector(x, I);
    } else {
        static_assert(Parts == 2);
        constexpr int half = sizeof(I) / 8;
        [&]<int... L>(std::integer_sequence<int, L...>) {
            out[0] = __builtin_convertvector(__builtin_shufflevector(x, x, L...), I);
            out[1] = __builtin_convertvector(__builtin_shufflevector(x, x, (half + L)...), I);
        }(std::make_integer_sequence<int, half>{});
    }
}

/// Folds columns [i, i + Regs registers of lanes) of `rows` rows (row r at rows_at.at(r), with
/// index k + r) into their states, the states in registers: read and written once per call, not
/// once per row. Sums and products add or multiply a register per row in the order Red::step
/// does. An ordered_fold takes one compare-select per row and register, for the values and for
/// argmin/argmax the rows they came from; the states end as Red::step leaves them (of equals
/// the first stays, an empty arg state takes its column's first value), and columns that meet
/// a NaN are folded again with Red::step. Several registers side by side read a longer run of
/// each row.
template <class Red, class T, int Regs, class Rows>
void fold_column_block(column_states<Red, T> acc, const Rows& rows_at, std::int64_t rows, std::int64_t i,
                       std::int64_t k) {
    using V = typename vector_of<T, vector_bytes>::type;
    using P = decltype(V{} < V{});  // integers of T's size: masks, and rows
    using position = std::remove_cvref_t<decltype(P{}[0])>;
    constexpr int per = vector_bytes / sizeof(T);
    // arg_columns' indices: `parts` registers of 64-bit integers per register of T
    constexpr std::size_t parts = sizeof(std::int64_t) / sizeof(T);
    using I = typename vector_of<std::int64_t, vector_bytes>::type;
    const auto load = [&](std::int64_t r, int g) {
        V x;
        std::memcpy(&x, rows_at.at(r) + i + g * per, sizeof x);
        return x;
    };
    if constexpr (arithmetic_fold<Red, T>) {
        V total[Regs];
        std::memcpy(total, acc + i, sizeof total);
        for (std::int64_t r = 0; r < rows; ++r)
            for (int g = 0; g < Regs; ++g) step_register<Red>(total[g], load(r, g));
        std::memcpy(acc + i, total, sizeof total);
    } else {
        V best[Regs];
        P from[Regs]{}, nan{};  // argmin/argmax: the row of each value kept, -1: from before
        I index[Regs][parts];
        if constexpr (Red::uses_index) {
            for (int g = 0; g < Regs; ++g) {
                V value;
                std::memcpy(&value, acc.value + i + g * per, sizeof value);
                std::memcpy(index[g], acc.index + i + g * per, sizeof index[g]);
                I none[parts];
                for (std::size_t h = 0; h < parts; ++h) none[h] = index[g][h] < 0;
                const P empty = joined_lanes<P>(none);
                best[g] = empty ? load(0, g) : value;
                from[g] = empty ? P{} : P{} - 1;
            }
        } else {
            std::memcpy(best, acc + i, sizeof best);
        }
        for (std::int64_t r = 0; r < rows; ++r)
            for (int g = 0; g < Regs; ++g) keep_better<Red>(best[g], from[g], load(r, g), P{} + static_cast<position>(r), nan);
        bool any_nan = false;
        for (int c = 0; c < per; ++c) any_nan |= nan[c] != 0;
        if (any_nan) return step_columns<Red, T>(acc, rows_at, rows, i, i + Regs * per, k);
        if constexpr (Red::uses_index) {
            for (int g = 0; g < Regs; ++g) {
                I row[parts];
                split_lanes(from[g], row);
                for (std::size_t h = 0; h < parts; ++h) index[g][h] = row[h] >= 0 ? row[h] + k : index[g][h];
                std::memcpy(acc.value + i + g * per, &best[g], sizeof best[g]);
                std::memcpy(acc.index + i + g * per, index[g], sizeof index[g]);
            }
        } else {
            std::memcpy(acc + i, best, sizeof best);
        }
    }
}

/// Folds `rows` rows of `width` values into the states of their columns (see fold_loop): four
/// registers of columns at a time over every row, then one, then the last columns one by one.
/// Other reducers, and rows narrower than a register, return false and are left to the caller.
template <class Red, class T, class Rows>
bool fold_column_blocks(column_states<Red, T> acc, const Rows& rows_at, std::int64_t rows, std::int64_t width,
                        std::int64_t k) {
    constexpr std::int64_t per = vector_bytes / sizeof(T);
    if constexpr (folds_in_registers<Red, T>) {
        if (width < per) return false;
        if (rows <= 0) return true;
        std::int64_t i = 0;
        for (; i + 4 * per <= width; i += 4 * per) fold_column_block<Red, T, 4>(acc, rows_at, rows, i, k);
        for (; i + per <= width; i += per) fold_column_block<Red, T, 1>(acc, rows_at, rows, i, k);
        step_columns<Red, T>(acc, rows_at, rows, i, width, k);
        return true;
    } else {
        return (void)acc, (void)rows_at, (void)rows, (void)width, (void)k, false;
    }
}

/// Folds `rows` rows of `width` values, `width` apart from v, into `acc` a row at a time.
template <class Red, class T>
void fold_row_by_row(typename Red::template state<T>* acc, const T* v, std::int64_t width, std::int64_t rows,
                     std::int64_t k) {
    using state = typename Red::template state<T>;
    std::int64_t r = 0;
    if (width < 2 * lane_count && rows >= 2 * lane_count / width) {
        // Narrow rows: fold `group` rows at a time into as many rows of lanes (a local copy the
        // compiler keeps apart from v), so that each step does not wait on the row before.
        const std::int64_t group = 2 * lane_count / width, lanes = group * width;
        state wide[3 * lane_count];
        std::fill_n(wide, lanes, Red::template identity<T>());
        for (; r + group <= rows; r += group, v += lanes)
            for (std::int64_t l = 0; l < lanes; ++l) Red::template step<T>(wide[l], v[l], k + r + l / width);
        for (std::int64_t g = 0; g < group; ++g)
            for (std::int64_t i = 0; i < width; ++i) Red::template merge<T>(acc[i], wide[g * width + i]);
    }
    for (; r < rows; ++r, v += width)
        for (std::int64_t i = 0; i < width; ++i) Red::template step<T>(acc[i], v[i], k + r);
}

}  // namespace

template <int Isa>
void stream_loop<Isa>::run(void* out, const void* in, std::int64_t bytes) {
    if (bytes <= 0) return;
    auto* o = static_cast<char*>(out);
    const auto* i = static_cast<const char*>(in);
#if JITFUSE_SANITIZED || !defined(__SSE2__)
    // Sanitizers see memcpy's writes, not those of the streaming intrinsics.
    std::memcpy(o, i, static_cast<std::size_t>(bytes));
#elif defined(__AVX512F__)
    stream_aligned<64>(o, i, bytes, [](char* to, const char* from) {
        _mm512_stream_si512(reinterpret_cast<__m512i*>(to), _mm512_loadu_si512(from));
    });
#elif defined(__AVX__)
    stream_aligned<32>(o, i, bytes, [](char* to, const char* from) {
        _mm256_stream_si256(reinterpret_cast<__m256i*>(to), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from)));
    });
#else
    stream_aligned<16>(o, i, bytes, [](char* to, const char* from) {
        _mm_stream_si128(reinterpret_cast<__m128i*>(to), _mm_loadu_si128(reinterpret_cast<const __m128i*>(from)));
    });
#endif
}
template struct stream_loop<JITFUSE_ISA>;

template <int Isa, class Red, class T>
void fold_loop<Isa, Red, T>::lanes(state* lane, const T* v, std::int64_t n, std::int64_t first) {
    fold_values<Red, T, vector_bytes>(lane, tile_values<T>{v}, n, first);
}

template <int Isa, class Red, class T>
void fold_loop<Isa, Red, T>::columns(states acc, const T* v, std::int64_t width, std::int64_t rows, std::int64_t k) {
    // argmin and argmax of floats keep their states in registers; rows narrower than a
    // register they fold as the others do, through states of their own. The others fold a row
    // at a time here: this entry's rows are one, or a tile of short ones, where a register fold
    // was no faster, and sum(x, 0) of (16777, 1000) floats one row a call took 3.0-3.2 ms
    // beside it against 2.3-2.6 (fold_column_rows gives them many long rows).
    if constexpr (ordered_arg_fold<Red, T>) {
        if (fold_column_blocks<Red, T>(acc, rows_apart<T>{v, width}, rows, width, k)) return;
        state own[vector_bytes / sizeof(T)];
        for (std::int64_t i = 0; i < width; ++i) own[i] = acc[i];
        fold_row_by_row<Red, T>(own, v, width, rows, k);
        for (std::int64_t i = 0; i < width; ++i) acc.set(i, own[i]);
    } else {
        fold_row_by_row<Red, T>(acc, v, width, rows, k);
    }
}

template <int Isa, class Red, class T>
void fold_loop<Isa, Red, T>::column_rows(states acc, const T* const* row, std::int64_t rows, std::int64_t width,
                                         std::int64_t k) {
    if (fold_column_blocks<Red, T>(acc, listed_rows<T>{row}, rows, width, k)) return;
    for (std::int64_t r = 0; r < rows; ++r) columns(acc, row[r], width, 1, k + r);
}

namespace {

/// Copies between the blocks in the line and their turned layout in roll_loop (t[k * c + b] =
/// element k of block b), c x c elements at a time through a tile whose fixed strides let the
/// compiler turn it in registers, then the last window % c positions. A window narrower than c
/// is a compile-time constant (`Window`), so that those positions have fixed strides too.
template <class V, bool ToLine, class Window>
void turn(V* p, std::int64_t step, Window window, V* __restrict t) {
    constexpr std::int64_t c = roll_lanes<V>;
    const auto move = [](V& in_line, V& turned) {
        if constexpr (ToLine) in_line = turned;
        else turned = in_line;
    };
    // Each step == 1 branch is the common case, vectorised.
    alignas(64) V tile[c * c];  // tile[b * c + k]: element k0 + k of block b
    std::int64_t k0 = 0;
    for (; k0 + c <= window; k0 += c) {
        for (std::int64_t k = 0; k < c && ToLine; ++k)
            for (std::int64_t b = 0; b < c; ++b) tile[b * c + k] = t[(k0 + k) * c + b];
        for (std::int64_t b = 0; b < c; ++b) {
            V* const row = p + (b * window + k0) * step;
            if (step == 1)
                for (std::int64_t k = 0; k < c; ++k) move(row[k], tile[b * c + k]);
            else
                for (std::int64_t k = 0; k < c; ++k) move(row[k * step], tile[b * c + k]);
        }
        for (std::int64_t k = 0; k < c && !ToLine; ++k)
            for (std::int64_t b = 0; b < c; ++b) t[(k0 + k) * c + b] = tile[b * c + k];
    }
    for (std::int64_t b = 0; b < c; ++b) {
        V* const row = p + b * window * step;
        if (step == 1)
            for (std::int64_t k = k0; k < window; ++k) move(row[k], t[k * c + b]);
        else
            for (std::int64_t k = k0; k < window; ++k) move(row[k * step], t[k * c + b]);
    }
}

/// Each block is a lane: the sweeps of roll_group run along the turned rows, a vector of
/// blocks per step, each lane folding its block's values in roll_group's order.
template <class Op, class V, class Window>
void roll_lanes_once(V* p, std::int64_t step, Window window, V* previous, V* scratch) {
    constexpr std::int64_t c = roll_lanes<V>, width = c + 1;
    V* __restrict t = scratch;
    // suffix[k * width + b + 1] folds elements k .. window - 1 of block b; column 0 holds the
    // block before p's, so that row k + 1 lines up the suffixes each output of row k needs.
    V* __restrict suffix = scratch + window * c;
    turn<V, false>(p, step, window, t);
    const std::int64_t last = window - 1;
    for (std::int64_t k = 0; k < window; ++k) suffix[k * width] = previous[k];
    // Each loop over b is one vector operation, and `run` stays in a register. Left to itself
    // the compiler unrolls those c iterations into scalar code before it vectorises anything:
    // `unroll 1` keeps the loop.
    V run[c];
    for (std::int64_t b = 0; b < c; ++b) suffix[last * width + b + 1] = run[b] = t[last * c + b];
    for (std::int64_t k = last - 1; k >= 0; --k)
#pragma GCC unroll 1
        for (std::int64_t b = 0; b < c; ++b) suffix[k * width + b + 1] = run[b] = Op::combine(t[k * c + b], run[b]);
    for (std::int64_t b = 0; b < c; ++b) run[b] = t[b];
    for (std::int64_t k = 1; k < window; ++k)
#pragma GCC unroll 1
        for (std::int64_t b = 0; b < c; ++b) t[k * c + b] = run[b] = Op::combine(run[b], t[k * c + b]);
    for (std::int64_t k = 0; k < last; ++k)
#pragma GCC unroll 1
        for (std::int64_t b = 0; b < c; ++b)
            t[k * c + b] = Op::finish(Op::combine(suffix[(k + 1) * width + b], t[k * c + b]), window);
    for (std::int64_t b = 0; b < c; ++b) t[last * c + b] = Op::finish(t[last * c + b], window);
    turn<V, true>(p, step, window, t);
    for (std::int64_t k = 0; k < window; ++k) previous[k] = suffix[k * width + c];
}

}  // namespace

template <int Isa, class Op, class V>
void roll_loop<Isa, Op, V>::blocks(V* p, std::int64_t groups, std::int64_t step, std::int64_t window, V* previous,
                                   V* scratch) {
    const auto roll = [&](auto w) {
        for (std::int64_t g = 0; g < groups; ++g)
            roll_lanes_once<Op>(p + g * roll_lanes<V> * window * step, step, w, previous, scratch);
    };
    // Windows narrower than c are compile-time constants (turn copies them in registers).
    [&]<std::int64_t... W>(std::integer_sequence<std::int64_t, W...>) {
        if (!((window == W + 1 && (roll(std::integral_constant<std::int64_t, W + 1>{}), true)) || ...)) roll(window);
    }(std::make_integer_sequence<std::int64_t, roll_lanes<V> - 1>{});
}

#define JITFUSE_INSTANTIATE(LOOP, OP, C) template struct LOOP<JITFUSE_ISA, detail::OP, C>;
#define JITFUSE_UNARY_ONE(OP, C) JITFUSE_INSTANTIATE(unary_loop, OP##_op, C)
#define JITFUSE_BINARY_ONE(OP, C) JITFUSE_INSTANTIATE(binary_loop, OP##_op, C)
#define JITFUSE_TERNARY_ONE(OP, C) JITFUSE_INSTANTIATE(ternary_loop, OP##_op, C)
#define JITFUSE_FOLD_ONE(RED, T) JITFUSE_INSTANTIATE(fold_loop, RED##_reducer, T)
#define JITFUSE_CONVERT_ONE(FROM, TO) template struct convert_loop<JITFUSE_ISA, FROM, TO>;
#define JITFUSE_CONVERT_FROM(_, FROM) JITFUSE_ALL_TYPES_2(JITFUSE_CONVERT_ONE, FROM)

#define JITFUSE_UNARY_ALL(OP, TYPES) JITFUSE_##TYPES##_TYPES(JITFUSE_UNARY_ONE, OP)
#define JITFUSE_BINARY_ALL(OP, TYPES) JITFUSE_##TYPES##_TYPES(JITFUSE_BINARY_ONE, OP)
#define JITFUSE_TERNARY_ALL(OP, TYPES) JITFUSE_##TYPES##_TYPES(JITFUSE_TERNARY_ONE, OP)
#define JITFUSE_FOLD_ALL(RED) JITFUSE_ALL_TYPES(JITFUSE_FOLD_ONE, RED)
#define JITFUSE_ROLL_ALL(OP) JITFUSE_FLOAT_TYPES(JITFUSE_ROLL_ONE, OP##_op)
#define JITFUSE_ROLL_ONE(OP, V) JITFUSE_INSTANTIATE(roll_loop, OP, V)

JITFUSE_UNARY_KERNELS(JITFUSE_UNARY_ALL)
JITFUSE_BINARY_KERNELS(JITFUSE_BINARY_ALL)
JITFUSE_TERNARY_KERNELS(JITFUSE_TERNARY_ALL)
JITFUSE_REDUCERS(JITFUSE_FOLD_ALL)
JITFUSE_ROLLING_OPS(JITFUSE_ROLL_ALL)
JITFUSE_ALL_TYPES(JITFUSE_CONVERT_FROM, _)

}  // namespace jitfuse::cpu
