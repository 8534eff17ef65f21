// SPDX-License-Identifier: Apache-2.0
// Every elementwise operation against an independent reference: a plain loop over the host
// copy of the inputs, computing in `long double` with the C++ standard library (floating ops)
// or with hand-written wrapping arithmetic (integer ops), never with jitfuse's own scalar code.
//
// ULP tolerances: the error of jitfuse's result against the (unrounded) long double
// reference, in units in the last place of the result type.
//
//   tolerance    ops                                  why
//   k_exact 0.5  + - * / % sqrt fma abs - square       IEEE 754 correctly rounded (fmod, abs,
//                floor ceil round trunc sign min max   neg, rounding, min/max, clamp, sign are
//                clamp where                           exact); +0.001 slack because for double
//                                                      the long double reference itself is
//                                                      rounded to 64 bits (2^-11 ULP)
//   k_rsqrt 1.5  rsqrt                                 1/sqrt(x): two correctly rounded steps
//   k_u05   1.0  hypot                                 SLEEF hypot_u05 (0.5001 ULP) + slack
//   k_u10   2.0  cbrt exp exp2 expm1 log log2 log10    SLEEF's strict (u10) path is documented
//                log1p sin cos tan asin acos atan      at <= 1.0 ULP; one ULP of headroom for
//                atan2 sinh cosh tanh pow erf          the reference and denormal results
//   k_fast  4.001 the same under fast_math             glibc's libmvec (the AVX2 fast path where
//                                                      faster) is documented at <= 4 ULP, SLEEF
//                                                      u35 at <= 3.5; libmvec's float log reaches
//                                                      3.94 (every float measured), so no headroom
//                                                      beyond the reference's 0.001
//
// Exceptions, from SLEEF's documented ranges (the CPU fallback's strict path is SLEEF u10):
//   sinh, cosh: the bound holds for |x| <= 88 (float) / 709 (double); beyond, SLEEF returns
//     +-inf although the exact value is still finite up to 89.4 / 710.5. Accepted there.
//   log1p: the bound holds for x <= 1e38 (float) / 1e307 (double); above, SLEEF returns inf
//     (log1p(2e38f) == inf). Accepted there.
//   pow<double>: pow(DBL_MAX, 1) gives inf; inf is accepted where the exact result > 1.7e308.
//   (`%` used SLEEF's fmod, which returns NaN whenever |a / b| overflows, e.g. 1e30f % 1e-10f;
//   it now runs std::fmod. Not an exception: `%` is checked exactly.)
//   fast math: sin/cos/tan are checked on |x| <= 100 only (SLEEF u35's reduction range).
//
// On a GPU (the suite run with JITFUSE_DEVICE=cuda, scripts/gpu_check.sh) the functions are
// CUDA's, whose maxima the CUDA C++ Programming Guide documents (section 5.5, "Mathematical
// Functions", the same in its 12.x and 13.0 editions; from extensive, not exhaustive, tests).
// The GPU is held to those plus the same ULP of headroom, where that is looser than the CPU's
// bound:
//   float   rsqrt exp exp2 log10 sin cos asin acos atan erf cosh tanh 2, atan2 sinh hypot 3,
//           tan pow 4 (cbrt expm1 log log2 log1p 1)
//   double  sin cos tan asin acos atan atan2 sinh pow erf hypot 2 (the rest 1)
// Fast math changes nothing there: the GPU runs the same functions (see nvrtc_options).
// Float sin, cos and tan are the prelude's own code, not CUDA's (measured 1.54, 1.54 and 3.04
// ULP over every float); a dense sweep holds them to 2, 2 and 3.1 ULP with no headroom.
//
// Integer operations, comparisons, logical and bit operations, predicates and casts are
// compared exactly.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace jf = jitfuse;

namespace {

using ld = long double;
using std::int16_t;
using std::int32_t;
using std::int64_t;
using std::int8_t;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

constexpr double k_exact = 0.501;
constexpr double k_rsqrt = 1.5;
constexpr double k_u05 = 1.0;
constexpr double k_u10 = 2.0;
constexpr double k_fast = 4.001;

/// The bound for function `op` ("sin", or "sin[fast]") of T on the device the suite runs on:
/// `cpu_bound`, or on a GPU CUDA's documented maximum + 1 where that is larger (see above).
template <class T>
double function_bound(std::string op, double cpu_bound) {
    if (jf::default_device().is_cpu()) return cpu_bound;
    if (const auto fast = op.find("[fast]"); fast != std::string::npos) op.erase(fast);
    static const std::map<std::string, std::pair<double, double>> cuda_ulp = {  // float, double
        {"rsqrt", {2, 1}}, {"cbrt", {1, 1}}, {"exp", {2, 1}},   {"exp2", {2, 1}},  {"expm1", {1, 1}},
        {"log", {1, 1}},   {"log2", {1, 1}}, {"log10", {2, 1}}, {"log1p", {1, 1}}, {"sin", {2, 2}},
        {"cos", {2, 2}},   {"tan", {4, 2}},  {"asin", {2, 2}},  {"acos", {2, 2}},  {"atan", {2, 2}},
        {"atan2", {3, 2}}, {"sinh", {3, 2}}, {"cosh", {2, 1}},  {"tanh", {2, 1}},  {"pow", {4, 2}},
        {"erf", {2, 2}},   {"hypot", {3, 2}}};
    const auto it = cuda_ulp.find(op);
    if (it == cuda_ulp.end()) return cpu_bound;
    return std::max(cpu_bound, (std::is_same_v<T, float> ? it->second.first : it->second.second) + 1);
}

constexpr uint64_t base_seed = 0x6a17f05e5eedULL;

/// Each case gets its own seed from its label, so a failure is reproducible alone.
uint64_t seed_for(const std::string& label) {
    uint64_t h = 1469598103934665603ULL ^ base_seed;
    for (unsigned char c : label) h = (h ^ c) * 1099511628211ULL;
    return h;
}

template <class... Ts>
struct types {};
template <class... Ts, class F>
void for_each_type(types<Ts...>, F&& f) {
    (f.template operator()<Ts>(), ...);
}
using float_types = types<float, double>;
using int_types = types<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>;
using some_int_types = types<int8_t, int32_t, uint16_t, uint64_t>;

template <class T>
std::string tname() {
    return std::string(jf::name(jf::dtype_of<T>));
}

template <class T>
std::string show(T x) {
    std::ostringstream os;
    if constexpr (std::is_floating_point_v<T>)
        os.precision(std::numeric_limits<T>::max_digits10), os << x << " [" << std::hexfloat << x << "]";
    else if constexpr (std::is_same_v<T, bool>) os << (x ? "true" : "false");
    else if constexpr (sizeof(T) == 1) os << static_cast<int>(x);
    else os << x;
    return os.str();
}

/// A 1-D array holding `v` (bool through uint8: std::vector<bool> is not contiguous).
template <class T>
jf::array<T> to_array(const std::vector<T>& v) {
    if constexpr (std::is_same_v<T, bool>) {
        std::vector<uint8_t> u(v.begin(), v.end());
        return jf::array<bool>(jf::cast<bool>(jf::from_host(u)));
    } else {
        return jf::from_host(v);
    }
}

/// Sizes: empty, one element, short tails, one tile + 1, a random size, and one large enough
/// for the multi-threaded path (> 2 * 32768).
std::vector<int64_t> test_sizes(std::mt19937_64& rng) {
    return {0, 1, 7, 17, 513, 520 + static_cast<int64_t>(rng() % 3000), 70001};
}

// ---- ULP measurement ----------------------------------------------------------------------

template <class T>
ld ulp_of(ld x) {
    using L = std::numeric_limits<T>;
    x = std::fabs(x);
    if (x < static_cast<ld>(L::min())) return static_cast<ld>(L::denorm_min());
    if (x > static_cast<ld>(L::max())) x = static_cast<ld>(L::max());
    int e = 0;
    std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
    return std::ldexp(1.0L, e - L::digits);
}

template <class T>
double ulp_error(T got, ld ref) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (std::isnan(ref)) return std::isnan(got) ? 0 : inf;
    if (std::isnan(got)) return inf;
    if (std::isinf(got)) {
        if (std::signbit(got) != std::signbit(ref)) return inf;
        // Also right when the exact value lies beyond the type's largest finite value.
        return std::isinf(ref) || std::fabs(ref) > static_cast<ld>(std::numeric_limits<T>::max()) ? 0 : inf;
    }
    if (std::isinf(ref)) return inf;
    return static_cast<double>(std::fabs(static_cast<ld>(got) - ref) / ulp_of<T>(ref));
}

