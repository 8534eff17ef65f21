// SPDX-License-Identifier: Apache-2.0
#pragma once
// Every tile kernel the library provides: each operation with each element type it can be
// computed in. A combination missing here is a link error in user code, so the type sets
// follow each operation's `accepts` and compute-type rules in detail/op_defs.hpp.

#include <cstdint>

#define JITFUSE_ALL_TYPES(X, A)                                                              \
    X(A, bool) X(A, std::int8_t) X(A, std::int16_t) X(A, std::int32_t) X(A, std::int64_t)    \
    X(A, std::uint8_t) X(A, std::uint16_t) X(A, std::uint32_t) X(A, std::uint64_t) X(A, float) \
    X(A, double)
// A second copy: a macro cannot expand inside its own expansion (convert: all x all).
#define JITFUSE_ALL_TYPES_2(X, A)                                                            \
    X(A, bool) X(A, std::int8_t) X(A, std::int16_t) X(A, std::int32_t) X(A, std::int64_t)    \
    X(A, std::uint8_t) X(A, std::uint16_t) X(A, std::uint32_t) X(A, std::uint64_t) X(A, float) \
    X(A, double)
#define JITFUSE_NUMERIC_TYPES(X, A)                                                          \
    X(A, std::int8_t) X(A, std::int16_t) X(A, std::int32_t) X(A, std::int64_t)               \
    X(A, std::uint8_t) X(A, std::uint16_t) X(A, std::uint32_t) X(A, std::uint64_t) X(A, float) \
    X(A, double)
#define JITFUSE_INTEGER_TYPES(X, A)                                                          \
    X(A, std::int8_t) X(A, std::int16_t) X(A, std::int32_t) X(A, std::int64_t)               \
    X(A, std::uint8_t) X(A, std::uint16_t) X(A, std::uint32_t) X(A, std::uint64_t)
#define JITFUSE_INTEGRAL_TYPES(X, A) X(A, bool) JITFUSE_INTEGER_TYPES(X, A)
#define JITFUSE_FLOAT_TYPES(X, A) X(A, float) X(A, double)
#define JITFUSE_BOOL_TYPES(X, A) X(A, bool)

#define JITFUSE_UNARY_KERNELS(X)                                                             \
    X(negative, NUMERIC) X(abs, NUMERIC) X(square, NUMERIC) X(sign, NUMERIC) X(floor, NUMERIC) \
    X(ceil, NUMERIC) X(round, NUMERIC) X(trunc, NUMERIC) X(rsqrt, FLOAT) X(sqrt, FLOAT)      \
    X(cbrt, FLOAT) X(exp, FLOAT) X(exp2, FLOAT) X(expm1, FLOAT) X(log, FLOAT) X(log2, FLOAT)  \
    X(log10, FLOAT) X(log1p, FLOAT) X(sin, FLOAT) X(cos, FLOAT) X(tan, FLOAT) X(asin, FLOAT) \
    X(acos, FLOAT) X(atan, FLOAT) X(sinh, FLOAT) X(cosh, FLOAT) X(tanh, FLOAT) X(erf, FLOAT) \
    X(isnan, ALL) X(isinf, ALL) X(isfinite, ALL) X(logical_not, BOOL) X(bitwise_not, INTEGRAL)

#define JITFUSE_BINARY_KERNELS(X)                                                            \
    X(add, NUMERIC) X(subtract, NUMERIC) X(multiply, NUMERIC) X(divide, NUMERIC)             \
    X(remainder, NUMERIC) X(pow, NUMERIC) X(minimum, ALL) X(maximum, ALL) X(atan2, FLOAT)    \
    X(hypot, FLOAT) X(bitwise_and, INTEGRAL) X(bitwise_or, INTEGRAL) X(bitwise_xor, INTEGRAL) \
    X(shift_left, INTEGER) X(shift_right, INTEGER) X(equal, ALL) X(not_equal, ALL)           \
    X(less, ALL) X(less_equal, ALL) X(greater, ALL) X(greater_equal, ALL)                    \
    X(logical_and, BOOL) X(logical_or, BOOL)

#define JITFUSE_TERNARY_KERNELS(X) X(where, ALL) X(clamp, ALL) X(fma, NUMERIC)

#define JITFUSE_REDUCERS(X) X(sum) X(prod) X(min) X(max) X(mean) X(any) X(all) X(argmin) X(argmax)
#define JITFUSE_ROLLING_OPS(X) X(rolling_sum) X(rolling_mean) X(rolling_min) X(rolling_max)
