// SPDX-License-Identifier: Apache-2.0
#pragma once
// The CUDA built-ins jitfuse's generated kernels and device prelude use, for the host
// compiler: the emulated driver compiles each kernel module as a shared library with this
// header included first. Thread coordinates are per-thread variables the driver sets before
// it calls the kernel; __syncthreads and the warp shuffles call back into the driver, which
// runs a block's threads as fibers of one host thread (block_runner.cpp).

#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>

#include "emulated_thread.hpp"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
// One block runs at a time, so a static is exactly one block's shared memory.
#define __shared__ static
#define __constant__

inline thread_local jf_emu::dim3 threadIdx, blockIdx, blockDim, gridDim;
inline thread_local const jf_emu::thread_context* jf_emu_self = nullptr;
constexpr int warpSize = 32;

/// Makes `c` the running thread. Threads of a block share a host thread, so a thread that
/// waited re-enters its own coordinates.
inline void jf_emu_enter(const jf_emu::thread_context* c) {
    threadIdx = c->thread_idx;
    blockIdx = c->block_idx;
    blockDim = c->block_dim;
    gridDim = c->grid_dim;
    jf_emu_self = c;
}

inline void __syncthreads() {
    const jf_emu::thread_context* self = jf_emu_self;
    self->sync->sync_threads(self->sync->block);
    jf_emu_enter(self);
}

template <class T>
T __shfl_down_sync(unsigned mask, T value, int delta) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8);
    const jf_emu::thread_context* self = jf_emu_self;
    unsigned long long bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    bits = self->sync->shuffle_down(self->sync->block, mask, bits, delta);
    jf_emu_enter(self);
    std::memcpy(&value, &bits, sizeof(T));
    return value;
}

template <class To, class From>
To jf_emu_bits(From x) {
    To to;
    std::memcpy(&to, &x, sizeof(To));
    return to;
}
inline float __int_as_float(int x) { return jf_emu_bits<float>(x); }
inline int __float_as_int(float x) { return jf_emu_bits<int>(x); }
inline unsigned __float_as_uint(float x) { return jf_emu_bits<unsigned>(x); }
/// Correctly rounded 1 / x, as the host's division is.
inline float __frcp_rn(float x) { return 1.0f / x; }
inline double __longlong_as_double(long long x) { return jf_emu_bits<double>(x); }
inline long long __double_as_longlong(double x) { return jf_emu_bits<long long>(x); }
/// The high 64 bits of a * b.
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    __extension__ typedef unsigned __int128 wide;
    return static_cast<unsigned long long>(static_cast<wide>(a) * b >> 64);
}
/// The low 32 bits of hi:lo shifted right by `shift` mod 32.
inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned shift) {
    return static_cast<unsigned>((static_cast<unsigned long long>(hi) << 32 | lo) >> (shift & 31));
}

// NVRTC declares float and double overloads of the C math names in the global namespace;
// JITFUSE_FUNCTION bodies call them unqualified.
using std::abs, std::fabs, std::fmod, std::remainder, std::fma, std::fmin, std::fmax, std::fdim;
using std::pow, std::hypot, std::atan2, std::asinh, std::acosh, std::atanh, std::erfc, std::tgamma, std::lgamma;
using std::ceil, std::floor, std::trunc, std::round, std::rint, std::copysign;
using std::isnan, std::isinf, std::isfinite, std::signbit;

// The functions the prelude calls, computed in a wider type and rounded: within half an ulp
// or so, tighter than CUDA's bounds (the C library's own are looser for some, e.g. cbrt), so
// that the suite's ulp checks test the kernels, not the host's libm. The macros rename every
// later use (prelude, kernels, function bodies) consistently.
#define JF_EMU_UNARY(NAME, WIDE)                                                                 \
    inline float jf_emu_##NAME##f(float x) { return float(WIDE(double(x))); }                   \
    inline float jf_emu_##NAME(float x) { return jf_emu_##NAME##f(x); }                          \
    inline double jf_emu_##NAME(double x) { return double(WIDE(static_cast<long double>(x))); }