/// "" when `got` is within `tol` ULP of `ref` (and has its sign when both are zero).
template <class T>
std::string ulp_verdict(T got, ld ref, double tol, bool zero_sign = true) {
    const double e = ulp_error<T>(got, ref);
    const bool sign_bad = zero_sign && got == 0 && ref == 0 && std::signbit(got) != std::signbit(ref);
    if (e <= tol && !sign_bad) return {};
    std::ostringstream os;
    os.precision(21);
    os << "got " << show(got) << ", reference " << ref << " (" << e << " ULP, tolerance " << tol
       << (sign_bad ? ", sign of zero differs" : "") << ")";
    return os.str();
}

template <class T>
std::string exact_verdict(T got, T want) {
    bool same;
    if constexpr (std::is_floating_point_v<T>)
        same = (std::isnan(got) && std::isnan(want)) || (got == want && std::signbit(got) == std::signbit(want));
    else same = got == want;
    return same ? std::string{} : "got " + show(got) + ", expected " + show(want);
}

// ---- the driver ---------------------------------------------------------------------------

/// For every test size: draws inputs with `gen(rng, i)` (a tuple of one value per operand),
/// evaluates `make(arrays...)` and checks every element with `check(got, inputs...)`, which
/// returns "" or what is wrong. Prints the label and seed on failure.
template <class... In, class Gen, class Make, class Check>
void run_case(const std::string& label, Gen gen, Make make, Check check) {
    const uint64_t seed = seed_for(label);
    INFO("case: " << label << ", seed: " << seed);
    std::mt19937_64 rng(seed);
    for (const int64_t n : test_sizes(rng)) {
        INFO("size: " << n);
        std::tuple<std::vector<In>...> host;
        std::apply([&](auto&... h) { (h.reserve(static_cast<std::size_t>(n)), ...); }, host);
        for (int64_t i = 0; i < n; ++i) {
            const std::tuple<In...> v = gen(rng, i);
            [&]<std::size_t... I>(std::index_sequence<I...>) {
                (std::get<I>(host).push_back(std::get<I>(v)), ...);
            }(std::index_sequence_for<In...>{});
        }
        const auto arrays = std::apply([](const auto&... h) { return std::tuple{to_array(h)...}; }, host);
        const auto result = jf::eval(std::apply(make, arrays));
        using V = typename std::remove_cvref_t<decltype(result)>::value_type;
        const std::vector<V> got = result.to_host();
        REQUIRE(static_cast<int64_t>(got.size()) == n);
        int bad = 0;
        std::string first;
        for (int64_t i = 0; i < n; ++i) {
            const auto k = static_cast<std::size_t>(i);
            const std::string why =
                std::apply([&](const auto&... h) { return check(static_cast<V>(got[k]), h[k]...); }, host);
            if (why.empty()) continue;
            if (bad++ < 4) {
                first += "\n  [" + std::to_string(i) + "] inputs (";
                std::apply([&](const auto&... h) { ((first += show(h[k]) + "; "), ...); }, host);
                first += "): " + why;
            }
        }
        CHECK_MESSAGE(bad == 0, label << ": " << bad << " of " << n << " elements wrong" << first);
    }
}

// ---- input generators ---------------------------------------------------------------------

template <class T>
std::vector<T> float_specials() {
    using L = std::numeric_limits<T>;
    std::vector<T> s = {L::quiet_NaN(), -L::quiet_NaN(), L::infinity(), -L::infinity(), T(0), T(-0.0),
                        L::denorm_min(), -L::denorm_min(), L::min() / T(3), -L::min() / T(7),
                        L::min(), -L::min(), L::max(), -L::max(), T(1), T(-1), T(0.5), T(-0.5),
                        T(1.5), T(2.5), T(-2.5), T(1e6), T(-1e6), T(1e30), T(-1e30)};
    if constexpr (std::is_same_v<T, double>) s.insert(s.end(), {1e300, -1e300, 1e-310});
    return s;
}

/// A float drawn from one of several shapes: sign * 10^u (u in [lo, hi]) or uniform in [a, b].
template <class T>
T log_uniform(std::mt19937_64& rng, double lo_exp, double hi_exp, bool allow_negative = true) {
    const double u = std::uniform_real_distribution<double>(lo_exp, hi_exp)(rng);
    const double sign = allow_negative && (rng() & 1) ? -1.0 : 1.0;
    return static_cast<T>(sign * std::pow(10.0, u));
}
template <class T>
T uniform(std::mt19937_64& rng, double a, double b) {
    return static_cast<T>(std::uniform_real_distribution<double>(a, b)(rng));
}

/// Every `every`-th element is a special value; the rest come from `draw`.
template <class T, class Draw>
auto with_specials(std::vector<T> specials, Draw draw, int every = 5) {
    return [specials = std::move(specials), draw, every](std::mt19937_64& rng, int64_t i) -> T {
        if (i % every == 2) return specials[static_cast<std::size_t>(i / every) % specials.size()];
        return draw(rng);
    };
}

template <class T>
constexpr double max_exp10 = std::is_same_v<T, float> ? 37.5 : 307.5;
template <class T>
constexpr double min_exp10 = std::is_same_v<T, float> ? -44.0 : -320.0;

// ---- floating-point unary and binary ops --------------------------------------------------

/// `sleef_range`: SLEEF documents its bound only for |x| <= this; beyond it an infinity of the
/// right sign is also accepted (SLEEF overflows early there; see the exceptions above).
template <class T, class Make, class Ref, class Draw>
void float_unary(const std::string& op, Make make, Ref ref, double tol, Draw draw,
                 std::vector<T> extra = {}, bool zero_sign = true,
                 ld sleef_range = std::numeric_limits<ld>::infinity()) {
    auto specials = float_specials<T>();
    specials.insert(specials.end(), extra.begin(), extra.end());
    auto gen1 = with_specials<T>(specials, draw);
    tol = function_bound<T>(op, tol);
    run_case<T>(
        op + "<" + tname<T>() + ">", [&](std::mt19937_64& rng, int64_t i) { return std::tuple{gen1(rng, i)}; },
        [&](const jf::array<T>& a) {
            auto e = make(a);
            static_assert(std::is_same_v<typename decltype(e)::value_type, T>);
            return e;
        },
        [&](T got, T x) {
            const ld want = ref(static_cast<ld>(x));
            if (std::fabs(static_cast<ld>(x)) > sleef_range && std::isinf(got) && std::signbit(got) == std::signbit(want))
                return std::string{};
            return ulp_verdict<T>(got, want, tol, zero_sign);
        });
}

/// Pairs: with probability 1/4 a pair from `edge` (or from the specials crossed), else draws.
/// `inf_above`: an infinity of the right sign is also accepted where |exact| > this (see the
/// pow exception above).
template <class T, class Make, class Ref, class Draw>
void float_binary(const std::string& op, Make make, Ref ref, double tol, Draw draw,
                  std::vector<std::pair<T, T>> edge = {}, bool zero_sign = true,
                  ld inf_above = std::numeric_limits<ld>::infinity()) {
    const auto specials = float_specials<T>();
    for (T a : specials)
        for (T b : {T(0), T(-0.0), T(1), T(-1), T(2.5), std::numeric_limits<T>::infinity(),
                    -std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN(),
                    std::numeric_limits<T>::denorm_min()}) {
            edge.emplace_back(a, b);
            edge.emplace_back(b, a);
        }
    tol = function_bound<T>(op, tol);
    run_case<T, T>(
        op + "<" + tname<T>() + ">",
        [&](std::mt19937_64& rng, int64_t i) {
            if (i % 4 == 1) {
                const auto& p = edge[static_cast<std::size_t>(i / 4) % edge.size()];
                return std::tuple{p.first, p.second};
            }
            const std::pair<T, T> p = draw(rng);
            return std::tuple{p.first, p.second};
        },
        [&](const jf::array<T>& a, const jf::array<T>& b) {
            auto e = make(a, b);
            static_assert(std::is_same_v<typename decltype(e)::value_type, T>);
            return e;
        },
        [&](T got, T a, T b) {
            const ld want = ref(static_cast<ld>(a), static_cast<ld>(b));
            if (std::fabs(want) > inf_above && std::isinf(got) && std::signbit(got) == std::signbit(want))
                return std::string{};
            return ulp_verdict<T>(got, want, tol, zero_sign);
        });
}

template <class T>
auto wide(double lo = min_exp10<T>, double hi = max_exp10<T>) {
    return [lo, hi](std::mt19937_64& rng) {
        return rng() % 3 == 0 ? uniform<T>(rng, -10, 10) : log_uniform<T>(rng, lo, hi);
    };
}
template <class T>
auto wide_pair(double lo = min_exp10<T>, double hi = max_exp10<T>) {
    return [lo, hi](std::mt19937_64& rng) {
        auto one = [&] { return rng() % 3 == 0 ? uniform<T>(rng, -10, 10) : log_uniform<T>(rng, lo, hi); };
        const T a = one();
        return std::pair<T, T>{a, one()};
    };
}

