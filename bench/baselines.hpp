// SPDX-License-Identifier: Apache-2.0
#pragma once
// Hand-written OpenMP loops, compiled separately with -O3 -march=native -ffast-math -fopenmp
// (see CMakeLists.txt); each computes what the workload of the same name in workloads.cpp does.
#include <cstdint>

namespace bench {
/// OpenMP uses as many threads as the jitfuse pool, so both sides get the same cores.
void omp_use_threads(int threads);
/// The OpenMP specification date the baselines were built against (_OPENMP, e.g. 201511).
int omp_spec_version();

void omp_copy(const float* x, float* z, std::int64_t n);         // memcpy per thread
void omp_stream_copy(const float* x, float* z, std::int64_t n);  // STREAM "copy" loop
void omp_chain(const float* x, float* z, std::int64_t n);
float omp_dot(const float* x, const float* y, std::int64_t n);
void omp_saxpy(float a, const float* x, const float* y, float* z, std::int64_t n);
/// NaN where either band is `nodata` or both are 0.
void omp_ndvi(const std::uint16_t* red, const std::uint16_t* nir, float* out, std::int64_t n,
              std::uint16_t nodata);
/// One explicit 5-point step, 0 outside the grid.
void omp_heat_step(const float* t, float* out, std::int64_t rows, std::int64_t cols, float alpha);
void omp_row_softmax(const float* x, float* out, std::int64_t rows, std::int64_t cols);
/// pandas rolling(window).mean(): the first window - 1 outputs are NaN.
void omp_rolling_mean(const float* x, float* out, std::int64_t n, std::int64_t window);
/// The sums of the `cols` columns of a row-major rows x cols matrix, into out[cols].
void omp_column_sums(const float* x, float* out, std::int64_t rows, std::int64_t cols);
/// The L2 norms of the columns: the square roots of the sums of their squares.
void omp_column_norms(const float* x, float* out, std::int64_t rows, std::int64_t cols);
/// The class of each of `pixels` pixels: the first c of the largest scores[c * pixels + p].
void omp_class_map(const float* scores, std::int64_t* out, std::int64_t classes, std::int64_t pixels);
/// z = the running sum of y - 0.5: each thread sums its chunk, the chunk sums are scanned,
/// then each thread scans its chunk from its offset (two passes, as any parallel scan).
void omp_centered_cumsum(const float* y, float* z, std::int64_t n);
/// Iterations of z <- z^2 + c until |z| >= 2, for c = cr[j] + i ci[i] on a rows x cols grid.
void omp_mandelbrot(const float* cr, const float* ci, std::int32_t* out, std::int64_t rows,
                    std::int64_t cols, int max_iter);
}  // namespace bench
