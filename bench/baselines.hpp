// SPDX-License-Identifier: Apache-2.0
#pragma once
// Baselines compiled separately with their own flags (see CMakeLists.txt).
#include <cstdint>

namespace bench {
void omp_chain(const float* x, float* z, std::int64_t n);
float omp_dot(const float* x, const float* y, std::int64_t n);
void omp_saxpy(float a, const float* x, const float* y, float* z, std::int64_t n);
void omp_copy(const float* x, float* z, std::int64_t n);
}  // namespace bench
