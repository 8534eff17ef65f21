// SPDX-License-Identifier: Apache-2.0
// jitfuse's device prelude: the only header generated kernels include. It restates, for the
// GPU, the semantics of the host code in include/jitfuse/detail/{scalar_math,op_defs,
// reducers}.hpp (integer wrap-around, XLA division by zero, saturating casts, NaN-propagating
// min/max, NumPy argmin/argmax) without any standard header, so that NVRTC compiles a kernel
// in tens of milliseconds.
#pragma once

namespace jf {

typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;

// ---- type traits -------------------------------------------------------------------------
// Constants are enumerators, here and in `same`: NVRTC emits every static constexpr data
// member of a specialization into the module as a .global variable, which ptxas then parses
// (~1.5 ms of a reduction's compile).
template <class T> struct traits;
#define JF_INTEGER_TRAITS(T, WRAP, MIN, MAX, SIGNED)                  \
    template <> struct traits<T> {                                    \
        enum : bool { is_float = false, is_integer = true };          \
        enum : bool { is_signed = SIGNED };                           \
        enum : int { bits = sizeof(T) * 8 };                          \
        typedef WRAP wrap;                                            \
        static __device__ constexpr T lowest() { return MIN; }        \
        static __device__ constexpr T highest() { return MAX; }       \
    };
JF_INTEGER_TRAITS(int8_t, unsigned, -128, 127, true)
JF_INTEGER_TRAITS(int16_t, unsigned, -32768, 32767, true)
JF_INTEGER_TRAITS(int32_t, unsigned, -2147483647 - 1, 2147483647, true)
JF_INTEGER_TRAITS(int64_t, uint64_t, -9223372036854775807LL - 1, 9223372036854775807LL, true)
JF_INTEGER_TRAITS(uint8_t, unsigned, 0, 255, false)
JF_INTEGER_TRAITS(uint16_t, unsigned, 0, 65535, false)
JF_INTEGER_TRAITS(uint32_t, unsigned, 0, 4294967295u, false)
JF_INTEGER_TRAITS(uint64_t, uint64_t, 0, 18446744073709551615ULL, false)
#undef JF_INTEGER_TRAITS
template <> struct traits<bool> {
    enum : bool { is_float = false, is_integer = false, is_signed = false };
};
template <> struct traits<float> {
    enum : bool { is_float = true, is_integer = false, is_signed = true };
    static __device__ float lowest() { return -__int_as_float(0x7f800000); }
    static __device__ float highest() { return __int_as_float(0x7f800000); }
};
template <> struct traits<double> {
    enum : bool { is_float = true, is_integer = false, is_signed = true };
    static __device__ double lowest() { return -__longlong_as_double(0x7ff0000000000000LL); }
    static __device__ double highest() { return __longlong_as_double(0x7ff0000000000000LL); }
};

template <class A, class B> struct same { enum : bool { value = false }; };
template <class A> struct same<A, A> { enum : bool { value = true }; };

template <class T> __device__ inline bool is_nan(T x) {
    if constexpr (traits<T>::is_float) return x != x;
    else return false;
}

// ---- conversion: to bool is != 0; float to integer truncates, saturates, NaN -> 0 ---------
template <class To, class From>
__device__ inline To convert(From x) {
    if constexpr (same<To, From>::value) return x;
    else if constexpr (same<To, bool>::value) return x != From(0);
    else if constexpr (traits<From>::is_float && traits<To>::is_integer) {
        if (x != x) return To(0);
        if (x <= From(traits<To>::lowest())) return traits<To>::lowest();
        if (x >= From(traits<To>::highest())) return traits<To>::highest();
        return To(x);
    } else return To(x);
}

// ---- arithmetic with defined results -------------------------------------------------------
template <class T> __device__ inline T add(T a, T b) {
    if constexpr (traits<T>::is_integer) return T(typename traits<T>::wrap(a) + typename traits<T>::wrap(b));
    else return a + b;
}
template <class T> __device__ inline T subtract(T a, T b) {
    if constexpr (traits<T>::is_integer) return T(typename traits<T>::wrap(a) - typename traits<T>::wrap(b));
    else return a - b;
}
template <class T> __device__ inline T multiply(T a, T b) {
    if constexpr (traits<T>::is_integer) return T(typename traits<T>::wrap(a) * typename traits<T>::wrap(b));
    else return a * b;
}
// Floats negate (0 - x would give +0 for x = +0, not -0).
template <class T> __device__ inline T negative(T a) {
    if constexpr (traits<T>::is_integer) return subtract(T(0), a);
    else return -a;
}
template <class T> __device__ inline T square(T a) { return multiply(a, a); }
template <class T> __device__ inline T divide(T a, T b) {
    if constexpr (traits<T>::is_integer) {
        if (b == T(0)) return T(-1);
        if constexpr (traits<T>::is_signed)
            if (b == T(-1)) return negative(a);
        return T(a / b);
    } else return a / b;
}
template <class T> __device__ inline T remainder(T a, T b) {
    if constexpr (traits<T>::is_integer) {
        if (b == T(0)) return a;
        if constexpr (traits<T>::is_signed)
            if (b == T(-1)) return T(0);
        return T(a % b);
    } else if constexpr (same<T, float>::value) return ::fmodf(a, b);
    else return ::fmod(a, b);
}
template <class T> __device__ inline T abs(T x) {
    if constexpr (same<T, float>::value) return ::fabsf(x);
    else if constexpr (same<T, double>::value) return ::fabs(x);
    else if constexpr (traits<T>::is_signed) return x < T(0) ? negative(x) : x;
    else return x;
}
template <class T> __device__ inline T sign(T x) { return x > T(0) ? T(1) : x < T(0) ? T(-1) : x; }
template <class T> __device__ inline T minimum(T a, T b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return b < a ? b : a;
}
template <class T> __device__ inline T maximum(T a, T b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return a < b ? b : a;
}
template <class T> __device__ inline T clamp(T x, T lo, T hi) { return minimum(maximum(x, lo), hi); }
template <class T> __device__ inline T fma(T a, T b, T c) {
    if constexpr (same<T, float>::value) return ::fmaf(a, b, c);
    else if constexpr (same<T, double>::value) return ::fma(a, b, c);
    else return add(multiply(a, b), c);
}
template <class T> __device__ inline T where(bool c, T a, T b) { return c ? a : b; }
template <class T> __device__ inline T pow(T base, T e) {
    if constexpr (same<T, float>::value) return ::powf(base, e);
    else if constexpr (same<T, double>::value) return ::pow(base, e);
    else {
        if constexpr (traits<T>::is_signed)
            if (e < T(0)) return base == T(1) ? T(1) : base == T(-1) ? (e % 2 ? T(-1) : T(1)) : T(0);
        T result = 1;
        while (e != T(0)) {
            if (e & T(1)) result = multiply(result, base);
            base = multiply(base, base);
            e = T(e >> 1);
        }
        return result;
    }
}

// Rounding functions leave integers unchanged; round is half to even.
#define JF_ROUNDING(NAME, F, D)                                           \
    template <class T> __device__ inline T NAME(T x) {                    \
        if constexpr (same<T, float>::value) return ::F(x);               \
        else if constexpr (same<T, double>::value) return ::D(x);         \
        else return x;                                                    \
    }
JF_ROUNDING(floor, floorf, floor)
JF_ROUNDING(ceil, ceilf, ceil)
JF_ROUNDING(round, rintf, rint)
JF_ROUNDING(trunc, truncf, trunc)
#undef JF_ROUNDING

// Floating functions: operands are already float or double.
#define JF_FLOAT_UNARY(NAME, F, D)                                  \
    __device__ inline float NAME(float x) { return ::F(x); }        \
    __device__ inline double NAME(double x) { return ::D(x); }
JF_FLOAT_UNARY(sqrt, sqrtf, sqrt)
JF_FLOAT_UNARY(rsqrt, rsqrtf, rsqrt)
JF_FLOAT_UNARY(cbrt, cbrtf, cbrt)
JF_FLOAT_UNARY(exp, expf, exp)
JF_FLOAT_UNARY(exp2, exp2f, exp2)
JF_FLOAT_UNARY(expm1, expm1f, expm1)
JF_FLOAT_UNARY(log, logf, log)
JF_FLOAT_UNARY(log2, log2f, log2)
JF_FLOAT_UNARY(log10, log10f, log10)
JF_FLOAT_UNARY(log1p, log1pf, log1p)
JF_FLOAT_UNARY(asin, asinf, asin)
JF_FLOAT_UNARY(acos, acosf, acos)
JF_FLOAT_UNARY(atan, atanf, atan)
JF_FLOAT_UNARY(sinh, sinhf, sinh)
JF_FLOAT_UNARY(cosh, coshf, cosh)
JF_FLOAT_UNARY(tanh, tanhf, tanh)
JF_FLOAT_UNARY(erf, erff, erf)
#undef JF_FLOAT_UNARY
__device__ inline double sin(double x) { return ::sin(x); }
__device__ inline double cos(double x) { return ::cos(x); }
__device__ inline double tan(double x) { return ::tan(x); }

// sin, cos and tan of float. CUDA's sinf, cosf and tanf inline their Payne-Hanek reduction of
// huge arguments at every call: about 14 ms of NVRTC time per copy, and a fused map holds five
// (four vector lanes and the tail); even one copy out of line cost ~15 ms. Here each call
// inlines the common case alone: x - j*pi/2 in three FMA parts, exact enough for |x| < 105615
// (CUDA's own fast-path bound). Larger arguments, Inf and NaN take reduce_far, out of line: a
// compact Payne-Hanek reduction. Both end in polynomials on [-pi/4, pi/4] (coefficients from
// Cephes' sinf, cosf and tanf). Error over every float (an exhaustive host run of this code,
// which rounds the same there): sin 1.54 ulp, cos 1.54 ulp, tan 3.04 ulp; CUDA documents 2,
// 2 and 4.
struct quadrant_remainder {
    float r;       ///< x - quadrant * pi/2, in [-pi/4, pi/4]
    int quadrant;  ///< mod 4
};
// floor(2/pi * 2^256), least significant word first, then two zero words.
__constant__ unsigned two_over_pi_bits[10] = {0xdebbc561u, 0xfe5163abu, 0x3c439041u, 0xdb629599u, 0xf534ddc0u,
                                              0xfc2757d1u, 0x4e441529u, 0xa2f9836eu, 0u, 0u};
// x's remainder for |x| >= 105615, Inf and NaN (a NaN remainder). With |x| = m * 2^e (m of 24
// bits), x * 2/pi mod 4 needs the bits of 2/pi from 2^(1-e) on only (those above add whole
// turns): 128 of them times m give the quadrant and 64 bits of the fraction.
__device__ __noinline__ quadrant_remainder reduce_far(float x) {
    const unsigned bits = __float_as_uint(x);
    const int biased = int(bits >> 23 & 0xffu);
    if (biased == 0xff) return {x - x, 0};
    const unsigned long long m = (bits & 0x7fffffu) | 0x800000u;
    // m * 2^e * bits has its binary point at bit 256 - e; the window starts 96 bits below it.
    const int first = 256 - (biased - 150) - 96, word = first / 32, shift = first % 32;
    unsigned long long p[4];
    unsigned long long carry = 0;
    for (int k = 0; k < 4; ++k) {
        const unsigned u = __funnelshift_r(two_over_pi_bits[word + k], two_over_pi_bits[word + k + 1], shift);
        p[k] = m * u + carry;
        carry = p[k] >> 32;
    }
    // Bits 96 and 97 of the product are the quadrant, bits 32 to 95 the fraction: read as
    // signed, it is the remainder in [-1/2, 1/2) of the nearest quadrant.
    const long long fraction = (long long)((p[2] << 32) | (p[1] & 0xffffffffu));
    const int quadrant = int(p[3] & 3u) + (fraction < 0);
    const float r = float(double(fraction) * 0x1.921fb54442d18p-64);  // pi/2 * 2^-64
    return bits >> 31 ? quadrant_remainder{-r, -quadrant} : quadrant_remainder{r, quadrant};
}
__device__ inline quadrant_remainder reduce_quadrants(float x) {
    if (!(::fabsf(x) < 105615.0f)) return reduce_far(x);
    const float j = ::rintf(x * 0.636619772f);
    float r = ::fmaf(j, -1.57079601e+00f, x);
    r = ::fmaf(j, -3.13916473e-07f, r);
    r = ::fmaf(j, -5.39030253e-15f, r);
    return {r, int(j)};
}
// sin(r + quadrant * pi/2) for |r| <= pi/4.
__device__ inline float sin_quadrant(quadrant_remainder x) {
    const float r = x.r, s = r * r;
    float c = ::fmaf(::fmaf(::fmaf(2.443315711809948e-5f, s, -1.388731625493765e-3f), s, 4.166664568298827e-2f), s, -0.5f);
    c = ::fmaf(c, s, 1.0f);
    const float t = ::fmaf(::fmaf(-1.9515295891e-4f, s, 8.3321608736e-3f), s, -1.6666654611e-1f);
    const float v = x.quadrant & 1 ? c : ::fmaf(t * s, r, r);
    return x.quadrant & 2 ? -v : v;
}
// The reduction turns -0 into +0; sin and tan keep the sign of zero.
__device__ inline float sin(float x) { return x == 0.0f ? x : sin_quadrant(reduce_quadrants(x)); }
__device__ inline float cos(float x) {
    quadrant_remainder q = reduce_quadrants(x);
    ++q.quadrant;
    return sin_quadrant(q);
}
__device__ inline float tan(float x) {
    if (x == 0.0f) return x;
    const quadrant_remainder q = reduce_quadrants(x);
    const float r = q.r, s = r * r;
    float p = ::fmaf(::fmaf(9.38540185543e-3f, s, 3.11992232697e-3f), s, 2.44301354525e-2f);
    p = ::fmaf(::fmaf(::fmaf(p, s, 5.34112807005e-2f), s, 1.33387994085e-1f), s, 3.33331568548e-1f);
    const float t = ::fmaf(p * s, r, r);
    // __frcp_rn is 1 / t correctly rounded, as the division is, in a shorter sequence (~3 ms of
    // NVRTC time for a map's five copies).
    return q.quadrant & 1 ? -__frcp_rn(t) : t;
}
__device__ inline float atan2(float a, float b) { return ::atan2f(a, b); }
__device__ inline double atan2(double a, double b) { return ::atan2(a, b); }
__device__ inline float hypot(float a, float b) { return ::hypotf(a, b); }
__device__ inline double hypot(double a, double b) { return ::hypot(a, b); }

template <class T> __device__ inline bool isnan(T x) { return is_nan(x); }
template <class T> __device__ inline bool isinf(T x) {
    if constexpr (traits<T>::is_float) return x == traits<T>::highest() || x == traits<T>::lowest();
    else return false;
}
template <class T> __device__ inline bool isfinite(T x) {
    if constexpr (traits<T>::is_float) return !is_nan(x) && !isinf(x);
    else return true;
}

// ---- comparisons, logic, bits --------------------------------------------------------------
template <class T> __device__ inline bool equal(T a, T b) { return a == b; }
template <class T> __device__ inline bool not_equal(T a, T b) { return a != b; }
template <class T> __device__ inline bool less(T a, T b) { return a < b; }
template <class T> __device__ inline bool less_equal(T a, T b) { return a <= b; }
template <class T> __device__ inline bool greater(T a, T b) { return a > b; }
template <class T> __device__ inline bool greater_equal(T a, T b) { return a >= b; }
__device__ inline bool logical_and(bool a, bool b) { return a && b; }
__device__ inline bool logical_or(bool a, bool b) { return a || b; }
__device__ inline bool logical_not(bool a) { return !a; }
template <class T> __device__ inline T bitwise_and(T a, T b) { return T(a & b); }
template <class T> __device__ inline T bitwise_or(T a, T b) { return T(a | b); }
template <class T> __device__ inline T bitwise_xor(T a, T b) { return T(a ^ b); }
template <class T> __device__ inline T bitwise_not(T a) {
    if constexpr (same<T, bool>::value) return !a;
    else return T(~a);
}
template <class T> __device__ inline T shift_left(T a, T b) {
    if (b < T(0) || b >= T(traits<T>::bits)) return T(0);
    return T(typename traits<T>::wrap(a) << b);
}
template <class T> __device__ inline T shift_right(T a, T b) {
    if (b < T(0) || b >= T(traits<T>::bits)) return a < T(0) ? T(-1) : T(0);
    return T(a >> b);
}

// ---- reductions (host twins in include/jitfuse/detail/reducers.hpp) -------------------------
template <class T> struct arg_state {
    T value;
    int64_t index;
};

template <class S> __device__ inline S shuffle_down(S s, int delta) {
    return __shfl_down_sync(0xffffffffu, s, delta);
}
template <class T> __device__ inline arg_state<T> shuffle_down(arg_state<T> s, int delta) {
    return {shuffle_down(s.value, delta), shuffle_down(s.index, delta)};
}
__device__ inline bool shuffle_down(bool s, int delta) { return __shfl_down_sync(0xffffffffu, int(s), delta) != 0; }
__device__ inline int8_t shuffle_down(int8_t s, int delta) { return int8_t(__shfl_down_sync(0xffffffffu, int(s), delta)); }
__device__ inline uint8_t shuffle_down(uint8_t s, int delta) { return uint8_t(__shfl_down_sync(0xffffffffu, unsigned(s), delta)); }
__device__ inline int16_t shuffle_down(int16_t s, int delta) { return int16_t(__shfl_down_sync(0xffffffffu, int(s), delta)); }
__device__ inline uint16_t shuffle_down(uint16_t s, int delta) { return uint16_t(__shfl_down_sync(0xffffffffu, unsigned(s), delta)); }

// sum and prod widen bool/int8/int16 to int32 and uint8/uint16 to uint32 (JAX).
template <class T> struct widened { typedef T type; };
template <> struct widened<bool> { typedef int32_t type; };
template <> struct widened<int8_t> { typedef int32_t type; };
template <> struct widened<int16_t> { typedef int32_t type; };
template <> struct widened<uint8_t> { typedef uint32_t type; };
template <> struct widened<uint16_t> { typedef uint32_t type; };

template <class T> struct sum_reducer {
    typedef typename widened<T>::type state;
    static __device__ state identity() { return state(0); }
    static __device__ void step(state& s, T v, int64_t) { s = add(s, state(v)); }
    static __device__ void merge(state& a, state b) { a = add(a, b); }
    static __device__ state finish(state s, int64_t) { return s; }
};
template <class T> struct prod_reducer {
    typedef typename widened<T>::type state;
    static __device__ state identity() { return state(1); }
    static __device__ void step(state& s, T v, int64_t) { s = multiply(s, state(v)); }
    static __device__ void merge(state& a, state b) { a = multiply(a, b); }
    static __device__ state finish(state s, int64_t) { return s; }
};
template <class T> struct min_reducer {
    typedef T state;
    static __device__ T identity() { return traits<T>::highest(); }
    static __device__ void step(T& s, T v, int64_t) { s = minimum(s, v); }
    static __device__ void merge(T& a, T b) { a = minimum(a, b); }
    static __device__ T finish(T s, int64_t) { return s; }
};
template <> struct min_reducer<bool> {
    typedef bool state;
    static __device__ bool identity() { return true; }
    static __device__ void step(bool& s, bool v, int64_t) { s = s && v; }
    static __device__ void merge(bool& a, bool b) { a = a && b; }
    static __device__ bool finish(bool s, int64_t) { return s; }
};
template <class T> struct max_reducer {
    typedef T state;
    static __device__ T identity() { return traits<T>::lowest(); }
    static __device__ void step(T& s, T v, int64_t) { s = maximum(s, v); }
    static __device__ void merge(T& a, T b) { a = maximum(a, b); }
    static __device__ T finish(T s, int64_t) { return s; }
};
template <> struct max_reducer<bool> {
    typedef bool state;
    static __device__ bool identity() { return false; }
    static __device__ void step(bool& s, bool v, int64_t) { s = s || v; }
    static __device__ void merge(bool& a, bool b) { a = a || b; }
    static __device__ bool finish(bool s, int64_t) { return s; }
};
template <class T> struct any_reducer {
    typedef bool state;
    static __device__ bool identity() { return false; }
    static __device__ void step(bool& s, T v, int64_t) { s = s || v != T(0); }
    static __device__ void merge(bool& a, bool b) { a = a || b; }
    static __device__ bool finish(bool s, int64_t) { return s; }
};
template <class T> struct all_reducer {
    typedef bool state;
    static __device__ bool identity() { return true; }
    static __device__ void step(bool& s, T v, int64_t) { s = s && v != T(0); }
    static __device__ void merge(bool& a, bool b) { a = a && b; }
    static __device__ bool finish(bool s, int64_t) { return s; }
};
template <class T> struct float_of { typedef float type; };
template <> struct float_of<double> { typedef double type; };
template <bool C, class A, class B> struct conditional { typedef A type; };
template <class A, class B> struct conditional<false, A, B> { typedef B type; };
// mean sums floats in their own type and integers in double; the mean of nothing is NaN.
template <class T> struct mean_reducer {
    typedef typename float_of<T>::type result;
    typedef typename conditional<traits<T>::is_float, T, double>::type state;
    static __device__ state identity() { return state(0); }
    static __device__ void step(state& s, T v, int64_t) { s += state(v); }
    static __device__ void merge(state& a, state b) { a += b; }
    static __device__ result finish(state s, int64_t count) {
        return count == 0 ? result(__int_as_float(0x7fc00000)) : result(s / state(count));
    }
};
template <bool Max, class T> struct arg_reducer {
    typedef arg_state<T> state;
    static __device__ state identity() { return {T(0), -1}; }
    static __device__ bool before(T v, int64_t i, const state& s) {
        if (s.index < 0) return true;
        if (is_nan(s.value)) return is_nan(v) && i < s.index;
        if (is_nan(v)) return true;
        if (v == s.value) return i < s.index;
        return Max ? v > s.value : v < s.value;
    }
    static __device__ void step(state& s, T v, int64_t i) {
        if (before(v, i, s)) s = {v, i};
    }
    static __device__ void merge(state& a, state b) {
        if (b.index >= 0 && before(b.value, b.index, a)) a = b;
    }
    static __device__ int64_t finish(state s, int64_t) { return s.index; }
};
template <class T> struct argmin_reducer : arg_reducer<false, T> {};
template <class T> struct argmax_reducer : arg_reducer<true, T> {};

/// Reduces the states of each aligned group of `group` threads (a power of two dividing
/// blockDim.x, uniform over the block) into the group's first thread, in a fixed order. Every
/// thread of the block must call it: groups wider than a warp meet in shared memory.
template <class R>
__device__ typename R::state group_reduce(typename R::state s, int group) {
    const int width = group < 32 ? group : 32;
    for (int d = width / 2; d > 0; d /= 2) R::merge(s, shuffle_down(s, d));
    if (group <= 32) return s;
    __shared__ typename R::state warp_partial[32];
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = group / 32;
    __syncthreads();  // the previous call's readers are done with warp_partial
    if (lane == 0) warp_partial[warp] = s;
    __syncthreads();
    if (warp % warps == 0) {
        s = lane < warps ? warp_partial[warp + lane] : R::identity();
        for (int d = warps / 2; d > 0; d /= 2) R::merge(s, shuffle_down(s, d));
    }
    return s;
}

/// Reduces one state per thread of the block (a power of two of threads) into thread 0's.
template <class R>
__device__ typename R::state block_reduce(typename R::state s) {
    return group_reduce<R>(s, blockDim.x);
}

/// A stride vector of rank R, passed by value to kernels.
template <int R> struct dims {
    int64_t v[R > 0 ? R : 1];
};

/// An extent with the reciprocal the host prepared for it (detail/divisor.hpp): a 64-bit
/// division is a long instruction sequence, in run time and in compile time (~7 ms of NVRTC
/// per division); a multiply-high is a few instructions.
struct divisor {
    int64_t value;
    uint64_t magic;
    int shift;
};
/// i / d.value for 0 <= i < 2^63.
__device__ inline int64_t quotient(int64_t i, const divisor& d) {
    return int64_t((__umul64hi(d.magic, uint64_t(i)) + uint64_t(i)) >> d.shift);
}

/// A shape of rank R that flat indices unravel over, passed by value to kernels.
template <int R> struct extents {
    divisor v[R > 0 ? R : 1];
};

/// The coordinates of flat index i (below the product of `shape`) in row-major order over
/// `shape`. What is left for the first axis is its coordinate: R - 1 divisions, not R.
template <int R>
__device__ inline void unravel(int64_t i, const extents<R>& shape, int64_t* coord) {
    for (int d = R - 1; d > 0; --d) {
        const int64_t q = quotient(i, shape.v[d]);
        coord[d] = i - q * shape.v[d].value;
        i = q;
    }
    coord[0] = i;
}

/// Work item i = chunk * n + line of lines cut into chunks, n the product of `shape`: the
/// line's coordinates into `coord`, and the chunk.
template <int R>
__device__ inline int64_t unravel_chunk(int64_t i, const extents<R>& shape, int64_t* coord) {
    unravel(i, shape, coord);
    const int64_t chunk = quotient(coord[0], shape.v[0]);
    coord[0] -= chunk * shape.v[0].value;
    return chunk;
}

/// Element offset of `coord` for an operand with `stride` (0 on broadcast axes).
template <int R>
__device__ inline int64_t offset(const int64_t* coord, const dims<R>& stride) {
    int64_t off = 0;
    for (int d = 0; d < R; ++d) off += coord[d] * stride.v[d];
    return off;
}

/// E consecutive elements moved with one aligned load or store (16 bytes at most).
template <class T, int E> struct alignas(sizeof(T) * E) vec {
    T v[E];
};
template <int E, class T> __device__ inline vec<T, E> load(const T* p) {
    return *reinterpret_cast<const vec<T, E>*>(p);
}
template <int E, class T> __device__ inline void store(T* p, const vec<T, E>& x) {
    *reinterpret_cast<vec<T, E>*>(p) = x;
}

// ---- neighbour reads (shift, stencil) ------------------------------------------------------
// Restates boundary_index in include/jitfuse/detail/shift_expr.hpp; offsets arrive reduced
// below a period (wrap, reflect) or to at most the extent (clamp, constant), so index
// arithmetic cannot overflow and one step brings an index back inside.
struct boundary {
    enum kind { clamp, wrap, reflect, constant };
};

/// A shift of rank R: its offsets, its operand's extents, and the value outside a constant
/// boundary.
template <int R, class T> struct shift_args {
    int64_t offset[R];
    int64_t extent[R];
    T fill;
};

template <int K>
__device__ inline int64_t boundary_index(int64_t i, int64_t n, bool& inside) {
    inside = true;
    if (i >= 0 && i < n) return i;
    if (K == boundary::wrap) return i < 0 ? i + n : i - n;
    if (K == boundary::reflect) {
        if (n == 1) return 0;
        const int64_t period = 2 * (n - 1);
        const int64_t m = i < 0 ? i + period : i >= period ? i - period : i;
        return m < n ? m : period - m;
    }
    if (K == boundary::constant) inside = false;
    return i < 0 ? 0 : n - 1;
}

/// Loop coordinates `in` (rank R) moved by shift `s`, whose axes are the last SR; an axis the
/// shift broadcasts along reads its element 0. False when a constant boundary falls outside
/// (the coordinates are then clamped, so loads stay in bounds).
template <int K, int R, int SR, class T>
__device__ inline bool shift_coord(const int64_t* in, int64_t* out, const shift_args<SR, T>& s) {
    bool inside_all = true;
    for (int d = 0; d < R; ++d) out[d] = in[d];
    for (int a = 0; a < SR; ++a) {
        const int d = a + R - SR;
        bool inside;
        out[d] = boundary_index<K>((s.extent[a] == 1 ? 0 : in[d]) + s.offset[a], s.extent[a], inside);
        inside_all = inside_all && inside;
    }
    return inside_all;
}

// ---- scans and rolling windows (host twins in include/jitfuse/detail/scan_expr.hpp) --------
// The ops match the host's; the order does not: the generated kernels fold each line (or
// window) element after element, while the CPU scans in blocks with carries and windows as
// block suffix + prefix, so float results may differ in the last bits.
template <class T> __device__ inline T quiet_nan() { return T(__longlong_as_double(0x7ff8000000000000LL)); }
template <class V> struct cumsum_op {
    static __device__ V combine(V a, V b) { return add(a, b); }
};
template <class V> struct cumprod_op {
    static __device__ V combine(V a, V b) { return multiply(a, b); }
};
template <class V> struct rolling_sum_op {
    static __device__ V combine(V a, V b) { return a + b; }
    static __device__ V finish(V s, int64_t) { return s; }
};
template <class V> struct rolling_mean_op : rolling_sum_op<V> {
    static __device__ V finish(V s, int64_t window) { return s / V(window); }
};
template <class V> struct rolling_min_op {
    static __device__ V combine(V a, V b) { return minimum(a, b); }
    static __device__ V finish(V s, int64_t) { return s; }
};
template <class V> struct rolling_max_op {
    static __device__ V combine(V a, V b) { return maximum(a, b); }
    static __device__ V finish(V s, int64_t) { return s; }
};

// ---- random numbers (jf::random::uniform, normal) ------------------------------------------
// The stream is written once for host and device in include/jitfuse/detail/philox.cuh; the
// build inlines it here (cmake/embed_text.cmake). Defines random_uniform<T>(seed, index) and
// random_normal<T>(seed, index) for T = float, double.
__device__ inline float cos_2pi(float x) { return ::cospif(2.0f * x); }
__device__ inline double cos_2pi(double x) { return ::cospi(2.0 * x); }
#define JITFUSE_RANDOM_FN __device__ inline
#include "jitfuse/detail/philox.cuh"
#undef JITFUSE_RANDOM_FN

}  // namespace jf
