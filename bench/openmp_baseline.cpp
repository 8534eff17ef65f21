// SPDX-License-Identifier: Apache-2.0
// The hand-written CPU baselines jitfuse is measured against: plain OpenMP loops built with
// -O3 -march=native -ffast-math -fopenmp (glibc's libmvec vectorises the math).
#include "baselines.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <omp.h>

namespace bench {

void omp_use_threads(int threads) { omp_set_num_threads(threads); }

int omp_spec_version() { return _OPENMP; }

void omp_copy(const float* x, float* z, std::int64_t n) {
#pragma omp parallel
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const std::int64_t b = n * t / nt, e = n * (t + 1) / nt;
        std::memcpy(z + b, x + b, static_cast<std::size_t>(e - b) * sizeof(float));
    }
}

void omp_stream_copy(const float* x, float* z, std::int64_t n) {
#pragma omp parallel for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) z[i] = x[i];
}

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

void omp_ndvi(const std::uint16_t* red, const std::uint16_t* nir, float* out, std::int64_t n,
              std::uint16_t nodata) {
    // -ffast-math assumes no NaN, so the NaN is written as a bit pattern the compiler keeps.
    const float nan = std::numeric_limits<float>::quiet_NaN();
#pragma omp parallel for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) {
        const float r = red[i], v = nir[i];
        const bool valid = red[i] != nodata && nir[i] != nodata && r + v > 0.f;
        out[i] = valid ? (v - r) / (v + r) : nan;
    }
}

void omp_heat_step(const float* t, float* out, std::int64_t rows, std::int64_t cols, float alpha) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
        const float* row = t + i * cols;
        const float* up = i > 0 ? row - cols : nullptr;
        const float* down = i + 1 < rows ? row + cols : nullptr;
        float* o = out + i * cols;
        const auto at = [cols](const float* r, std::int64_t j) { return r && j >= 0 && j < cols ? r[j] : 0.f; };
        o[0] = row[0] + alpha * (at(up, 0) + at(down, 0) + 0.f + at(row, 1) - 4.f * row[0]);
#pragma omp simd
        for (std::int64_t j = 1; j < cols - 1; ++j) {
            const float u = up ? up[j] : 0.f, d = down ? down[j] : 0.f;
            o[j] = row[j] + alpha * (u + d + row[j - 1] + row[j + 1] - 4.f * row[j]);
        }
        if (cols > 1) {
            const std::int64_t j = cols - 1;
            o[j] = row[j] + alpha * (at(up, j) + at(down, j) + row[j - 1] + 0.f - 4.f * row[j]);
        }
    }
}

void omp_row_softmax(const float* x, float* out, std::int64_t rows, std::int64_t cols) {
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* in = x + r * cols;
        float* o = out + r * cols;
        float m = in[0];
#pragma omp simd reduction(max : m)
        for (std::int64_t c = 0; c < cols; ++c) m = std::max(m, in[c]);
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (std::int64_t c = 0; c < cols; ++c) s += (o[c] = std::exp(in[c] - m));
        const float inv = 1.f / s;
#pragma omp simd
        for (std::int64_t c = 0; c < cols; ++c) o[c] *= inv;
    }
}

void omp_rolling_mean(const float* x, float* out, std::int64_t n, std::int64_t window) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
#pragma omp parallel
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const std::int64_t b = n * t / nt, e = n * (t + 1) / nt;
        // A running sum per chunk of x[i - window + 1 .. i], in double so that 10^7 adds and
        // subtracts do not drift; it starts as the window before the chunk's first step.
        double s = 0;
        for (std::int64_t i = std::max<std::int64_t>(0, b - window); i < b; ++i) s += x[i];
        for (std::int64_t i = b; i < e; ++i) {
            s += x[i];
            if (i >= window) s -= x[i - window];
            out[i] = i + 1 >= window ? static_cast<float>(s / static_cast<double>(window)) : nan;
        }
    }
}

namespace {
/// Each column's sum of its values, or of their squares and then its square root.
template <bool Norms>
void column_totals(const float* x, float* out, std::int64_t rows, std::int64_t cols) {
    std::fill(out, out + cols, 0.0f);
#pragma omp parallel
    {
        std::vector<float> mine(static_cast<std::size_t>(cols), 0.0f);
#pragma omp for schedule(static)
        for (std::int64_t r = 0; r < rows; ++r)
#pragma omp simd
            for (std::int64_t c = 0; c < cols; ++c) {
                const float v = x[r * cols + c];
                mine[c] += Norms ? v * v : v;
            }
#pragma omp critical
        for (std::int64_t c = 0; c < cols; ++c) out[c] += mine[c];
    }
    if constexpr (Norms) {
#pragma omp parallel for simd schedule(static)
        for (std::int64_t c = 0; c < cols; ++c) out[c] = std::sqrt(out[c]);
    }
}
}  // namespace

void omp_column_sums(const float* x, float* out, std::int64_t rows, std::int64_t cols) {
    column_totals<false>(x, out, rows, cols);
}

void omp_column_norms(const float* x, float* out, std::int64_t rows, std::int64_t cols) {
    column_totals<true>(x, out, rows, cols);
}

void omp_class_map(const float* scores, std::int64_t* out, std::int64_t classes, std::int64_t pixels) {
#pragma omp parallel for simd schedule(static)
    for (std::int64_t p = 0; p < pixels; ++p) {
        float best = scores[p];
        std::int64_t k = 0;
        for (std::int64_t c = 1; c < classes; ++c) {
            const float v = scores[c * pixels + p];
            if (v > best) {
                best = v;
                k = c;
            }
        }
        out[p] = k;
    }
}

void omp_centered_cumsum(const float* y, float* z, std::int64_t n) {
    std::vector<float> offset(static_cast<std::size_t>(omp_get_max_threads()) + 1, 0.0f);
#pragma omp parallel
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const std::int64_t b = n * t / nt, e = n * (t + 1) / nt;
        float s = 0;
        for (std::int64_t i = b; i < e; ++i) s += y[i] - 0.5f;
        offset[t + 1] = s;
#pragma omp barrier
#pragma omp single
        for (int k = 1; k <= nt; ++k) offset[k] += offset[k - 1];
        s = offset[t];
        for (std::int64_t i = b; i < e; ++i) z[i] = s += y[i] - 0.5f;
    }
}

void omp_mandelbrot(const float* cr, const float* ci, std::int32_t* out, std::int64_t rows,
                    std::int64_t cols, int max_iter) {
    // Rows near the set take far longer than the others: hand them out dynamically.
#pragma omp parallel for schedule(dynamic, 4)
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) {
            float zr = 0, zi = 0;
            int k = 0;
            while (k < max_iter && zr * zr + zi * zi < 4.f) {
                const float t = zr * zr - zi * zi + cr[j];
                zi = 2.f * zr * zi + ci[i];
                zr = t;
                ++k;
            }
            out[i * cols + j] = k;
        }
}

}  // namespace bench