#define JF_EMU_MATH(NAME) JF_EMU_UNARY(NAME, std::NAME)
JF_EMU_MATH(cbrt) JF_EMU_MATH(exp) JF_EMU_MATH(exp2) JF_EMU_MATH(expm1) JF_EMU_MATH(log)
JF_EMU_MATH(log2) JF_EMU_MATH(log10) JF_EMU_MATH(log1p) JF_EMU_MATH(sin) JF_EMU_MATH(cos) JF_EMU_MATH(tan)
JF_EMU_MATH(asin) JF_EMU_MATH(acos) JF_EMU_MATH(atan) JF_EMU_MATH(sinh) JF_EMU_MATH(cosh) JF_EMU_MATH(tanh)
JF_EMU_MATH(erf)
// sqrt is correctly rounded on the GPU (IEEE; NVRTC's default -prec-sqrt=true), and so is the
// host's in the same type: through long double, a double result would be rounded twice (64 <
// 2 * 53 + 2 bits) and miss by an ulp now and then.
inline float jf_emu_sqrtf(float x) { return std::sqrt(x); }
inline float jf_emu_sqrt(float x) { return std::sqrt(x); }
inline double jf_emu_sqrt(double x) { return std::sqrt(x); }
template <class T> T jf_emu_wide_rsqrt(T x) { return T(1) / std::sqrt(x); }
template <class T> T jf_emu_wide_cospi(T x) { return std::cos(3.14159265358979323846264338327950288L * x); }
JF_EMU_UNARY(rsqrt, jf_emu_wide_rsqrt) JF_EMU_UNARY(cospi, jf_emu_wide_cospi)
#undef JF_EMU_MATH
#undef JF_EMU_UNARY
#define sqrtf jf_emu_sqrtf
#define sqrt jf_emu_sqrt
#define rsqrtf jf_emu_rsqrtf
#define rsqrt jf_emu_rsqrt
#define cbrtf jf_emu_cbrtf
#define cbrt jf_emu_cbrt
#define expf jf_emu_expf
#define exp jf_emu_exp
#define exp2f jf_emu_exp2f
#define exp2 jf_emu_exp2
#define expm1f jf_emu_expm1f
#define expm1 jf_emu_expm1
#define logf jf_emu_logf
#define log jf_emu_log
#define log2f jf_emu_log2f
#define log2 jf_emu_log2
#define log10f jf_emu_log10f
#define log10 jf_emu_log10
#define log1pf jf_emu_log1pf
#define log1p jf_emu_log1p
#define sinf jf_emu_sinf
#define sin jf_emu_sin
#define cosf jf_emu_cosf
#define cos jf_emu_cos
#define tanf jf_emu_tanf
#define tan jf_emu_tan
#define asinf jf_emu_asinf
#define asin jf_emu_asin
#define acosf jf_emu_acosf
#define acos jf_emu_acos
#define atanf jf_emu_atanf
#define atan jf_emu_atan
#define sinhf jf_emu_sinhf
#define sinh jf_emu_sinh
#define coshf jf_emu_coshf
#define cosh jf_emu_cosh
#define tanhf jf_emu_tanhf
#define tanh jf_emu_tanh
#define erff jf_emu_erff
#define erf jf_emu_erf
#define cospif jf_emu_cospif
#define cospi jf_emu_cospi

namespace jf_emu {

/// Calls `kernel` as thread `context` with the launch's parameters, unpacked by type.
template <class... P, std::size_t... I>
void call(void (*kernel)(P...), void** params, std::index_sequence<I...>) {
    kernel(*static_cast<std::remove_cv_t<P>*>(params[I])...);
}
template <class... P>
void run(void (*kernel)(P...), void** params, const thread_context* context) {
    jf_emu_enter(context);
    call(kernel, params, std::index_sequence_for<P...>{});
}
/// Bit i set when parameter i is a pointer (device memory the driver checks).
template <class... P>
unsigned long long pointers(void (*)(P...)) {
    unsigned long long bits = 0, bit = 1;
    ((bits |= std::is_pointer_v<P> ? bit : 0, bit <<= 1), ...);
    return bits;
}

}  // namespace jf_emu
