// SPDX-License-Identifier: Apache-2.0
// jitfuse-math-ulp: the CPU fallback's vector math, called as the fused loops call it
// (jitfuse::cpu::apply), against references in a wider type, strict and under fast math: per
// function and type the largest error in ULPs, where it occurs, and the time per element (one
// thread, in cache). Exits 1 when an error passes the unit suite's bound (test_elementwise.cpp:
// strict 2 ULP, hypot 1, fast 4.001), outside the documented exceptions (below).
//
//   jitfuse-math-ulp [--every N] [--samples S] [--only NAME,NAME] [--mode strict|fast]
//
// Unary float functions get every N-th float bit pattern (N = 1: every float; default 4093,
// ~1M inputs with every sign and exponent), double and binary functions S random inputs (half
// random bit patterns, half moderate values; default 2^20).
#include <jitfuse/cpu/vector_math.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using jitfuse::cpu::vfn;
using ld = long double;

/// A function and its references: long double for double results, double for float ones (its
/// error, ~2^-29 ULP of a float, is invisible there, and it runs ~4x faster).
struct function {
    const char* name;
    vfn f;
    ld (*ref)(ld, ld);
    double (*ref_for_float)(double, double);
};

#define JF_UNARY(fn) {#fn, vfn::fn, [](ld x, ld) { return std::fn(x); }, [](double x, double) { return std::fn(x); }}
#define JF_BINARY(fn) \
    {#fn, vfn::fn, [](ld x, ld y) { return std::fn(x, y); }, [](double x, double y) { return std::fn(x, y); }}
const function functions[] = {
    JF_UNARY(sin),   JF_UNARY(cos),   JF_UNARY(tan),   JF_UNARY(asin),  JF_UNARY(acos),  JF_UNARY(atan),
    JF_UNARY(sinh),  JF_UNARY(cosh),  JF_UNARY(tanh),  JF_UNARY(exp),   JF_UNARY(exp2),  JF_UNARY(expm1),
    JF_UNARY(log),   JF_UNARY(log2),  JF_UNARY(log10), JF_UNARY(log1p), JF_UNARY(cbrt),  JF_UNARY(erf),
    JF_BINARY(pow),  JF_BINARY(atan2), JF_BINARY(hypot)};
#undef JF_UNARY
#undef JF_BINARY

bool is_binary(vfn f) { return static_cast<int>(f) >= jitfuse::cpu::unary_vfn_count; }

/// The error of `got` in ULPs of the exact value's binade; 0 for matching NaNs and infinities,
/// and for the infinities the strict path documents (docs/type_promotion.md): sinh and cosh
/// beyond |x| = 88 / 709, log1p beyond 1e38 / 1e307, pow within 1% of the largest finite value.
template <class T, class W>
double ulp_error(vfn f, T x, T got, W exact) {
    using L = std::numeric_limits<T>;
    if (std::isnan(exact) || std::isnan(got)) return std::isnan(exact) && std::isnan(got) ? 0 : INFINITY;
    if (std::isinf(got) && std::signbit(got) == std::signbit(exact)) {
        const bool float_type = L::digits == 24;
        const W far = (f == vfn::sinh || f == vfn::cosh) ? (float_type ? 88 : 709)
                      : f == vfn::log1p                   ? (float_type ? 1e38 : 1e307)
                                                          : INFINITY;
        if (std::fabs(exact) >= L::max() || std::fabs(static_cast<W>(x)) > far ||
            (f == vfn::pow && std::fabs(exact) > W(0.99) * L::max()))
            return 0;
    }
    int e = 0;
    std::frexp(std::fabs(exact), &e);
    const W ulp = std::ldexp(W(1), std::max(e, L::min_exponent) - L::digits);
    return static_cast<double>(std::fabs(static_cast<W>(got) - exact) / ulp);
}

std::uint64_t mix(std::uint64_t z) {  // splitmix64's finaliser: a cheap, well-spread hash
    z += 0x9e3779b97f4a7c15;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
}

/// Input number `i`: a random bit pattern (every magnitude, NaN and infinities included) or a
/// value uniform in [-1, 1], [-20, 20] or [-1000, 1000].
template <class T>
T random_value(std::uint64_t i) {
    const std::uint64_t h = mix(i), bits = mix(h);
    if (h % 2) return std::bit_cast<T>(static_cast<std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>(bits));
    static const double ranges[] = {1, 20, 1000};
    return static_cast<T>(ranges[h / 2 % 3] * (static_cast<double>(bits >> 11) * 0x1.0p-52 - 1));
}

struct worst {
    double ulp = 0;
    ld x = 0, y = 0;
};

/// The largest error over `count` inputs from `input(i, a, b)`, split over the hardware threads.
template <class T, class Input>
worst sweep(const function& fn, bool fast, std::uint64_t count, Input input) {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<worst> found(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            constexpr std::uint64_t chunk = 4096;
            std::vector<T> a(chunk), b(chunk), out(chunk);
            for (std::uint64_t begin = t * chunk; begin < count; begin += threads * chunk) {
                const auto n = std::min(chunk, count - begin);
                for (std::uint64_t i = 0; i < n; ++i) input(begin + i, a[i], b[i]);
                if (is_binary(fn.f))
                    jitfuse::cpu::apply(fn.f, a.data(), b.data(), out.data(), static_cast<std::int64_t>(n), fast);
                else
                    jitfuse::cpu::apply(fn.f, a.data(), out.data(), static_cast<std::int64_t>(n), fast);
                for (std::uint64_t i = 0; i < n; ++i) {
                    double e = 0;
                    if constexpr (std::is_same_v<T, float>)
                        e = ulp_error(fn.f, a[i], out[i], fn.ref_for_float(a[i], b[i]));
                    else
                        e = ulp_error(fn.f, a[i], out[i], fn.ref(a[i], b[i]));
                    if (e > found[t].ulp) found[t] = {e, a[i], b[i]};
                }
            }
        });
    for (auto& th : pool) th.join();
    return *std::max_element(found.begin(), found.end(), [](const worst& l, const worst& r) { return l.ulp < r.ulp; });
}

