// SPDX-License-Identifier: Apache-2.0
// The hand-written CPU baselines jitfuse is measured against: plain OpenMP loops built with
// -O3 -march=native -ffast-math -fopenmp (glibc's libmvec vectorises the math).
#include "baselines.hpp"

#include <cmath>
#include <cstring>

#include <omp.h>

namespace bench {

void omp_chain(const float* x, float* z, std::int64_t n) {
#pragma omp parallel for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) z[i] = std::sin(x[i]) * std::exp(x[i]) + std::log(x[i] + 1.0f);
}

float omp_dot(const float* x, const float* y, std::int64_t n) {
    float s = 0;
#pragma omp parallel for simd reduction(+ : s) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) s += x[i] * y[i];
    return s;
}

void omp_saxpy(float a, const float* x, const float* y, float* z, std::int64_t n) {
#pragma omp parallel for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) z[i] = a * x[i] + y[i];
}

void omp_copy(const float* x, float* z, std::int64_t n) {
#pragma omp parallel
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const std::int64_t b = n * t / nt, e = n * (t + 1) / nt;
        std::memcpy(z + b, x + b, static_cast<std::size_t>(e - b) * sizeof(float));
    }
}

}  // namespace bench
