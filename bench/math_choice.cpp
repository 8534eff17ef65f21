// SPDX-License-Identifier: Apache-2.0
// jitfuse-math-choice: on an AVX2 CPU, times SLEEF's fast function (u35; u10 where SLEEF has no
// u35) against glibc's libmvec for every vector-math function, float and double, in one process
// with the two interleaved (the best of 7 rounds each), so that a shared, noisy host gives them
// the same conditions. This is the measurement behind the fast-math table of
// cpu_fallback/src/vector_math_isa.cpp (libmvec where it is >= 1.1x faster).
#include <immintrin.h>
#include <sleef.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "libmvec_avx2.hpp"

namespace {

constexpr int n = 4096;

/// Nanoseconds per element of `f` over `a` (and `b`), 100 passes over the 4096 values.
template <class T, class F>
double time_per_element(F f, const std::vector<T>& a, const std::vector<T>& b, std::vector<T>& out) {
    constexpr int width = 32 / sizeof(T);
    const auto start = std::chrono::steady_clock::now();
    for (int pass = 0; pass < 100; ++pass)
        for (int i = 0; i < n; i += width) f(a.data() + i, b.data() + i, out.data() + i);
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / (100.0 * n);
}

/// SLEEF's time over libmvec's, each the best of 7 interleaved rounds, on values in [lo, hi].
template <class T, class Sleef, class Mvec>
double speedup(Sleef sleef, Mvec mvec, double lo, double hi) {
    std::vector<T> a(n), b(n), out(n);
    for (int i = 0; i < n; ++i) {  // evenly spread, b shifted: no two inputs alike
        a[i] = static_cast<T>(lo + (hi - lo) * (i + 0.5) / n);
        b[i] = static_cast<T>(lo + (hi - lo) * ((i * 7919) % n + 0.5) / n);
    }
    double best_sleef = INFINITY, best_mvec = INFINITY;
    for (int round = 0; round < 7; ++round) {
        best_sleef = std::min(best_sleef, time_per_element(sleef, a, b, out));
        best_mvec = std::min(best_mvec, time_per_element(mvec, a, b, out));
    }
    return best_sleef / best_mvec;
}

// One function: its SLEEF accuracy suffix and the range its inputs are drawn from.
#define JF_UNARY(fn, acc, lo, hi)                                                                                   \
    report(#fn,                                                                                                      \
           speedup<float>([](const float* a, const float*, float* o) {                                              \
               _mm256_storeu_ps(o, Sleef_##fn##f8_##acc##avx2(_mm256_loadu_ps(a))); },                               \
                          [](const float* a, const float*, float* o) {                                              \
               _mm256_storeu_ps(o, _ZGVdN8v_##fn##f(_mm256_loadu_ps(a))); }, lo, hi),                                \
           speedup<double>([](const double* a, const double*, double* o) {                                          \
               _mm256_storeu_pd(o, Sleef_##fn##d4_##acc##avx2(_mm256_loadu_pd(a))); },                               \
                           [](const double* a, const double*, double* o) {                                          \
               _mm256_storeu_pd(o, _ZGVdN4v_##fn(_mm256_loadu_pd(a))); }, lo, hi))
#define JF_BINARY(fn, acc, lo, hi)                                                                                  \
    report(#fn,                                                                                                      \
           speedup<float>([](const float* a, const float* b, float* o) {                                            \
               _mm256_storeu_ps(o, Sleef_##fn##f8_##acc##avx2(_mm256_loadu_ps(a), _mm256_loadu_ps(b))); },           \
                          [](const float* a, const float* b, float* o) {                                            \
               _mm256_storeu_ps(o, _ZGVdN8vv_##fn##f(_mm256_loadu_ps(a), _mm256_loadu_ps(b))); }, lo, hi),           \
           speedup<double>([](const double* a, const double* b, double* o) {                                        \
               _mm256_storeu_pd(o, Sleef_##fn##d4_##acc##avx2(_mm256_loadu_pd(a), _mm256_loadu_pd(b))); },           \
                           [](const double* a, const double* b, double* o) {                                        \
               _mm256_storeu_pd(o, _ZGVdN4vv_##fn(_mm256_loadu_pd(a), _mm256_loadu_pd(b))); }, lo, hi))

void report(const char* name, double float_speedup, double double_speedup) {
    std::printf("%-6s float %5.2fx %-7s  double %5.2fx %s\n", name, float_speedup, float_speedup >= 1.1 ? "libmvec" : "SLEEF",
                double_speedup, double_speedup >= 1.1 ? "libmvec" : "SLEEF");
}

}  // namespace

int main() {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        std::printf("jitfuse-math-choice: this CPU has no AVX2+FMA; nothing to measure\n");
        return 0;
    }
    std::printf("libmvec's speed-up over SLEEF's fast function (AVX2, one thread, in cache; >= 1.1x: libmvec)\n");
    JF_UNARY(sin, u35, -10, 10);
    JF_UNARY(cos, u35, -10, 10);
    JF_UNARY(tan, u35, -10, 10);
    JF_UNARY(asin, u35, -1, 1);
    JF_UNARY(acos, u35, -1, 1);
    JF_UNARY(atan, u35, -100, 100);
    JF_UNARY(sinh, u35, -20, 20);
    JF_UNARY(cosh, u35, -20, 20);
    JF_UNARY(tanh, u35, -10, 10);
    JF_UNARY(exp, u10, -50, 50);
    JF_UNARY(exp2, u35, -50, 50);
    JF_UNARY(expm1, u10, -20, 20);
    JF_UNARY(log, u35, 0.001, 1000);
    JF_UNARY(log2, u35, 0.001, 1000);
    JF_UNARY(log10, u10, 0.001, 1000);
    JF_UNARY(log1p, u10, -0.9, 100);
    JF_UNARY(cbrt, u35, -1000, 1000);
    JF_UNARY(erf, u10, -5, 5);
    JF_BINARY(pow, u10, 0.1, 10);
    JF_BINARY(atan2, u35, -10, 10);
    JF_BINARY(hypot, u35, -100, 100);
}