/// Round half to even, written out (no std::nearbyint / std::round).
ld round_half_even(ld x) {
    if (!std::isfinite(x)) return x;
    const ld f = std::floor(x);
    const ld d = x - f;
    ld r = f;
    if (d > 0.5L) r = f + 1;
    else if (d == 0.5L) r = std::fmod(f, 2.0L) == 0 ? f : f + 1;
    return r == 0 ? std::copysign(0.0L, x) : r;
}

ld sign_ref(ld x) { return x > 0 ? 1.0L : x < 0 ? -1.0L : x; }
ld nan_min_ref(ld a, ld b) { return std::isnan(a) || std::isnan(b) ? NAN : (b < a ? b : a); }
ld nan_max_ref(ld a, ld b) { return std::isnan(a) || std::isnan(b) ? NAN : (a < b ? b : a); }

template <class T>
void float_unary_ops(double tol_fast = 0) {
    // tol_fast != 0: fast-math run; only ops with a fast variant, over moderate domains.
    const bool fast = tol_fast != 0;
    const double u10 = fast ? tol_fast : k_u10;
    const std::string sfx = fast ? "[fast]" : "";
    const double ovf = std::is_same_v<T, float> ? 100 : 750;  // past exp's overflow
    const ld hyp_range = std::is_same_v<T, float> ? 88 : 709;  // SLEEF sinh/cosh: [-88, 88], [-709, 709]
    if (!fast) {
        float_unary<T>("abs", [](const auto& a) { return jf::abs(a); }, [](ld x) { return std::fabs(x); }, k_exact, wide<T>());
        float_unary<T>("negative", [](const auto& a) { return -a; }, [](ld x) { return -x; }, k_exact, wide<T>());
        float_unary<T>("square", [](const auto& a) { return jf::square(a); }, [](ld x) { return x * x; }, k_exact, wide<T>());
        float_unary<T>("sign", [](const auto& a) { return jf::sign(a); }, sign_ref, k_exact, wide<T>());
        float_unary<T>("sqrt", [](const auto& a) { return jf::sqrt(a); }, [](ld x) { return std::sqrt(x); }, k_exact, wide<T>());
        float_unary<T>("rsqrt", [](const auto& a) { return jf::rsqrt(a); }, [](ld x) { return 1.0L / std::sqrt(x); }, k_rsqrt, wide<T>());
        const auto halves = [](std::mt19937_64& rng) {
            return rng() % 2 ? static_cast<T>(static_cast<double>(static_cast<int>(rng() % 41) - 20) + 0.5)
                             : uniform<T>(rng, -1e4, 1e4);
        };
        float_unary<T>("floor", [](const auto& a) { return jf::floor(a); }, [](ld x) { return std::floor(x); }, k_exact, halves);
        float_unary<T>("ceil", [](const auto& a) { return jf::ceil(a); }, [](ld x) { return std::ceil(x); }, k_exact, halves);
        float_unary<T>("trunc", [](const auto& a) { return jf::trunc(a); }, [](ld x) { return std::trunc(x); }, k_exact, halves);
        float_unary<T>("round", [](const auto& a) { return jf::round(a); }, round_half_even, k_exact, halves,
                       {T(0.5), T(-0.5), T(1.5), T(-1.5), T(2.5), T(-2.5), T(3.5), T(-0.4), T(4503599627370497.0)});
        float_unary<T>("expm1", [](const auto& a) { return jf::expm1(a); }, [](ld x) { return std::expm1(x); }, k_u10,
                       [ovf](std::mt19937_64& rng) { return rng() % 2 ? uniform<T>(rng, -ovf, ovf) : log_uniform<T>(rng, -30, 0); });
        float_unary<T>("log10", [](const auto& a) { return jf::log10(a); }, [](ld x) { return std::log10(x); }, k_u10,
                       [](std::mt19937_64& rng) { return log_uniform<T>(rng, min_exp10<T>, max_exp10<T>, false); });
        float_unary<T>("log1p", [](const auto& a) { return jf::log1p(a); }, [](ld x) { return std::log1p(x); }, k_u10,
                       [](std::mt19937_64& rng) { return rng() % 2 ? uniform<T>(rng, -1, 1) : log_uniform<T>(rng, -30, 30, false); },
                       {T(-1), T(-2)}, true, std::is_same_v<T, float> ? 1e38L : 1e307L);
        float_unary<T>("erf", [](const auto& a) { return jf::erf(a); }, [](ld x) { return std::erf(x); }, k_u10,
                       [](std::mt19937_64& rng) { return rng() % 2 ? uniform<T>(rng, -6, 6) : log_uniform<T>(rng, -30, 1); });
        float_unary<T>("exp", [](const auto& a) { return jf::exp(a); }, [](ld x) { return std::exp(x); }, k_u10,
                       [ovf](std::mt19937_64& rng) { return uniform<T>(rng, -ovf, ovf); });
    }
    // Trigonometric functions: moderate arguments plus huge ones (1e6, 1e30 are among the
    // specials; the strict run also draws magnitudes up to the type's limit).
    const auto trig = [fast](std::mt19937_64& rng) {
        if (fast || rng() % 3) return uniform<T>(rng, -10, 10);
        return log_uniform<T>(rng, -30, max_exp10<T>);
    };
    std::vector<T> huge;
    if (!fast) huge = {T(1e6), T(-1e6), T(1e30), T(12345.678), T(3.14159265358979), T(1.5707963267948966)};
    if (!fast) {
        float_unary<T>("sin" + sfx, [](const auto& a) { return jf::sin(a); }, [](ld x) { return std::sin(x); }, u10, trig, huge);
        float_unary<T>("cos" + sfx, [](const auto& a) { return jf::cos(a); }, [](ld x) { return std::cos(x); }, u10, trig, huge);
        float_unary<T>("tan" + sfx, [](const auto& a) { return jf::tan(a); }, [](ld x) { return std::tan(x); }, u10, trig, huge);
    }
    float_unary<T>("asin" + sfx, [](const auto& a) { return jf::asin(a); }, [](ld x) { return std::asin(x); }, u10,
                   [](std::mt19937_64& rng) { return rng() % 4 ? uniform<T>(rng, -1, 1) : log_uniform<T>(rng, -30, 0); }, {T(1.0000001), T(-2)});
    float_unary<T>("acos" + sfx, [](const auto& a) { return jf::acos(a); }, [](ld x) { return std::acos(x); }, u10,
                   [](std::mt19937_64& rng) { return rng() % 4 ? uniform<T>(rng, -1, 1) : log_uniform<T>(rng, -30, 0); }, {T(1.0000001), T(-2)});
    float_unary<T>("atan" + sfx, [](const auto& a) { return jf::atan(a); }, [](ld x) { return std::atan(x); }, u10, wide<T>());
    float_unary<T>("sinh" + sfx, [](const auto& a) { return jf::sinh(a); }, [](ld x) { return std::sinh(x); }, u10,
                   [ovf](std::mt19937_64& rng) { return rng() % 2 ? uniform<T>(rng, -ovf, ovf) : log_uniform<T>(rng, -30, 0); },
                   {}, true, hyp_range);
    float_unary<T>("cosh" + sfx, [](const auto& a) { return jf::cosh(a); }, [](ld x) { return std::cosh(x); }, u10,
                   [ovf](std::mt19937_64& rng) { return uniform<T>(rng, -ovf, ovf); }, {}, true, hyp_range);
    float_unary<T>("tanh" + sfx, [](const auto& a) { return jf::tanh(a); }, [](ld x) { return std::tanh(x); }, u10,
                   [](std::mt19937_64& rng) { return rng() % 2 ? uniform<T>(rng, -20, 20) : log_uniform<T>(rng, -30, 0); });
    const double e2 = std::is_same_v<T, float> ? 160 : 1100;
    float_unary<T>("exp2" + sfx, [](const auto& a) { return jf::exp2(a); }, [](ld x) { return std::exp2(x); }, u10,
                   [e2](std::mt19937_64& rng) { return uniform<T>(rng, -e2, e2 * 0.85); });
    const auto positive = [](std::mt19937_64& rng) { return log_uniform<T>(rng, min_exp10<T>, max_exp10<T>, false); };
    float_unary<T>("log" + sfx, [](const auto& a) { return jf::log(a); }, [](ld x) { return std::log(x); }, u10, positive);
    float_unary<T>("log2" + sfx, [](const auto& a) { return jf::log2(a); }, [](ld x) { return std::log2(x); }, u10, positive);
    float_unary<T>("cbrt" + sfx, [](const auto& a) { return jf::cbrt(a); }, [](ld x) { return std::cbrt(x); }, u10, wide<T>(),
                   {T(27), T(-8), T(1e-300 < std::numeric_limits<T>::min() ? 1e-30 : 1e-300)});
    if (fast) {
        const auto bounded = [](std::mt19937_64& rng) { return uniform<T>(rng, -100, 100); };
        float_unary<T>("sin" + sfx, [](const auto& a) { return jf::sin(a); }, [](ld x) { return std::sin(x); }, u10, bounded);
        float_unary<T>("cos" + sfx, [](const auto& a) { return jf::cos(a); }, [](ld x) { return std::cos(x); }, u10, bounded);
        float_unary<T>("tan" + sfx, [](const auto& a) { return jf::tan(a); }, [](ld x) { return std::tan(x); }, u10, bounded);
    }
}

