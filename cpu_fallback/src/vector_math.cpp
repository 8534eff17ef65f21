// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/cpu/vector_math.hpp"

#include "jitfuse/cpu/kernels.hpp"

#include <cmath>

namespace jitfuse::cpu {
namespace {

#ifndef JITFUSE_NO_SIMD_DISPATCH
bool has_avx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}
bool has_avx2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
const isa::kernels* pick() {
    if (has_avx512()) return &isa::avx512();
    if (has_avx2()) return &isa::avx2();
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.1")) return &isa::sse41();
    return nullptr;
}
const isa::kernels* const kernels = pick();
#else
const isa::kernels* const kernels = nullptr;
#endif

// The scalar path where no vector unit is usable: the C++ standard library.
template <class T>
T scalar_unary(vfn f, T x) {
    switch (f) {
        case vfn::sin: return std::sin(x);
        case vfn::cos: return std::cos(x);
        case vfn::tan: return std::tan(x);
        case vfn::asin: return std::asin(x);
        case vfn::acos: return std::acos(x);
        case vfn::atan: return std::atan(x);
        case vfn::sinh: return std::sinh(x);
        case vfn::cosh: return std::cosh(x);
        case vfn::tanh: return std::tanh(x);
        case vfn::exp: return std::exp(x);
        case vfn::exp2: return std::exp2(x);
        case vfn::expm1: return std::expm1(x);
        case vfn::log: return std::log(x);
        case vfn::log2: return std::log2(x);
        case vfn::log10: return std::log10(x);
        case vfn::log1p: return std::log1p(x);
        case vfn::cbrt: return std::cbrt(x);
        default: return std::erf(x);
    }
}
template <class T>
T scalar_binary(vfn f, T a, T b) {
    switch (f) {
        case vfn::pow: return std::pow(a, b);
        case vfn::atan2: return std::atan2(a, b);
        default: return std::hypot(a, b);
    }
}

template <class T>
void scalar_loop(vfn f, const T* in, T* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = scalar_unary(f, in[i]);
}
template <class T>
void scalar_loop(vfn f, const T* a, const T* b, T* out, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) out[i] = scalar_binary(f, a[i], b[i]);
}

int binary_index(vfn f) { return static_cast<int>(f) - unary_vfn_count; }

}  // namespace

void apply(vfn f, const float* in, float* out, std::int64_t n, bool fast) {
    if (!kernels) return scalar_loop(f, in, out, n);
    kernels->unary_float[fast][static_cast<int>(f)](in, out, n);
}
void apply(vfn f, const double* in, double* out, std::int64_t n, bool fast) {
    if (!kernels) return scalar_loop(f, in, out, n);
    kernels->unary_double[fast][static_cast<int>(f)](in, out, n);
}
void apply(vfn f, const float* a, const float* b, float* out, std::int64_t n, bool fast) {
    if (!kernels) return scalar_loop(f, a, b, out, n);
    kernels->binary_float[fast][binary_index(f)](a, b, out, n);
}
void apply(vfn f, const double* a, const double* b, double* out, std::int64_t n, bool fast) {
    if (!kernels) return scalar_loop(f, a, b, out, n);
    kernels->binary_double[fast][binary_index(f)](a, b, out, n);
}

#ifndef JITFUSE_NO_SIMD_DISPATCH
int kernel_isa() noexcept {
    static const int level = has_avx512() ? 3 : has_avx2() ? 2 : 0;
    return level;
}
#endif

const char* vector_isa() {
#ifndef JITFUSE_NO_SIMD_DISPATCH
    if (kernels == &isa::avx512()) return "avx512";
    if (kernels == &isa::avx2()) return "avx2";
    if (kernels == &isa::sse41()) return "sse4.1";
#endif
    return "scalar";
}

}  // namespace jitfuse::cpu
