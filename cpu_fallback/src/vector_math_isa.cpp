// SPDX-License-Identifier: Apache-2.0
// One instruction set's vector math kernels: SLEEF's, and under fast math on AVX2 glibc's libmvec
// where faster. The build compiles this file once per set with JITFUSE_ISA = 3 (AVX-512),
// 2 (AVX2+FMA) or 1 (SSE4.1) and the matching -m flags.
#include <immintrin.h>
#include <sleef.h>

#include <cstring>

#include "jitfuse/cpu/vector_math.hpp"
#if JITFUSE_ISA == 2 && defined(JITFUSE_LIBMVEC)
#include "libmvec_avx2.hpp"
#endif

namespace jitfuse::cpu::isa {
namespace {

#if JITFUSE_ISA == 3
#define JF_VF(fn, acc) Sleef_##fn##f16_##acc##avx512f
#define JF_VD(fn, acc) Sleef_##fn##d8_##acc##avx512f
struct vfloat {
    using type = __m512;
    static constexpr int width = 16;
    static type load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, type v) { _mm512_storeu_ps(p, v); }
};
struct vdouble {
    using type = __m512d;
    static constexpr int width = 8;
    static type load(const double* p) { return _mm512_loadu_pd(p); }
    static void store(double* p, type v) { _mm512_storeu_pd(p, v); }
};
#define JF_KERNELS_NAME avx512
#elif JITFUSE_ISA == 2
#define JF_VF(fn, acc) Sleef_##fn##f8_##acc##avx2
#define JF_VD(fn, acc) Sleef_##fn##d4_##acc##avx2
struct vfloat {
    using type = __m256;
    static constexpr int width = 8;
    static type load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, type v) { _mm256_storeu_ps(p, v); }
};
struct vdouble {
    using type = __m256d;
    static constexpr int width = 4;
    static type load(const double* p) { return _mm256_loadu_pd(p); }
    static void store(double* p, type v) { _mm256_storeu_pd(p, v); }
};
#define JF_KERNELS_NAME avx2
#else
#define JF_VF(fn, acc) Sleef_##fn##f4_##acc##sse4
#define JF_VD(fn, acc) Sleef_##fn##d2_##acc##sse4
struct vfloat {
    using type = __m128;
    static constexpr int width = 4;
    static type load(const float* p) { return _mm_loadu_ps(p); }
    static void store(float* p, type v) { _mm_storeu_ps(p, v); }
};
struct vdouble {
    using type = __m128d;
    static constexpr int width = 2;
    static type load(const double* p) { return _mm_loadu_pd(p); }
    static void store(double* p, type v) { _mm_storeu_pd(p, v); }
};
#define JF_KERNELS_NAME sse41
#endif

// Full vectors straight from memory; the tail through a zero-padded local vector. memcpy, not
// std::copy: an unoptimised build would emit std::copy out of line in every instruction set's
// object under one name, and the linker would keep one of them for all (isa-objects).
template <class V, class T, auto F>
void unary(const T* in, T* out, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(out + i, F(V::load(in + i)));
    if (i < n) {
        alignas(64) T tmp[V::width] = {};
        const auto tail = static_cast<std::size_t>(n - i) * sizeof(T);
        std::memcpy(tmp, in + i, tail);
        V::store(tmp, F(V::load(tmp)));
        std::memcpy(out + i, tmp, tail);
    }
}

template <class V, class T, auto F>
void binary(const T* a, const T* b, T* out, std::int64_t n) {
    std::int64_t i = 0;
    for (; i + V::width <= n; i += V::width) V::store(out + i, F(V::load(a + i), V::load(b + i)));
    if (i < n) {
        alignas(64) T ta[V::width] = {}, tb[V::width] = {};
        const auto tail = static_cast<std::size_t>(n - i) * sizeof(T);
        std::memcpy(ta, a + i, tail);
        std::memcpy(tb, b + i, tail);
        V::store(ta, F(V::load(ta), V::load(tb)));
        std::memcpy(out + i, ta, tail);
    }
}