template <class T>
void float_binary_ops(double tol_fast = 0) {
    const bool fast = tol_fast != 0;
    const double u10 = fast ? tol_fast : k_u10;
    const std::string sfx = fast ? "[fast]" : "";
    using L = std::numeric_limits<T>;
    const T inf = L::infinity(), nan = L::quiet_NaN();
    if (!fast) {
        float_binary<T>("add", [](const auto& a, const auto& b) { return a + b; }, [](ld a, ld b) { return a + b; }, k_exact, wide_pair<T>());
        float_binary<T>("subtract", [](const auto& a, const auto& b) { return a - b; }, [](ld a, ld b) { return a - b; }, k_exact, wide_pair<T>());
        float_binary<T>("multiply", [](const auto& a, const auto& b) { return a * b; }, [](ld a, ld b) { return a * b; }, k_exact, wide_pair<T>());
        float_binary<T>("divide", [](const auto& a, const auto& b) { return a / b; }, [](ld a, ld b) { return a / b; }, k_exact, wide_pair<T>());
        // `%` is fmod: the sign of the dividend; x % 0 and inf % y are NaN, x % inf == x.
        float_binary<T>("remainder", [](const auto& a, const auto& b) { return a % b; }, [](ld a, ld b) { return std::fmod(a, b); }, k_exact,
                        [](std::mt19937_64& rng) {
                            const T a = rng() % 2 ? uniform<T>(rng, -1000, 1000) : log_uniform<T>(rng, -30, 30);
                            return std::pair<T, T>{a, rng() % 2 ? uniform<T>(rng, -10, 10) : log_uniform<T>(rng, -5, 5)};
                        },
                        {{T(7), T(3)}, {T(-7), T(3)}, {T(7), T(-3)}, {T(-7), T(-3)}, {T(5.5), T(inf)}, {T(-0.0), T(3)}});
        float_binary<T>("minimum", [](const auto& a, const auto& b) { return jf::minimum(a, b); }, nan_min_ref, k_exact, wide_pair<T>(), {}, false);
        float_binary<T>("maximum", [](const auto& a, const auto& b) { return jf::maximum(a, b); }, nan_max_ref, k_exact, wide_pair<T>(), {}, false);
    }
    float_binary<T>("hypot" + sfx, [](const auto& a, const auto& b) { return jf::hypot(a, b); }, [](ld a, ld b) { return std::hypot(a, b); },
                    fast ? tol_fast : k_u05, wide_pair<T>(), {{inf, nan}, {nan, -inf}, {T(3), T(4)}, {L::max(), L::max()}});
    float_binary<T>("atan2" + sfx, [](const auto& a, const auto& b) { return jf::atan2(a, b); }, [](ld a, ld b) { return std::atan2(a, b); }, u10,
                    wide_pair<T>(), {{T(0), T(-0.0)}, {T(-0.0), T(-0.0)}, {T(1), -inf}, {-inf, inf}});
    if (!fast) {
        const double ex = std::is_same_v<T, float> ? 30 : 250;
        float_binary<T>("pow" + sfx, [](const auto& a, const auto& b) { return jf::pow(a, b); }, [](ld a, ld b) { return std::pow(a, b); }, u10,
                        [ex](std::mt19937_64& rng) {
                            if (rng() % 4 == 0)  // negative base, integral exponent
                                return std::pair<T, T>{uniform<T>(rng, -10, 0), static_cast<T>(static_cast<int>(rng() % 21) - 10)};
                            return std::pair<T, T>{uniform<T>(rng, 0, 10), uniform<T>(rng, -ex, ex)};
                        },
                        {{T(0), T(-1)}, {T(-0.0), T(-1)}, {T(-0.0), T(-2)}, {T(0), T(0)}, {nan, T(0)}, {T(1), nan},
                         {T(-1), inf}, {T(-1), -inf}, {T(2), inf}, {T(0.5), inf}, {T(2), -inf}, {T(0.5), -inf},
                         {T(-8), T(1) / T(3)}, {T(-2), T(3)}, {-inf, T(3)}, {-inf, T(-3)}, {inf, T(-1)},
                         {T(-0.0), T(3)}, {T(-0.0), T(0.5)}, {nan, T(1)}, {inf, T(0)}, {T(-2), T(0.5)},
                         {T(10), T(-50)}, {T(2), T(-1074)}, {T(2), T(127)}, {T(2), T(128)}},
                        true, std::is_same_v<T, double> ? 1.7e308L : std::numeric_limits<ld>::infinity());
    }
}

// ---- integer references (wrapping, written independently of jitfuse) ---------------------

template <class T>
T wrap(uint64_t v) {
    return static_cast<T>(v);  // C++20: conversion to a signed type is modulo 2^N
}
template <class T>
uint64_t u64(T v) {
    return static_cast<uint64_t>(v);  // sign-extends signed values, modulo 2^64
}

template <class T>
T ref_div(T a, T b) {
    if (b == 0) return static_cast<T>(-1);
    if constexpr (std::is_signed_v<T>)
        if (b == -1) return wrap<T>(0 - u64(a));
    return static_cast<T>(a / b);
}
template <class T>
T ref_mod(T a, T b) {
    if (b == 0) return a;
    if constexpr (std::is_signed_v<T>)
        if (b == -1) return 0;
    return static_cast<T>(a % b);
}
template <class T>
T ref_shl(T a, T b) {
    constexpr int bits = 8 * sizeof(T);
    if constexpr (std::is_signed_v<T>)
        if (b < 0) return 0;
    if (b >= bits) return 0;
    return wrap<T>(u64(a) << b);
}
template <class T>
T ref_shr(T a, T b) {
    constexpr int bits = 8 * sizeof(T);
    bool out = b >= bits;
    if constexpr (std::is_signed_v<T>) out = out || b < 0;
    if (out) {
        if constexpr (std::is_signed_v<T>) return a < 0 ? T(-1) : T(0);
        else return 0;
    }
    return static_cast<T>(a >> b);
}
template <class T>
T ref_pow(T base, T e) {
    if constexpr (std::is_signed_v<T>)
        if (e < 0) return base == 1 ? T(1) : base == -1 ? (e % 2 == 0 ? T(1) : T(-1)) : T(0);
    // Binary exponentiation modulo 2^64; the low bits are the wrapped result.
    uint64_t r = 1, b = u64(base), k = u64(e);
    for (; k != 0; k >>= 1, b *= b)
        if (k & 1) r *= b;
    return wrap<T>(r);
}

template <class T>
std::vector<T> int_specials() {
    using L = std::numeric_limits<T>;
    std::vector<T> s = {T(0), T(1), T(2), T(3), T(7), L::max(), T(L::max() - 1), L::min(), T(100)};
    if constexpr (std::is_signed_v<T>) s.insert(s.end(), {T(-1), T(-2), T(-3), T(-7), T(L::min() + 1)});
    return s;
}

template <class T>
T random_int(std::mt19937_64& rng) {
    switch (rng() % 4) {
        case 0: return static_cast<T>(static_cast<int64_t>(rng() % 41) - 20);
        case 1: return static_cast<T>(static_cast<int64_t>(rng() % 2001) - 1000);
        default: return static_cast<T>(rng());
    }
}

template <class T, class Make, class Ref, class DrawB>
void int_binary(const std::string& op, Make make, Ref ref, DrawB draw_b) {
    const auto specials = int_specials<T>();
    run_case<T, T>(
        op + "<" + tname<T>() + ">",
        [&](std::mt19937_64& rng, int64_t i) {
            const T a = i % 5 == 2 ? specials[static_cast<std::size_t>(i / 5) % specials.size()] : random_int<T>(rng);
            const T b = i % 7 == 3 ? specials[static_cast<std::size_t>(i / 7) % specials.size()] : draw_b(rng);
            return std::tuple{a, b};
        },
        make,
        [&](auto got, T a, T b) {
            const auto want = ref(a, b);
            static_assert(std::is_same_v<decltype(got), std::remove_const_t<decltype(want)>>, "result type");
            return exact_verdict(got, want);
        });
}

template <class T, class Make, class Ref>
void int_unary(const std::string& op, Make make, Ref ref) {
    const auto specials = int_specials<T>();
    run_case<T>(
        op + "<" + tname<T>() + ">",
        [&](std::mt19937_64& rng, int64_t i) {
            return std::tuple{i % 5 == 2 ? specials[static_cast<std::size_t>(i / 5) % specials.size()] : random_int<T>(rng)};
        },
        make,
        [&](auto got, T a) {
            const auto want = ref(a);
            static_assert(std::is_same_v<decltype(got), std::remove_const_t<decltype(want)>>, "result type");
            return exact_verdict(got, want);
        });
}

