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
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
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

/// out[i] = f(a[i]) or f(a[i], b[i]), through the entry the fused loops call.
template <class T>
void apply(const function& fn, const T* a, const T* b, T* out, std::int64_t n, bool fast) {
    if (is_binary(fn.f))
        jitfuse::cpu::apply(fn.f, a, b, out, n, fast);
    else
        jitfuse::cpu::apply(fn.f, a, out, n, fast);
}

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
                apply(fn, a.data(), b.data(), out.data(), static_cast<std::int64_t>(n), fast);
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
        for (int r = 0; r < 200; ++r) apply(fn, a.data(), b.data(), out.data(), 4096, fast);
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

/// The names of a comma-separated list.
std::vector<std::string_view> split(std::string_view list) {
    std::vector<std::string_view> names;
    for (std::size_t start = 0; start <= list.size();) {
        const auto comma = std::min(list.find(',', start), list.size());
        names.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    return names;
}

bool listed(const std::vector<std::string_view>& list, std::string_view name) {
    return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

struct options {
    std::uint64_t every = 4093, samples = std::uint64_t{1} << 20;
    std::vector<std::string_view> only, modes;  // empty: all
};

/// The options, or the reason they are wrong.
std::string parse(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; i += 2) {
        const std::string_view name = argv[i];
        if (i + 1 == argc) return "missing value after " + std::string(name);
        const std::string_view value = argv[i + 1];
        if (name == "--every" || name == "--samples") {
            std::uint64_t n = 0;
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (error != std::errc{} || end != value.data() + value.size() || n == 0)
                return std::string(name) + " takes a positive whole number, not '" + std::string(value) + "'";
            (name == "--every" ? o.every : o.samples) = n;
        } else if (name == "--only") {
            o.only = split(value);
            for (const auto f : o.only)
                if (std::none_of(std::begin(functions), std::end(functions), [f](const function& fn) { return fn.name == f; }))
                    return "--only: no function '" + std::string(f) + "'";
        } else if (name == "--mode") {
            o.modes = split(value);
            for (const auto m : o.modes)
                if (m != "strict" && m != "fast") return "--mode: '" + std::string(m) + "' is neither strict nor fast";
        } else {
            return "unknown option '" + std::string(name) + "'";
        }
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    if (const std::string error = parse(argc, argv, o); !error.empty()) {
        std::fprintf(stderr, "jitfuse-math-ulp: %s\nusage: jitfuse-math-ulp [--every N] [--samples S] [--only NAME,NAME] [--mode strict|fast]\n",
                     error.c_str());
        return 2;
    }
    std::printf("jitfuse-math-ulp: %s vector math; one float in %llu, else %llu samples\n",
                jitfuse::cpu::vector_isa(), static_cast<unsigned long long>(o.every), static_cast<unsigned long long>(o.samples));
    bool ok = true;
    for (const bool fast : {false, true})
        for (const auto& fn : functions) {
            if (!listed(o.only, fn.name) || !listed(o.modes, fast ? "fast" : "strict")) continue;
            ok = check<float>(fn, fast, o.every, o.samples) && ok;
            ok = check<double>(fn, fast, o.every, o.samples) && ok;
        }
    return ok ? 0 : 1;
}