#define JF_U(fn, fast) &unary<vfloat, float, JF_VF(fn, fast)>
#define JF_UD(fn, fast) &unary<vdouble, double, JF_VD(fn, fast)>
#define JF_UNARY_TABLE(M, A, B)                                                           \
    {M(sin, A), M(cos, A), M(tan, A), M(asin, A), M(acos, A), M(atan, A), M(sinh, A),     \
     M(cosh, A), M(tanh, A), M(exp, u10), M(exp2, A), M(expm1, u10), M(log, A), M(log2, A), \
     M(log10, u10), M(log1p, u10), M(cbrt, A), M(erf, u10)}
#define JF_B(fn, fast) &binary<vfloat, float, JF_VF(fn, fast)>
#define JF_BD(fn, fast) &binary<vdouble, double, JF_VD(fn, fast)>
#define JF_BINARY_TABLE(M, A, H) {M(pow, u10), M(atan2, A), M(hypot, H)}

#if JITFUSE_ISA == 2 && defined(JITFUSE_LIBMVEC)
// Fast math on AVX2 takes glibc's libmvec function where jitfuse-math-choice (bench/) measured
// it >= 1.1x faster than SLEEF's fast one in each of three runs (the chain's float sin, exp and
// log: 1.2x, 1.3x, 1.6x), SLEEF's elsewhere (float asin tanh exp2 cbrt hypot; double asin acos
// tanh hypot). Per function: docs/type_promotion.md, "Fast math on the CPU".
#define JF_MF(fn) &unary<vfloat, float, _ZGVdN8v_##fn##f>
#define JF_MD(fn) &unary<vdouble, double, _ZGVdN4v_##fn>
#define JF_MBF(fn) &binary<vfloat, float, _ZGVdN8vv_##fn##f>
#define JF_MBD(fn) &binary<vdouble, double, _ZGVdN4vv_##fn>
#define JF_FAST_FLOAT                                                                                \
    {JF_MF(sin), JF_MF(cos), JF_MF(tan), JF_U(asin, u35), JF_MF(acos), JF_MF(atan), JF_MF(sinh),      \
     JF_MF(cosh), JF_U(tanh, u35), JF_MF(exp), JF_U(exp2, u35), JF_MF(expm1), JF_MF(log), JF_MF(log2), \
     JF_MF(log10), JF_MF(log1p), JF_U(cbrt, u35), JF_MF(erf)}
#define JF_FAST_DOUBLE                                                                               \
    {JF_MD(sin), JF_MD(cos), JF_MD(tan), JF_UD(asin, u35), JF_UD(acos, u35), JF_MD(atan), JF_MD(sinh), \
     JF_MD(cosh), JF_UD(tanh, u35), JF_MD(exp), JF_MD(exp2), JF_MD(expm1), JF_MD(log), JF_MD(log2),    \
     JF_MD(log10), JF_MD(log1p), JF_MD(cbrt), JF_MD(erf)}
#define JF_FAST_BINARY_FLOAT {JF_MBF(pow), JF_MBF(atan2), JF_B(hypot, u35)}
#define JF_FAST_BINARY_DOUBLE {JF_MBD(pow), JF_MBD(atan2), JF_BD(hypot, u35)}
#else
#define JF_FAST_FLOAT JF_UNARY_TABLE(JF_U, u35, u35)
#define JF_FAST_DOUBLE JF_UNARY_TABLE(JF_UD, u35, u35)
#define JF_FAST_BINARY_FLOAT JF_BINARY_TABLE(JF_B, u35, u35)
#define JF_FAST_BINARY_DOUBLE JF_BINARY_TABLE(JF_BD, u35, u35)
#endif

const kernels table = {
    {JF_UNARY_TABLE(JF_U, u10, u10), JF_FAST_FLOAT},
    {JF_UNARY_TABLE(JF_UD, u10, u10), JF_FAST_DOUBLE},
    {JF_BINARY_TABLE(JF_B, u10, u05), JF_FAST_BINARY_FLOAT},
    {JF_BINARY_TABLE(JF_BD, u10, u05), JF_FAST_BINARY_DOUBLE},
};

}  // namespace

const kernels& JF_KERNELS_NAME() { return table; }

}  // namespace jitfuse::cpu::isa