template <class T>
void int_ops() {
    const auto any = [](std::mt19937_64& rng) { return random_int<T>(rng); };
    int_binary<T>("add", [](const auto& a, const auto& b) { return a + b; }, [](T a, T b) { return wrap<T>(u64(a) + u64(b)); }, any);
    int_binary<T>("subtract", [](const auto& a, const auto& b) { return a - b; }, [](T a, T b) { return wrap<T>(u64(a) - u64(b)); }, any);
    int_binary<T>("multiply", [](const auto& a, const auto& b) { return a * b; }, [](T a, T b) { return wrap<T>(u64(a) * u64(b)); }, any);
    int_binary<T>("divide", [](const auto& a, const auto& b) { return a / b; }, ref_div<T>, any);
    int_binary<T>("remainder", [](const auto& a, const auto& b) { return a % b; }, ref_mod<T>, any);
    int_binary<T>("minimum", [](const auto& a, const auto& b) { return jf::minimum(a, b); }, [](T a, T b) { return std::min(a, b); }, any);
    int_binary<T>("maximum", [](const auto& a, const auto& b) { return jf::maximum(a, b); }, [](T a, T b) { return std::max(a, b); }, any);
    int_binary<T>("pow", [](const auto& a, const auto& b) { return jf::pow(a, b); }, ref_pow<T>, [](std::mt19937_64& rng) {
        return static_cast<T>(static_cast<int64_t>(rng() % 74) - (std::is_signed_v<T> ? 3 : 0));
    });
    int_binary<T>("bitwise_and", [](const auto& a, const auto& b) { return a & b; }, [](T a, T b) { return wrap<T>(u64(a) & u64(b)); }, any);
    int_binary<T>("bitwise_or", [](const auto& a, const auto& b) { return a | b; }, [](T a, T b) { return wrap<T>(u64(a) | u64(b)); }, any);
    int_binary<T>("bitwise_xor", [](const auto& a, const auto& b) { return a ^ b; }, [](T a, T b) { return wrap<T>(u64(a) ^ u64(b)); }, any);
    const auto shift_amount = [](std::mt19937_64& rng) {
        constexpr int64_t bits = 8 * sizeof(T);
        if (rng() % 8 == 0) return static_cast<T>(rng());  // mostly far out of range
        return static_cast<T>(static_cast<int64_t>(rng() % (bits + 6)) - (std::is_signed_v<T> ? 3 : 0));
    };
    int_binary<T>("shift_left", [](const auto& a, const auto& b) { return a << b; }, ref_shl<T>, shift_amount);
    int_binary<T>("shift_right", [](const auto& a, const auto& b) { return a >> b; }, ref_shr<T>, shift_amount);
    int_unary<T>("negative", [](const auto& a) { return -a; }, [](T a) { return wrap<T>(0 - u64(a)); });
    int_unary<T>("bitwise_not", [](const auto& a) { return ~a; }, [](T a) { return wrap<T>(~u64(a)); });
    int_unary<T>("abs", [](const auto& a) { return jf::abs(a); }, [](T a) {
        if constexpr (std::is_signed_v<T>) return a < 0 ? wrap<T>(0 - u64(a)) : a;
        else return a;
    });
    int_unary<T>("square", [](const auto& a) { return jf::square(a); }, [](T a) { return wrap<T>(u64(a) * u64(a)); });
    int_unary<T>("sign", [](const auto& a) { return jf::sign(a); }, [](T a) { return a > 0 ? T(1) : a < 0 ? static_cast<T>(-1) : T(0); });
    int_binary<T>("fma", [](const auto& a, const auto& b) { return jf::fma(a, b, a); }, [](T a, T b) { return wrap<T>(u64(a) * u64(b) + u64(a)); }, any);
    int_binary<T>("clamp", [](const auto& a, const auto& b) { return jf::clamp(a, jf::minimum(b, T(5)), jf::maximum(b, T(5))); },
                  [](T a, T b) { return std::clamp(a, std::min(b, T(5)), std::max(b, T(5))); }, any);
}

/// Comparisons and logical operations on one dtype.
template <class T>
void compare_ops() {
    auto draw = [](std::mt19937_64& rng) {
        if constexpr (std::is_floating_point_v<T>) return rng() % 2 ? static_cast<T>(static_cast<int>(rng() % 5)) : uniform<T>(rng, -3, 3);
        else return static_cast<T>(rng() % 2 ? rng() % 5 : rng());
    };
    auto specials = [] {
        if constexpr (std::is_floating_point_v<T>) return float_specials<T>();
        else return int_specials<T>();
    }();
    auto gen = [&](std::mt19937_64& rng, int64_t i) {
        const T a = i % 5 == 2 ? specials[static_cast<std::size_t>(i / 5) % specials.size()] : draw(rng);
        const T b = i % 7 == 3 ? specials[static_cast<std::size_t>(i / 7) % specials.size()] : i % 3 == 0 ? a : draw(rng);
        return std::tuple{a, b};
    };
    const std::string t = "<" + tname<T>() + ">";
    auto check = [](auto want_fn) {
        return [want_fn](bool got, T a, T b) { return exact_verdict(got, static_cast<bool>(want_fn(a, b))); };
    };
    run_case<T, T>("equal" + t, gen, [](const auto& a, const auto& b) { return a == b; }, check([](T a, T b) { return a == b; }));
    run_case<T, T>("not_equal" + t, gen, [](const auto& a, const auto& b) { return a != b; }, check([](T a, T b) { return a != b; }));
    run_case<T, T>("less" + t, gen, [](const auto& a, const auto& b) { return a < b; }, check([](T a, T b) { return a < b; }));
    run_case<T, T>("less_equal" + t, gen, [](const auto& a, const auto& b) { return a <= b; }, check([](T a, T b) { return a <= b; }));
    run_case<T, T>("greater" + t, gen, [](const auto& a, const auto& b) { return a > b; }, check([](T a, T b) { return a > b; }));
    run_case<T, T>("greater_equal" + t, gen, [](const auto& a, const auto& b) { return a >= b; }, check([](T a, T b) { return a >= b; }));
    // Logical operations read any nonzero (NaN included) as true.
    run_case<T, T>("logical_and" + t, gen, [](const auto& a, const auto& b) { return a && b; }, check([](T a, T b) { return a != T(0) && b != T(0); }));
    run_case<T, T>("logical_or" + t, gen, [](const auto& a, const auto& b) { return a || b; }, check([](T a, T b) { return a != T(0) || b != T(0); }));
    run_case<T>("logical_not" + t, [&](std::mt19937_64& rng, int64_t i) { return std::tuple{std::get<0>(gen(rng, i))}; },
                [](const auto& a) { return !a; }, [](bool got, T a) { return exact_verdict(got, !(a != T(0))); });
    // Predicates: integers are never NaN or infinite.
    run_case<T>("isnan" + t, [&](std::mt19937_64& rng, int64_t i) { return std::tuple{std::get<0>(gen(rng, i))}; },
                [](const auto& a) { return jf::isnan(a); }, [](bool got, T a) { return exact_verdict(got, static_cast<bool>(std::isnan(static_cast<ld>(a)))); });
    run_case<T>("isinf" + t, [&](std::mt19937_64& rng, int64_t i) { return std::tuple{std::get<0>(gen(rng, i))}; },
                [](const auto& a) { return jf::isinf(a); }, [](bool got, T a) { return exact_verdict(got, static_cast<bool>(std::isinf(static_cast<ld>(a)))); });
    run_case<T>("isfinite" + t, [&](std::mt19937_64& rng, int64_t i) { return std::tuple{std::get<0>(gen(rng, i))}; },
                [](const auto& a) { return jf::isfinite(a); }, [](bool got, T a) { return exact_verdict(got, static_cast<bool>(std::isfinite(static_cast<ld>(a)))); });
}

/// Restores `config().fast_math` when the scope ends.
struct fast_math_scope {
    bool saved = jf::config().fast_math;
    explicit fast_math_scope(bool on) { jf::config().fast_math = on; }
    ~fast_math_scope() { jf::config().fast_math = saved; }
    fast_math_scope(const fast_math_scope&) = delete;
    fast_math_scope& operator=(const fast_math_scope&) = delete;
};

/// float -> integer reference: truncate, saturate, NaN -> 0.
template <class To>
To ref_float_to_int(ld x) {
    using L = std::numeric_limits<To>;
    if (std::isnan(x)) return 0;
    if (x <= static_cast<ld>(L::min())) return L::min();
    if (x >= static_cast<ld>(L::max())) return L::max();
    return static_cast<To>(std::trunc(x));
}

}  // namespace

// ===========================================================================================

