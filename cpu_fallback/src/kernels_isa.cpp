// SPDX-License-Identifier: Apache-2.0
// The tile kernels for one instruction set. The build compiles this file once per set with
// JITFUSE_ISA = 3 (AVX-512), 2 (AVX2+FMA) or 0 (baseline) and the matching -m flags.
#include <algorithm>

#include "jitfuse/cpu/kernels.hpp"
#include "jitfuse/detail/reducers.hpp"
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

template <int Isa, class Red, class T>
void fold_loop<Isa, Red, T>::lanes(state* lane, const T* v, std::int64_t n, std::int64_t first) {
    state acc[lane_count];  // a local copy the compiler can keep in registers
    std::copy(lane, lane + lane_count, acc);
    std::int64_t i = 0;
    for (; i + lane_count <= n; i += lane_count)
        for (int l = 0; l < lane_count; ++l) Red::template step<T>(acc[l], v[i + l], first + i + l);
    for (int l = 0; i < n; ++i, ++l) Red::template step<T>(acc[l], v[i], first + i);
    std::copy(acc, acc + lane_count, lane);
}

template <int Isa, class Red, class T>
void fold_loop<Isa, Red, T>::columns(state* acc, const T* v, std::int64_t width, std::int64_t rows, std::int64_t k) {
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

JITFUSE_UNARY_KERNELS(JITFUSE_UNARY_ALL)
JITFUSE_BINARY_KERNELS(JITFUSE_BINARY_ALL)
JITFUSE_TERNARY_KERNELS(JITFUSE_TERNARY_ALL)
JITFUSE_REDUCERS(JITFUSE_FOLD_ALL)
JITFUSE_ALL_TYPES(JITFUSE_CONVERT_FROM, _)

}  // namespace jitfuse::cpu
