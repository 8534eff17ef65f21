// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Vectorised transcendental math for the CPU fallback, from SLEEF (1.0 ULP functions;
/// when `JITFUSE_FAST_MATH=1`, 4 ULP ones: glibc's libmvec on AVX2 where it is faster, SLEEF's
/// 3.5 ULP ones elsewhere), dispatched at run time to AVX-512, AVX2 or SSE4.1.

#include <cstdint>

namespace jitfuse::cpu {

/// The functions with a vector kernel. Unary first, then binary.
enum class vfn : std::uint8_t {
    sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, exp, exp2, expm1, log, log2, log10,
    log1p, cbrt, erf,
    pow, atan2, hypot,
    count
};

inline constexpr int unary_vfn_count = static_cast<int>(vfn::pow);

/// out[i] = f(in[i]) for i < n. `in` and `out` may be the same array.
void apply(vfn f, const float* in, float* out, std::int64_t n, bool fast);
void apply(vfn f, const double* in, double* out, std::int64_t n, bool fast);
/// out[i] = f(a[i], b[i]) for i < n.
void apply(vfn f, const float* a, const float* b, float* out, std::int64_t n, bool fast);
void apply(vfn f, const double* a, const double* b, double* out, std::int64_t n, bool fast);

/// "avx512", "avx2", "sse4.1" or "scalar": the instruction set the kernels use here.
const char* vector_isa();

namespace isa {
/// One instruction set's kernels: [fast][function].
struct kernels {
    using unary_f = void (*)(const float*, float*, std::int64_t);
    using unary_d = void (*)(const double*, double*, std::int64_t);
    using binary_f = void (*)(const float*, const float*, float*, std::int64_t);
    using binary_d = void (*)(const double*, const double*, double*, std::int64_t);
    unary_f unary_float[2][unary_vfn_count];
    unary_d unary_double[2][unary_vfn_count];
    binary_f binary_float[2][static_cast<int>(vfn::count) - unary_vfn_count];
    binary_d binary_double[2][static_cast<int>(vfn::count) - unary_vfn_count];
};
const kernels& avx512();
const kernels& avx2();
const kernels& sse41();
}  // namespace isa

}  // namespace jitfuse::cpu