TEST_SUITE("elementwise") {

TEST_CASE("floating unary functions match a long double reference within their ULP bound") {
    for_each_type(float_types{}, []<class T>() { float_unary_ops<T>(); });
}

TEST_CASE("floating binary operators and functions match a long double reference") {
    for_each_type(float_types{}, []<class T>() { float_binary_ops<T>(); });
}

TEST_CASE("fma, clamp and where on floats") {
    for_each_type(float_types{}, []<class T>() {
        using L = std::numeric_limits<T>;
        const auto specials = float_specials<T>();
        auto gen3 = [&](std::mt19937_64& rng, int64_t i) {
            auto one = [&](int k) {
                return (i + k) % 4 == 1 ? specials[static_cast<std::size_t>((i / 4 + k * 7)) % specials.size()]
                                        : (rng() % 3 ? uniform<T>(rng, -10, 10) : log_uniform<T>(rng, -20, 20));
            };
            const T a = one(0), b = one(1);
            return std::tuple{a, b, one(2)};
        };
        // fma rounds once: compare with the exact a*b+c.
        run_case<T, T, T>("fma<" + tname<T>() + ">", gen3,
                          [](const auto& a, const auto& b, const auto& c) { return jf::fma(a, b, c); },
                          [](T got, T a, T b, T c) {
                              return ulp_verdict<T>(got, std::fma(static_cast<ld>(a), static_cast<ld>(b), static_cast<ld>(c)), k_exact);
                          });
        // clamp(x, lo, hi) == minimum(maximum(x, lo), hi); any NaN propagates.
        run_case<T, T, T>("clamp<" + tname<T>() + ">", gen3,
                          [](const auto& x, const auto& lo, const auto& hi) { return jf::clamp(x, lo, hi); },
                          [](T got, T x, T lo, T hi) {
                              return ulp_verdict<T>(got, nan_min_ref(nan_max_ref(x, lo), hi), k_exact, false);
                          });
        // where: array branches, scalar branches on either side.
        run_case<bool, T, T>(
            "where<" + tname<T>() + ">",
            [&](std::mt19937_64& rng, int64_t i) {
                const auto t = gen3(rng, i);
                return std::tuple{static_cast<bool>(rng() & 1), std::get<0>(t), std::get<1>(t)};
            },
            [](const auto& c, const auto& a, const auto& b) { return jf::where(c, a, b); },
            [](T got, bool c, T a, T b) { return exact_verdict(got, c ? a : b); });
        run_case<bool, T>(
            "where-scalar-else<" + tname<T>() + ">",
            [&](std::mt19937_64& rng, int64_t i) { return std::tuple{static_cast<bool>(rng() & 1), std::get<0>(gen3(rng, i))}; },
            [](const auto& c, const auto& a) { return jf::where(c, a, -1.5); },
            [](T got, bool c, T a) { return exact_verdict(got, c ? a : T(-1.5)); });
        run_case<bool, T>(
            "where-scalar-then<" + tname<T>() + ">",
            [&](std::mt19937_64& rng, int64_t i) { return std::tuple{static_cast<bool>(rng() & 1), std::get<0>(gen3(rng, i))}; },
            [](const auto& c, const auto& b) { return jf::where(c, L::infinity(), b); },
            [](T got, bool c, T b) { return exact_verdict(got, c ? L::infinity() : b); });
        // A floating condition is read as `!= 0` (NaN is true).
        run_case<T>(
            "where-float-cond<" + tname<T>() + ">",
            [&](std::mt19937_64& rng, int64_t i) { return std::tuple{std::get<0>(gen3(rng, i))}; },
            [](const auto& x) { return jf::where(x, 1, 2); },
            [](int32_t got, T x) { return exact_verdict(got, x != T(0) ? 1 : 2); });
    });
}

TEST_CASE("integer arithmetic wraps, division by zero and shifts are defined") {
    for_each_type(int_types{}, []<class T>() { int_ops<T>(); });
}

TEST_CASE("integer rounding functions are the identity, where on integers") {
    for_each_type(types<int32_t, uint8_t, int64_t>{}, []<class T>() {
        const auto id = [](T a) { return a; };
        int_unary<T>("floor", [](const auto& a) { return jf::floor(a); }, id);
        int_unary<T>("ceil", [](const auto& a) { return jf::ceil(a); }, id);
        int_unary<T>("round", [](const auto& a) { return jf::round(a); }, id);
        int_unary<T>("trunc", [](const auto& a) { return jf::trunc(a); }, id);
        int_binary<T>("where", [](const auto& a, const auto& b) { return jf::where(a > b, a, b); },
                      [](T a, T b) { return a > b ? a : b; }, [](std::mt19937_64& rng) { return random_int<T>(rng); });
    });
}

TEST_CASE("integer edge semantics, spelled out") {
    const int32_t imin = std::numeric_limits<int32_t>::min();
    jf::array<int32_t> a = jf::from_host(std::vector<int32_t>{7, -7, 7, -7, imin, imin, 5, 0, imin});
    jf::array<int32_t> b = jf::from_host(std::vector<int32_t>{2, 2, -2, -2, -1, 0, 0, 0, 1});
    CHECK((jf::eval(a / b).to_host()) == std::vector<int32_t>{3, -3, -3, 3, imin, -1, -1, -1, imin});
    CHECK((jf::eval(a % b).to_host()) == std::vector<int32_t>{1, -1, 1, -1, 0, imin, 5, 0, 0});
    CHECK((jf::eval(-a).to_host())[4] == imin);
    CHECK((jf::eval(jf::abs(a)).to_host())[4] == imin);
    jf::array<uint8_t> u = jf::from_host(std::vector<uint8_t>{250, 0, 255});
    CHECK((jf::eval(u + uint8_t(10)).to_host()) == std::vector<uint8_t>{4, 10, 9});
    CHECK((jf::eval(u / uint8_t(0)).to_host()) == std::vector<uint8_t>{255, 255, 255});
    CHECK((jf::eval(-u).to_host()) == std::vector<uint8_t>{6, 0, 1});
    jf::array<int32_t> s = jf::from_host(std::vector<int32_t>{-8, 8, -8, 8, 1, 1, -1});
    jf::array<int32_t> k = jf::from_host(std::vector<int32_t>{1, 1, 32, 32, -1, 31, 100});
    CHECK((jf::eval(s >> k).to_host()) == std::vector<int32_t>{-4, 4, -1, 0, 0, 0, -1});
    CHECK((jf::eval(s << k).to_host()) == std::vector<int32_t>{-16, 16, 0, 0, 0, imin, 0});
    jf::array<int32_t> base = jf::from_host(std::vector<int32_t>{2, 1, -1, -1, 2, 0, 3, 2});
    jf::array<int32_t> ex = jf::from_host(std::vector<int32_t>{10, -5, -3, -4, -1, 0, 0, 31});
    CHECK((jf::eval(jf::pow(base, ex)).to_host()) == std::vector<int32_t>{1024, 1, -1, 1, 0, 1, 1, imin});
}

TEST_CASE("comparisons and logical operations") {
    for_each_type(types<float, double, int8_t, int32_t, uint64_t>{}, []<class T>() { compare_ops<T>(); });
    // Bit operations on bool.
    run_case<bool, bool>("bool-bits",
                         [](std::mt19937_64& rng, int64_t) { return std::tuple{static_cast<bool>(rng() & 1), static_cast<bool>(rng() & 2)}; },
                         [](const auto& a, const auto& b) { return (a & b) ^ (~a | b); },
                         [](bool got, bool a, bool b) { return exact_verdict(got, static_cast<bool>((a && b) != (!a || b))); });
}

TEST_CASE("comparisons between mixed types compare in the promoted type") {
    jf::array<int32_t> i = jf::from_host(std::vector<int32_t>{-1, 16777217, 5});
    jf::array<uint32_t> u = jf::from_host(std::vector<uint32_t>{4294967295u, 16777217u, 5});
    jf::array<float> f = jf::from_host(std::vector<float>{-1.f, 16777216.f, 5.f});
    jf::array<double> d = jf::from_host(std::vector<double>{-1.0, 16777217.0, 0.1});
    jf::array<float> f01 = jf::from_host(std::vector<float>{-1.f, 16777216.f, 0.1f});
    // int32 vs uint32 -> int64: -1 < 4294967295 (C++'s usual conversions would say false).
    CHECK((jf::eval(i < u).to_host()) == std::vector<bool>{true, false, false});
    CHECK((jf::eval(i == u).to_host()) == std::vector<bool>{false, true, true});
    // int32 vs float32 -> float32: 16777217 becomes 16777216.f, so it compares equal.
    CHECK((jf::eval(i == f).to_host()) == std::vector<bool>{true, true, true});
    // float32 vs float64 -> float64: 0.1f != 0.1.
    CHECK((jf::eval(f01 == d).to_host()) == std::vector<bool>{true, false, false});
    CHECK((jf::eval(f01 > d).to_host()) == std::vector<bool>{false, false, true});
    // int8 vs uint8 -> int16.
    jf::array<int8_t> s8 = jf::from_host(std::vector<int8_t>{-1, 127});
    jf::array<uint8_t> u8 = jf::from_host(std::vector<uint8_t>{255, 127});
    CHECK((jf::eval(s8 < u8).to_host()) == std::vector<bool>{true, false});
    CHECK((jf::eval(s8 == u8).to_host()) == std::vector<bool>{false, true});
    // int64 vs uint64 -> float64.
    jf::array<int64_t> s64 = jf::from_host(std::vector<int64_t>{-1, (int64_t{1} << 53) + 1});
    jf::array<uint64_t> u64v = jf::from_host(std::vector<uint64_t>{18446744073709551615ull, (uint64_t{1} << 53)});
    CHECK((jf::eval(s64 < u64v).to_host()) == std::vector<bool>{true, false});
    CHECK((jf::eval(s64 == u64v).to_host()) == std::vector<bool>{false, true});
    // Weak scalars take the array's type: an int array against 2.5 compares in float32.
    CHECK((jf::eval(i < 2.5).to_host()) == std::vector<bool>{true, false, false});
}

TEST_CASE("cast: float to integer truncates and saturates, NaN gives 0") {
    for_each_type(float_types{}, []<class F>() {
        using L = std::numeric_limits<F>;
        const std::vector<F> specials = {L::quiet_NaN(), -L::quiet_NaN(), L::infinity(), -L::infinity(), F(0), F(-0.0),
                                         F(2.9), F(-2.9), F(-0.5), F(127.5), F(128), F(-128.9), F(-129), F(255.9), F(256),
                                         F(32767.5), F(-32769), F(65535.9), F(2147483520), F(-2147483648.0), F(4294967040.0),
                                         F(9.2233720368547758e18), F(-9.2233720368547758e18), F(1.8446744073709552e19),
                                         F(1e30), F(-1e30), L::max(), L::denorm_min()};
        auto gen = [&](std::mt19937_64& rng, int64_t i) {
            if (i % 3 == 1) return std::tuple{specials[static_cast<std::size_t>(i / 3) % specials.size()]};
            return std::tuple{rng() % 2 ? uniform<F>(rng, -300, 300) : log_uniform<F>(rng, -3, 21)};
        };
        for_each_type(int_types{}, [&]<class I>() {
            run_case<F>("cast<" + tname<I>() + ">(" + tname<F>() + ")", gen, [](const auto& a) { return jf::cast<I>(a); },
                        [](I got, F x) { return exact_verdict(got, ref_float_to_int<I>(x)); });
        });
        run_case<F>("cast<bool>(" + tname<F>() + ")", gen, [](const auto& a) { return jf::cast<bool>(a); },
                    [](bool got, F x) { return exact_verdict(got, x != F(0)); });
    });
    // float <-> double.
    run_case<double>("cast<float32>(float64)",
                     [](std::mt19937_64& rng, int64_t i) {
                         const auto s = float_specials<double>();
                         return std::tuple{i % 4 == 1 ? s[static_cast<std::size_t>(i / 4) % s.size()] : log_uniform<double>(rng, -50, 50)};
                     },
                     [](const auto& a) { return jf::cast<float>(a); },
                     [](float got, double x) { return exact_verdict(got, static_cast<float>(x)); });
}

TEST_CASE("cast between integer types wraps; integers to floats round to nearest") {
    auto gen = [](std::mt19937_64& rng, int64_t i) {
        const auto s = int_specials<int64_t>();
        return std::tuple{i % 4 == 1 ? s[static_cast<std::size_t>(i / 4) % s.size()] : random_int<int64_t>(rng)};
    };
    for_each_type(int_types{}, [&]<class I>() {
        run_case<int64_t>("cast<" + tname<I>() + ">(int64)", gen, [](const auto& a) { return jf::cast<I>(a); },
                          [](I got, int64_t x) { return exact_verdict(got, static_cast<I>(x)); });
    });
    run_case<int64_t>("cast<float32>(int64)", gen, [](const auto& a) { return jf::cast<float>(a); },
                      [](float got, int64_t x) { return exact_verdict(got, static_cast<float>(x)); });
    run_case<int64_t>("cast<float64>(int64)", gen, [](const auto& a) { return jf::cast<double>(a); },
                      [](double got, int64_t x) { return exact_verdict(got, static_cast<double>(x)); });
    run_case<int64_t>("cast<bool>(int64)", gen, [](const auto& a) { return jf::cast<bool>(a); },
                      [](bool got, int64_t x) { return exact_verdict(got, x != 0); });
    run_case<uint64_t>("cast<float32>(uint64)", [](std::mt19937_64& rng, int64_t) { return std::tuple{static_cast<uint64_t>(rng())}; },
                       [](const auto& a) { return jf::cast<float>(a); },
                       [](float got, uint64_t x) { return exact_verdict(got, static_cast<float>(x)); });
    run_case<bool>("cast<float32>(bool)", [](std::mt19937_64& rng, int64_t) { return std::tuple{static_cast<bool>(rng() & 1)}; },
                   [](const auto& a) { return jf::cast<float>(a) + jf::cast<int32_t>(a); },
                   [](float got, bool x) { return exact_verdict(got, x ? 2.f : 0.f); });
}

TEST_CASE("floating functions of integer arrays compute in float32") {
    run_case<int32_t>(
        "sqrt+exp+sin(int32)",
        [](std::mt19937_64& rng, int64_t i) {
            return std::tuple{i % 5 == 2 ? int_specials<int32_t>()[static_cast<std::size_t>(i / 5) % 14] : static_cast<int32_t>(rng() % 200) - 100};
        },
        [](const auto& a) { return jf::sqrt(a) + jf::cast<float>(jf::exp(a) > 1.0f) + jf::sin(a) * 0.0f; },
        [](float got, int32_t x) {
            const ld xf = static_cast<ld>(static_cast<float>(x));
            const ld sinpart = std::sin(xf) * 0;  // NaN only when sin is (never for finite x)
            const ld ref = static_cast<ld>(static_cast<float>(std::sqrt(xf))) + (std::exp(xf) > 1 ? 1 : 0) + sinpart;
            return ulp_verdict<float>(got, ref, 1.0, false);
        });
}

TEST_CASE("non-contiguous operands: strided, reversed, transposed") {
    const uint64_t seed = seed_for("non-contiguous");
    INFO("seed: " << seed);
    std::mt19937_64 rng(seed);
    const int64_t n = 140003;  // the strided view has 70002 elements: the threaded path
    std::vector<float> hx(static_cast<std::size_t>(n)), hy(static_cast<std::size_t>(n));
    for (auto& v : hx) v = uniform<float>(rng, -20, 20);
    for (auto& v : hy) v = uniform<float>(rng, -20, 20);
    jf::array<float> x = jf::from_host(hx), y = jf::from_host(hy);
    auto verify = [](const std::string& what, const std::vector<float>& got, const std::vector<ld>& ref, double tol) {
        int bad = 0;
        std::string first;
        for (std::size_t i = 0; i < got.size(); ++i)
            if (auto why = ulp_verdict<float>(got[i], ref[i], tol, false); !why.empty() && bad++ < 3)
                first += "\n [" + std::to_string(i) + "] " + why;
        CHECK_MESSAGE(bad == 0, what << ": " << bad << " wrong" << first);
    };

    SUBCASE("strided view range(0, n, 2)") {
        const auto xs = x(jf::range(0, n, 2));
        const auto ys = y(jf::range(1, n, 2));
        REQUIRE(xs.size() == (n + 1) / 2 - 0);
        const int64_t m = ys.size();
        const auto xm = xs(jf::range(0, m));
        jf::array<float> z = xm * ys + jf::where(ys > 0.f, xm, 1.0f);
        jf::array<float> zs = jf::sin(xm);
        std::vector<ld> ref(static_cast<std::size_t>(m)), ref_sin(static_cast<std::size_t>(m));
        for (int64_t i = 0; i < m; ++i) {
            const float a = hx[static_cast<std::size_t>(2 * i)], b = hy[static_cast<std::size_t>(2 * i + 1)];
            const float p = a * b;
            ref[static_cast<std::size_t>(i)] = static_cast<ld>(p + (b > 0 ? a : 1.0f));
            ref_sin[static_cast<std::size_t>(i)] = std::sin(static_cast<ld>(a));
        }
        verify("strided", z.to_host(), ref, 0);
        verify("strided sin", zs.to_host(), ref_sin, function_bound<float>("sin", k_u10));
    }
    SUBCASE("reversed view range(n-1, -1, -1)") {
        const auto xr = x(jf::range(n - 1, -1, -1));
        REQUIRE(xr.size() == n);
        jf::array<float> z = xr - y + jf::square(xr);
        std::vector<ld> ref(static_cast<std::size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            const float a = hx[static_cast<std::size_t>(n - 1 - i)], b = hy[static_cast<std::size_t>(i)];
            ref[static_cast<std::size_t>(i)] = static_cast<ld>(static_cast<float>(a - b) + a * a);
        }
        verify("reversed", z.to_host(), ref, 0);
        // An exact op through the reversed view into a reversed target.
        jf::array<float> w = jf::zeros<float>(n);
        auto wr = w(jf::range(n - 1, -1, -1));
        wr = x * 2.0f;
        const auto hw = w.to_host();
        bool ok = true;
        for (int64_t i = 0; i < n; ++i) ok = ok && hw[static_cast<std::size_t>(n - 1 - i)] == hx[static_cast<std::size_t>(i)] * 2.0f;
        CHECK(ok);
    }
    SUBCASE("transpose of a 2-D array") {
        const int64_t r = 301, c = 253;  // 76153 elements
        std::vector<double> hm(static_cast<std::size_t>(r * c));
        for (auto& v : hm) v = uniform<double>(rng, 1, 100);  // log(v) >= 0: no cancellation
        jf::array<double, 2> m = jf::from_host(hm, {r, c});
        jf::array<double, 2> mt = m.transpose();
        REQUIRE(mt.shape() == jf::shape_t<2>{c, r});
        jf::array<double, 2> z = jf::log(mt) + mt * 3.0;
        const auto hz = z.to_host();
        int bad = 0;
        std::string first;
        for (int64_t i = 0; i < c; ++i)
            for (int64_t j = 0; j < r; ++j) {
                const ld v = hm[static_cast<std::size_t>(j * c + i)];
                const ld ref = static_cast<ld>(static_cast<double>(std::log(v))) + static_cast<ld>(v * 3.0L);
                if (auto why = ulp_verdict<double>(hz[static_cast<std::size_t>(i * r + j)], ref, 2); !why.empty() && bad++ < 3)
                    first += "\n (" + std::to_string(i) + "," + std::to_string(j) + ") " + why;
            }
        CHECK_MESSAGE(bad == 0, "transpose: " << bad << " wrong" << first);
    }
}

TEST_CASE("broadcasting a row vector against a matrix") {
    const uint64_t seed = seed_for("broadcast");
    INFO("seed: " << seed);
    std::mt19937_64 rng(seed);
    for (const auto& [r, c] : {std::pair<int64_t, int64_t>{1, 1}, {3, 1}, {1, 17}, {5, 513}, {300, 247}}) {
        INFO("shape " << r << "x" << c);
        std::vector<int32_t> hm(static_cast<std::size_t>(r * c)), hrow(static_cast<std::size_t>(c)), hcol(static_cast<std::size_t>(r));
        for (auto& v : hm) v = static_cast<int32_t>(rng());
        for (auto& v : hrow) v = static_cast<int32_t>(rng() % 100) - 50;
        for (auto& v : hcol) v = static_cast<int32_t>(rng() % 7) - 3;
        jf::array<int32_t, 2> m = jf::from_host(hm, {r, c});
        jf::array<int32_t> row = jf::from_host(hrow);
        jf::array<int32_t, 2> col = jf::from_host(hcol, {r, int64_t{1}});
        jf::array<int32_t, 2> z = m * row + col;  // (r,c) * (c) + (r,1)
        jf::array<int32_t, 2> z2 = row - m;       // (c) - (r,c)
        jf::array<float, 2> z3 = jf::cast<float>(row) / jf::cast<float>(col);
        REQUIRE(z.shape() == jf::shape_t<2>{r, c});
        const auto h = z.to_host(), h2 = z2.to_host();
        const auto h3 = z3.to_host();
        bool ok = true;
        for (int64_t i = 0; i < r; ++i)
            for (int64_t j = 0; j < c; ++j) {
                const auto k = static_cast<std::size_t>(i * c + j);
                const int32_t a = hm[k], b = hrow[static_cast<std::size_t>(j)], cc = hcol[static_cast<std::size_t>(i)];
                ok = ok && h[k] == wrap<int32_t>(u64(a) * u64(b) + u64(cc));
                ok = ok && h2[k] == wrap<int32_t>(u64(b) - u64(a));
                ok = ok && exact_verdict(h3[k], static_cast<float>(b) / static_cast<float>(cc)).empty();
            }
        CHECK(ok);
    }
    jf::array<float, 2> m = jf::zeros<float, 2>({4, 5});
    jf::array<float> bad_row = jf::zeros<float>(4);
    CHECK_THROWS_AS((void)(m + bad_row), jf::shape_error);
}

TEST_CASE("fast_math gives results within 4 ULP") {
    fast_math_scope scope(true);
    REQUIRE(jf::config().fast_math);
    for_each_type(float_types{}, []<class T>() {
        float_unary_ops<T>(k_fast);
        float_binary_ops<T>(k_fast);
    });
}

TEST_CASE("fast_math is restored and strict results are back") {
    {
        fast_math_scope scope(true);
    }
    CHECK_FALSE(jf::config().fast_math);
    jf::array<float> x = jf::from_host(std::vector<float>{1e30f, 0.5f});
    const auto h = jf::eval(jf::sin(x)).to_host();
    const double bound = function_bound<float>("sin", k_u10);
    CHECK(ulp_verdict<float>(h[0], std::sin(static_cast<ld>(1e30f)), bound) == "");
    CHECK(ulp_verdict<float>(h[1], std::sin(0.5L), bound) == "");
}

}  // TEST_SUITE