/// Nanoseconds per element, one thread, 4096 moderate values in cache.
template <class T>
double time_per_element(const function& fn, bool fast) {
    std::vector<T> a(4096), b(4096), out(4096);
    for (std::size_t i = 0; i < a.size(); ++i) {  // in (0.01, 0.99): every function's domain
        a[i] = static_cast<T>(0.01 + 0.98 * static_cast<double>(mix(2 * i) >> 11) * 0x1.0p-53);
        b[i] = static_cast<T>(0.01 + 0.98 * static_cast<double>(mix(2 * i + 1) >> 11) * 0x1.0p-53);
    }
    double best = INFINITY;
    for (int round = 0; round < 5; ++round) {
        const auto start = std::chrono::steady_clock::now();
        for (int r = 0; r < 200; ++r) {
            if (is_binary(fn.f))
                jitfuse::cpu::apply(fn.f, a.data(), b.data(), out.data(), 4096, fast);
            else
                jitfuse::cpu::apply(fn.f, a.data(), out.data(), 4096, fast);
        }
        best = std::min(best, std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / (200.0 * 4096));
    }
    return best;
}

template <class T>
bool check(const function& fn, bool fast, std::uint64_t every, std::uint64_t samples) {
    worst w;
    if constexpr (std::is_same_v<T, float>) {
        if (!is_binary(fn.f))
            w = sweep<T>(fn, fast, ((std::uint64_t{1} << 32) + every - 1) / every, [every](std::uint64_t i, T& a, T& b) {
                a = std::bit_cast<T>(static_cast<std::uint32_t>(i * every));
                b = 0;
            });
    }
    if (std::is_same_v<T, double> || is_binary(fn.f)) {
        w = sweep<T>(fn, fast, samples, [](std::uint64_t i, T& a, T& b) {
            a = random_value<T>(2 * i);
            b = random_value<T>(2 * i + 1);
        });
    }
    const double bound = fast ? 4.001 : fn.f == vfn::hypot ? 1.0 : 2.0;
    const bool ok = w.ulp <= bound;
    char where[64];
    std::snprintf(where, sizeof where, is_binary(fn.f) ? "%.9Lg, %.9Lg" : "%.9Lg", w.x, w.y);
    std::printf("%-6s %-6s %-6s %6.3f ulp (bound %.3f) at %-34s %6.3f ns/element%s\n", fn.name,
                sizeof(T) == 4 ? "float" : "double", fast ? "fast" : "strict", w.ulp, bound, where,
                time_per_element<T>(fn, fast), ok ? "" : "   FAILED");
    std::fflush(stdout);  // a sweep of every float takes a while: show each line as it ends
    return ok;
}

const char* option(int argc, char** argv, const char* name) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
    return nullptr;
}

std::uint64_t number(const char* text, std::uint64_t fallback) { return text ? std::strtoull(text, nullptr, 10) : fallback; }

/// Whether `name` is in the comma-separated `list` (every name when there is no list).
bool listed(const char* list, std::string_view name) {
    if (!list) return true;
    for (std::string_view rest = list; !rest.empty();) {
        const auto comma = rest.find(',');
        if (rest.substr(0, comma) == name) return true;
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t every = std::max<std::uint64_t>(1, number(option(argc, argv, "--every"), 4093));
    const std::uint64_t samples = number(option(argc, argv, "--samples"), std::uint64_t{1} << 20);
    const char* only = option(argc, argv, "--only");
    const char* mode = option(argc, argv, "--mode");
    std::printf("jitfuse-math-ulp: %s vector math; one float in %llu, else %llu samples\n",
                jitfuse::cpu::vector_isa(), static_cast<unsigned long long>(every), static_cast<unsigned long long>(samples));
    bool ok = true;
    for (const bool fast : {false, true})
        for (const auto& fn : functions) {
            if (!listed(only, fn.name) || !listed(mode, fast ? "fast" : "strict")) continue;
            ok = check<float>(fn, fast, every, samples) && ok;
            ok = check<double>(fn, fast, every, samples) && ok;
        }
    return ok ? 0 : 1;
}
