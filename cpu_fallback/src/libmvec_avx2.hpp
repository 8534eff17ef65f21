// SPDX-License-Identifier: Apache-2.0
#pragma once
// glibc's libmvec (x86-64, glibc >= 2.35 for all of these), its AVX2 variants, declared by their
// vector-ABI names: math.h declares them only as SIMD variants of the scalar functions, for
// the compiler's vectoriser. Compile with -mavx2 -mfma; link -lmvec.
#include <immintrin.h>

#define JF_MVEC_UNARY(fn)                        \
    extern "C" __m256 _ZGVdN8v_##fn##f(__m256); \
    extern "C" __m256d _ZGVdN4v_##fn(__m256d);
#define JF_MVEC_BINARY(fn)                                \
    extern "C" __m256 _ZGVdN8vv_##fn##f(__m256, __m256); \
    extern "C" __m256d _ZGVdN4vv_##fn(__m256d, __m256d);
JF_MVEC_UNARY(sin) JF_MVEC_UNARY(cos) JF_MVEC_UNARY(tan) JF_MVEC_UNARY(asin) JF_MVEC_UNARY(acos)
JF_MVEC_UNARY(atan) JF_MVEC_UNARY(sinh) JF_MVEC_UNARY(cosh) JF_MVEC_UNARY(tanh) JF_MVEC_UNARY(exp)
JF_MVEC_UNARY(exp2) JF_MVEC_UNARY(expm1) JF_MVEC_UNARY(log) JF_MVEC_UNARY(log2) JF_MVEC_UNARY(log10)
JF_MVEC_UNARY(log1p) JF_MVEC_UNARY(cbrt) JF_MVEC_UNARY(erf) JF_MVEC_BINARY(pow) JF_MVEC_BINARY(atan2)
JF_MVEC_BINARY(hypot)
#undef JF_MVEC_UNARY
#undef JF_MVEC_BINARY