// Its own suite, so that the emulated-GPU entry in CI (which leaves the long elementwise suite
// to a longer preset) runs it too.
TEST_SUITE("prelude trigonometry") {

TEST_CASE("float sin, cos and tan within 2, 2 and 3.1 ulp on a dense sweep of every range and at multiples of pi/2") {
    // On the GPU, float sin, cos and tan are the prelude's own code: a three-part reduction
    // below 105615 and a Payne-Hanek one beyond. This sweep holds that code (measured over every
    // float: 1.54, 1.54 and 3.04 ulp), and the CPU's SLEEF, to CUDA's documented 2 ulp for sin
    // and cos and to 3.1 for tan (CUDA documents 4). The emulated GPU runs the prelude's
    // arithmetic as the device does (correctly rounded fmaf, rintf, products and conversions),
    // so the bounds are the same everywhere.
    const float near_bound = 105615.0f;
    std::vector<float> xs;
    const uint32_t bound_bits = std::bit_cast<uint32_t>(near_bound);
    for (uint32_t b = 1; b < bound_bits; b += 4093) xs.push_back(std::bit_cast<float>(b));
    for (uint32_t b = bound_bits; b < 0x7f800000u; b += 16381) xs.push_back(std::bit_cast<float>(b));
    for (int k = 1; k < 67240; k += 3) {  // the arguments whose near reduction cancels most
        const float x = static_cast<float>(k * 1.570796326794896619231321691639751442L);
        xs.insert(xs.end(), {std::nextafter(x, 0.0f), x, std::nextafter(x, 2e5f)});
    }
    xs.insert(xs.end(), {std::nextafter(near_bound, 0.0f), near_bound, std::nextafter(near_bound, 2e5f)});
    // The worst cases the exhaustive runs found, the largest float and the ends of the range.
    xs.insert(xs.end(), {3948633.5f, 2.53511142e+09f, 2.81496234e+22f, 7.90249131e+31f, 29771.3008f, 63587.4102f,
                         57652.9336f, std::numeric_limits<float>::max(),
                         0.0f, std::numeric_limits<float>::denorm_min(), 1e-30f, 0.7853982f, 1.6105e38f,
                         std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()});
    const std::size_t positive = xs.size();
    for (std::size_t i = 0; i < positive; ++i) xs.push_back(-xs[i]);

    const jf::array<float> x = jf::from_host(xs);
    const std::vector<float> sines = jf::eval(jf::sin(x)).to_host(), cosines = jf::eval(jf::cos(x)).to_host(),
                             tangents = jf::eval(jf::tan(x)).to_host();
    std::string failures;  // the first few, each a line
    const auto check = [&](const char* op, float xi, float got, ld want, double tol) {
        if (const std::string v = ulp_verdict<float>(got, want, tol); !v.empty())
            failures += std::string(op) + "(" + show(xi) + "): " + v + "\n";
    };
    for (std::size_t i = 0; i < xs.size() && std::count(failures.begin(), failures.end(), '\n') < 5; ++i) {
        const ld xi = xs[i];
        check("sin", xs[i], sines[i], std::sin(xi), k_u10);
        check("cos", xs[i], cosines[i], std::cos(xi), k_u10);
        check("tan", xs[i], tangents[i], std::tan(xi), 3.1);
    }
    CHECK_MESSAGE(failures.empty(), failures);
}

}  // TEST_SUITE

