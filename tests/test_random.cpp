// SPDX-License-Identifier: Apache-2.0
// jf::random::uniform / normal: the Philox4x32-10 stream against the Random123 known answers
// and an independent model of the element -> counter mapping; statistics with bounds of 6
// standard errors (a correct generator fails one with probability ~1e-9); determinism over
// seeds, thread counts and enclosing expressions; broadcasting; fused reductions; codegen.

#include <doctest/doctest.h>

#include <jitfuse/detail/nvrtc.hpp>
#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include "reference.hpp"
#include "scoped.hpp"

namespace {

namespace jf = jitfuse;
namespace rng = jitfuse::detail::rng;
using i64 = std::int64_t;

struct words {
    std::uint32_t w[4];
};

/// The values the stream definition (README, random.hpp) gives for Philox words.
float uniform_float_of(const words& b) { return std::ldexp(static_cast<float>(b.w[0] >> 8), -24); }
double uniform_double_of(const words& b) {
    const std::uint64_t top53 = (static_cast<std::uint64_t>(b.w[0]) << 21) | (b.w[1] >> 11);
    return std::ldexp(static_cast<double>(top53), -53);
}

/// Whole-array statistics in long double.
template <class T>
struct moments {
    long double mean = 0, variance = 0, lag1 = 0;  // lag1: correlation of neighbours
    explicit moments(const std::vector<T>& v) {
        const auto n = static_cast<long double>(v.size());
        for (T x : v) mean += x;
        mean /= n;
        long double cov = 0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            variance += (v[i] - mean) * (v[i] - mean);
            if (i + 1 < v.size()) cov += (v[i] - mean) * (v[i + 1] - mean);
        }
        lag1 = cov / variance;
        variance /= n;
    }
};

/// Kolmogorov-Smirnov distance between the sample and the distribution function `cdf`.
template <class T, class F>
double ks_distance(std::vector<T> v, F cdf) {
    std::sort(v.begin(), v.end());
    const double n = static_cast<double>(v.size());
    double d = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double f = cdf(static_cast<double>(v[i]));
        d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
    }
    return d;
}

constexpr i64 big_n = 1'000'000;
// Standard errors at big_n: P(sqrt(n) * KS > 3) ~ 2 exp(-18) for any continuous distribution.
const double six_se = 6 / std::sqrt(static_cast<double>(big_n));
const double ks_bound = 3 / std::sqrt(static_cast<double>(big_n));

}  // namespace

TEST_SUITE("random") {
    TEST_CASE("Philox4x32-10 reproduces the Random123 known-answer vectors") {
        // Random123 kat_vectors (philox4x32 10): counter, key, result; checked also against an
        // independent Python model of the paper's round function.
        struct kat {
            std::uint32_t ctr[4], key[2], out[4];
        };
        const kat kats[] = {
            {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
            {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff},
             {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
            {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0},
             {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
        };
        for (const kat& k : kats) {
            const auto b = rng::philox4x32_10(k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3], k.key[0], k.key[1]);
            for (int i = 0; i < 4; ++i) CHECK(b.w[i] == k.out[i]);
        }
    }

    TEST_CASE("element k of seed s is Philox(counter {k_lo, k_hi, 0, 0}, key {s_lo, s_hi})") {
        // Words from the independent Python model; the high halves of seed and index matter.
        struct known {
            std::uint64_t seed, index;
            words b;
        };
        const known cases[] = {
            {7, 0, {{0xf4607a2d, 0xc009f9dc, 0x1d3aba42, 0x15edac82}}},
            {7, 1, {{0x682e8e9b, 0xcb97bc13, 0x2bfaff6b, 0xf535eea6}}},
            {7, 2, {{0x018e23c0, 0x0229fbb4, 0xcec27c6a, 0xd94320a7}}},
            {0x100000005, 0x100000003, {{0x7ee89035, 0x68127fa1, 0x781846a7, 0x5432528b}}},
            {0xfedcba9876543210, 0x0123456789abcdef, {{0x822ed603, 0x19774975, 0x4c78eba5, 0xdc0ba28a}}},
        };
        for (const known& c : cases) {
            CAPTURE(c.index);
            const auto b = rng::random_words(c.seed, c.index);
            for (int i = 0; i < 4; ++i) CHECK(b.w[i] == c.b.w[i]);
            CHECK(rng::random_uniform<float>(c.seed, c.index) == uniform_float_of(c.b));
            CHECK(rng::random_uniform<double>(c.seed, c.index) == uniform_double_of(c.b));
        }
        // Through the public API: the first three elements of seed 7.
        const std::vector<float> f = jf::array<float>(jf::random::uniform<float>(3, 7)).to_host();
        const std::vector<double> d = jf::array<double>(jf::random::uniform<double>(3, 7)).to_host();
        for (int k = 0; k < 3; ++k) {
            CHECK(f[k] == uniform_float_of(cases[k].b));
            CHECK(d[k] == uniform_double_of(cases[k].b));
        }
        CHECK(f[0] == 0.9545971155166626f);
    }

    TEST_CASE_TEMPLATE("uniform values lie in [0, 1) with uniform statistics", T, float, double) {
        const std::vector<T> v = jf::array<T>(jf::random::uniform<T>(big_n, 2024)).to_host();
        REQUIRE(v.size() == static_cast<std::size_t>(big_n));
        CHECK(*std::min_element(v.begin(), v.end()) >= T(0));
        CHECK(*std::max_element(v.begin(), v.end()) < T(1));
        const moments<T> m(v);
        // Standard errors: mean sqrt(1/12/n); variance sqrt((1/80 - 1/144)/n); lag-1 1/sqrt(n).
        CHECK(std::abs(m.mean - 0.5L) < six_se * std::sqrt(1.0 / 12));
        CHECK(std::abs(m.variance - 1.0L / 12) < six_se * std::sqrt(1.0 / 80 - 1.0 / 144));
        CHECK(std::abs(m.lag1) < six_se);
        CHECK(ks_distance(v, [](double x) { return x; }) < ks_bound);
    }

    TEST_CASE_TEMPLATE("normal values have standard normal statistics", T, float, double) {
        const std::vector<T> v = jf::array<T>(jf::random::normal<T>(big_n, 99)).to_host();
        // u1 >= 2^-24 (float) or 2^-53 (double) bounds |z| by sqrt(-2 log u1).
        const double most = std::sqrt(-2 * std::log(std::is_same_v<T, float> ? 0x1p-24 : 0x1p-53));
        for (T x : v) REQUIRE((std::isfinite(x) && std::abs(x) <= most + 1e-6));
        const moments<T> m(v);
        // Standard errors: mean 1/sqrt(n); variance sqrt(2/n); lag-1 1/sqrt(n).
        CHECK(std::abs(m.mean) < six_se);
        CHECK(std::abs(m.variance - 1) < six_se * std::sqrt(2.0));
        CHECK(std::abs(m.lag1) < six_se);
        // Fractions within 1, 2, 3 sigma; standard error sqrt(p (1 - p) / n).
        for (int k = 1; k <= 3; ++k) {
            const double p = std::erf(k / std::sqrt(2.0));
            const double inside = static_cast<double>(std::count_if(v.begin(), v.end(), [&](T x) { return std::abs(x) < k; })) /
                                  static_cast<double>(big_n);
            CAPTURE(k);
            CHECK(std::abs(inside - p) < six_se * std::sqrt(p * (1 - p)));
        }
        CHECK(ks_distance(v, [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }) < ks_bound);
    }

    TEST_CASE("normal values are Box-Muller of the same words") {
        for (std::uint64_t k : {0ull, 1ull, 12345ull, 0x100000000ull}) {
            const auto b = rng::random_words(5, k);
            const double u1 = 1 - uniform_double_of({{b.w[0], b.w[1], 0, 0}}), u2 = uniform_double_of({{b.w[2], b.w[3], 0, 0}});
            // Tolerance (1 + |z|) * eps: the angle 2 pi u2 rounds by up to 2 pi 2^-p absolute
            // (p = 53, 24), scaled by sqrt(-2 log u1) < 9; log, sqrt, cos add a few ULPs.
            // Double: 1e-13 leaves a wide margin.
            CHECK(rng::random_normal<double>(5, k) ==
                  doctest::Approx(std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2)).epsilon(1e-13));
            const double f1 = 1 - uniform_float_of({{b.w[0], 0, 0, 0}}), f2 = std::ldexp(static_cast<double>(b.w[1] >> 8), -24);
            // Float: 2 pi 2^-24 * 5.8 = 2.2e-6 from the angle, plus a few float ULPs: 4e-6.
            CHECK(rng::random_normal<float>(5, k) ==
                  doctest::Approx(std::sqrt(-2 * std::log(f1)) * std::cos(2 * std::numbers::pi * f2)).epsilon(4e-6));
        }
    }

    TEST_CASE("the same seed gives the same values, other seeds others") {
        const std::vector<float> a = jf::array<float>(jf::random::uniform<float>(10000, 1)).to_host();
        const std::vector<float> b = jf::array<float>(jf::random::uniform<float>(10000, 1)).to_host();
        const std::vector<float> c = jf::array<float>(jf::random::uniform<float>(10000, 2)).to_host();
        const std::vector<float> hi = jf::array<float>(jf::random::uniform<float>(10000, 1ull << 32 | 1)).to_host();
        CHECK(a == b);
        // Two independent streams share an element with probability 2^-24 per element.
        const auto same = [&](const std::vector<float>& x) {
            return std::inner_product(a.begin(), a.end(), x.begin(), 0, std::plus<>(), std::equal_to<>());
        };
        CHECK(same(c) < 5);
        CHECK(same(hi) < 5);
        // Uniform and normal of one seed are different arrays.
        const std::vector<float> n = jf::array<float>(jf::random::normal<float>(10000, 1)).to_host();
        CHECK(same(n) < 5);
    }

    TEST_CASE("values do not depend on the thread count") {
        test::settings_scope restore;
        const i64 n = 300'000;  // several parallel chunks and reduction blocks
        std::vector<std::vector<double>> runs;
        std::vector<double> sums;
        for (int threads : {1, 2, 5}) {
            jf::config().num_threads = threads;
            runs.push_back(jf::array<double>(jf::random::normal<double>(n, 3) * 2.0).to_host());
            sums.push_back(jf::sum(jf::random::uniform<double>(n, 3)).item());
        }
        for (std::size_t i = 1; i < runs.size(); ++i) {
            CHECK(runs[i] == runs[0]);
            CHECK(sums[i] == sums[0]);
        }
    }

    TEST_CASE("element k is the same alone, inside expressions, strided and transposed") {
        const i64 r = 37, c = 53;
        const std::uint64_t seed = 11;
        const auto u = [&] { return jf::random::uniform<float, 2>({r, c}, seed); };
        const std::vector<float> alone = jf::array<float, 2>(u()).to_host();
        for (i64 k = 0; k < r * c; ++k) REQUIRE(alone[k] == rng::random_uniform<float>(seed, k));

        // Exact operations, so each result must equal the random array element for element.
        jf::array<float, 1> x = jf::arange<float>(0, static_cast<double>(r * c));
        jf::array<float, 2> x2 = x.reshape<2>({r, c});
        CHECK(jf::array<float, 2>(jf::where(x2 >= 0.0f, u(), -1.0f)).to_host() == alone);
        CHECK(jf::array<float, 2>(u() + 0.0f).to_host() == alone);
        // A transposed operand makes the pass strided; a transposed target too.
        jf::array<float, 2> zt = jf::zeros<float, 2>({c, r});
        CHECK(jf::array<float, 2>(u() + zt.transpose()).to_host() == alone);
        jf::array<float, 2> target({c, r});
        jf::array<float, 2> view = target.transpose();
        view = u();
        CHECK(view.clone().to_host() == alone);
    }

    TEST_CASE("a random array broadcasts like an array of its shape") {
        const i64 r = 6, c = 70;
        const std::vector<double> row = jf::array<double>(jf::random::uniform<double>(c, 5)).to_host();
        const std::vector<double> col = jf::array<double>(jf::random::uniform<double>(r, 5)).to_host();
        const jf::array<double, 2> zero = jf::zeros<double, 2>({r, c});
        const std::vector<double> by_row = jf::array<double, 2>(jf::random::uniform<double, 2>({1, c}, 5) + zero).to_host();
        const std::vector<double> by_rank = jf::array<double, 2>(zero + jf::random::uniform<double>(c, 5)).to_host();
        const std::vector<double> by_col = jf::array<double, 2>(jf::random::uniform<double, 2>({r, 1}, 5) + zero).to_host();
        for (i64 i = 0; i < r; ++i)
            for (i64 j = 0; j < c; ++j) {
                CAPTURE(i);
                CAPTURE(j);
                REQUIRE(by_row[i * c + j] == row[j]);
                REQUIRE(by_rank[i * c + j] == row[j]);
                REQUIRE(by_col[i * c + j] == col[i]);
            }
        // Rank 3, the middle axis broadcast: (i, j, k) reads element i * 5 + k of (2, 1, 5),
        // the same bits as the flat stream on the same device (whose log1p, sqrt and cospi
        // are the host's on the CPU, within a few ulp of them on a GPU).
        const std::vector<float> flat = jf::array<float>(jf::random::normal<float>(10, 8)).to_host();
        for (i64 k = 0; k < 10; ++k) {
            const float want = rng::random_normal<float>(8, k);
            CHECK(std::fabs(flat[k] - want) <= 1e-6f * (std::fabs(want) + 1.0f));
        }
        const std::vector<float> r3 =
            jf::array<float, 3>(jf::random::normal<float, 3>({2, 1, 5}, 8) + jf::zeros<float, 3>({2, 3, 5})).to_host();
        for (i64 i = 0; i < 2; ++i)
            for (i64 j = 0; j < 3; ++j)
                for (i64 k = 0; k < 5; ++k) CHECK(r3[(i * 3 + j) * 5 + k] == flat[i * 5 + k]);
        // A shape variable gives its rank (float by default).
        const jf::shape_t<3> small{2, 1, 5};
        const auto n3 = jf::random::normal(small, 8);
        static_assert(std::is_same_v<decltype(n3)::value_type, float> && decltype(n3)::rank == 3);
        const std::vector<float> n3_host = jf::array<float, 3>(n3).to_host();
        const std::vector<double> u3_host = jf::array<double, 3>(jf::random::uniform<double>(small, 3)).to_host();
        for (i64 k = 0; k < 10; ++k) {
            CHECK(n3_host[k] == flat[k]);
            CHECK(u3_host[k] == rng::random_uniform<double>(3, k));
        }
        // Two random arrays of different shapes broadcast against each other.
        const std::vector<float> outer =
            jf::array<float, 2>(jf::random::uniform<float, 2>({4, 1}, 1) * jf::random::uniform<float, 2>({1, 3}, 2)).to_host();
        for (i64 i = 0; i < 4; ++i)
            for (i64 j = 0; j < 3; ++j)
                CHECK(outer[i * 3 + j] == rng::random_uniform<float>(1, i) * rng::random_uniform<float>(2, j));
    }

    TEST_CASE("random leaves under shift, cumsum and tie") {
        const i64 r = 7, c = 9, n = 1000;
        const std::vector<float> shifted =
            jf::array<float, 2>(jf::shift(jf::random::uniform<float, 2>({r, c}, 1), {1, -1}, jf::boundary::clamp)).to_host();
        for (i64 i = 0; i < r; ++i)
            for (i64 j = 0; j < c; ++j)
                CHECK(shifted[i * c + j] == rng::random_uniform<float>(1, std::min(i + 1, r - 1) * c + std::max<i64>(j - 1, 0)));
        const std::vector<double> running = jf::array<double>(jf::cumsum(jf::random::uniform<double>(n, 2), 0)).to_host();
        long double total = 0;
        for (i64 k = 0; k < n; ++k) {
            total += rng::random_uniform<double>(2, k);
            // A sequential double sum of k + 1 values below 1: error below (k + 1)^2 eps.
            CHECK(std::abs(running[k] - total) <= static_cast<long double>((k + 1) * (k + 1)) * 0x1p-53);
        }
        jf::array<float> u, z;
        jf::tie(u, z) = jf::tuple(jf::random::uniform<float>(n, 4), jf::random::normal<float>(n, 4) * 2.0f);
        const std::vector<float> uv = u.to_host(), zv = z.to_host();
        for (i64 k = 0; k < n; ++k) {
            CHECK(uv[k] == rng::random_uniform<float>(4, k));
            // Bit-identical on the CPU; a GPU's log1pf, sqrtf and cospif are each within 2 ulp.
            const float want = rng::random_normal<float>(4, k) * 2.0f;
            CHECK(std::fabs(zv[k] - want) <= 1e-6f * (std::fabs(want) + 1.0f));
        }
    }

    TEST_CASE("fused reductions equal reductions of the materialised array") {
        const i64 n = 100'003;  // several reduction blocks and a ragged tail
        const jf::array<float> a = jf::random::uniform<float>(n, 7);
        // The same fixed reduction order over the same values: identical results.
        CHECK(jf::sum(jf::random::uniform<float>(n, 7)).item() == jf::sum(a).item());
        CHECK(jf::max(jf::random::uniform<float>(n, 7)).item() == jf::max(a).item());
        CHECK(jf::argmin(jf::random::uniform<float>(n, 7)).item() == jf::argmin(a).item());
        // And both within the blocked-summation bound of the long-double sum: lanes add ~1024
        // values in sequence, then ~log2(n) merges: (1024 + 32) eps * sum |x|.
        const std::vector<float> v = a.to_host();
        const long double exact = std::accumulate(v.begin(), v.end(), 0.0L);
        CHECK(std::abs(jf::sum(a).item() - exact) <= 1056 * 0x1p-24 * exact);

        const i64 r = 300, c = 257;
        const auto u = [&] { return jf::random::normal<double, 2>({r, c}, 21); };
        const jf::array<double, 2> m = u();
        for (int axis : {0, 1}) {
            CAPTURE(axis);
            CHECK(jf::array<double>(jf::sum(u(), axis)).to_host() == jf::array<double>(jf::sum(m, axis)).to_host());
            CHECK(jf::array<std::int64_t>(jf::argmax(u(), axis)).to_host() ==
                  jf::array<std::int64_t>(jf::argmax(m, axis)).to_host());
        }
        // A reduction nested in an expression that also reads the random array. The two means
        // may add in different orders (a GPU sizes each kernel's grid by its occupancy): they
        // differ by a few eps * sum |x| / n at most, ~1e-13 here; a wrong value would be O(1).
        const std::vector<double> nested = jf::array<double, 2>(u() - jf::mean(u())).to_host(),
                                  stored = jf::array<double, 2>(m - jf::mean(m)).to_host();
        REQUIRE(nested.size() == stored.size());
        double worst = 0;
        for (std::size_t k = 0; k < nested.size(); ++k) worst = std::max(worst, std::fabs(nested[k] - stored[k]));
        CHECK(worst <= 1e-12);
    }

    TEST_CASE("edge cases: empty, one element, rank 0 and 3, negative extents") {
        CHECK(jf::array<float>(jf::random::uniform<float>(0, 1)).size() == 0);
        CHECK(jf::array<double, 2>(jf::random::normal<double, 2>({0, 3}, 1)).size() == 0);
        CHECK(jf::sum(jf::random::uniform<float>(0, 1)).item() == 0.0f);
        CHECK_THROWS_AS(jf::max(jf::random::uniform<float>(0, 1)).item(), jf::shape_error);

        CHECK(jf::array<float>(jf::random::uniform<float>(1, 9)).to_host() ==
              std::vector<float>{rng::random_uniform<float>(9, 0)});
        // Bit-identical on the CPU; within a few ulp where a GPU's log1p, sqrt and cospi run.
        CHECK(std::fabs(jf::sum(jf::random::normal<double>(1, 9)).item() - rng::random_normal<double>(9, 0)) <=
              1e-14 * (std::fabs(rng::random_normal<double>(9, 0)) + 1));
        CHECK(jf::array<float, 0>(jf::random::uniform<float, 0>({}, 9)).to_host() ==
              std::vector<float>{rng::random_uniform<float>(9, 0)});

        const std::vector<double> r3 = jf::array<double, 3>(jf::random::uniform<double, 3>({3, 4, 5}, 4)).to_host();
        for (i64 k = 0; k < 60; ++k) CHECK(r3[k] == rng::random_uniform<double>(4, k));

        CHECK_THROWS_AS(jf::random::uniform<float>(-1, 0), jf::shape_error);
        CHECK_THROWS_AS((jf::random::normal<double, 2>({3, -2}, 0)), jf::shape_error);
    }

    TEST_CASE("explain shows the random call; NVRTC compiles every layout") {
        const i64 n = 1000;
        const jf::kernel_info flat = jf::explain(jf::random::uniform<float>(n, 7) * 2.0f);
        CHECK(flat.layout == "flat_vector");
        CHECK(flat.source.find("jf::uint64_t p0") != std::string::npos);
        CHECK(flat.source.find("jf::random_uniform<float>(p0, c * E + e)") != std::string::npos);
        CHECK(flat.bytes_read == 0);  // nothing is read from memory

        const jf::array<double, 2> zero = jf::zeros<double, 2>({4, n});
        const auto broadcast = jf::random::normal<double, 2>({1, n}, 7) + zero;
        const jf::kernel_info strided = jf::explain(broadcast);
        CHECK(strided.layout == "strided");
        CHECK(strided.source.find("jf::random_normal<double>(p0, jf::offset(coord, s0))") != std::string::npos);
        CHECK(strided.bytes_read == zero.size() * sizeof(double));

        const auto whole = jf::sum(jf::random::uniform<double>(n, 7));
        CHECK(jf::explain(whole).source.find("jf::random_uniform<double>(p0, i)") != std::string::npos);
        const auto rows = jf::sum(jf::random::uniform<float, 2>({3, n}, 7), 1);

        // The prelude carries the stream, inlined from the header the host uses.
        const std::string& prelude = flat.headers.at("jitfuse/prelude.cuh");
        CHECK(prelude.find("#line 1 \"jitfuse/detail/philox.cuh\"") != std::string::npos);
        CHECK(prelude.find("random_normal<double>(uint64_t seed, uint64_t index)") != std::string::npos);
        CHECK(prelude.find("#include \"jitfuse/detail/philox.cuh\"") == std::string::npos);

        const std::string why = jf::detail::nvrtc_unavailable_reason();
        if (!why.empty()) {
            MESSAGE("skipped NVRTC: " << why);
            return;
        }
        jf::precompile(jf::random::uniform<float>(n, 7) * 2.0f, "sm_90");
        jf::precompile(broadcast, "sm_90");
        jf::precompile(whole, "sm_90");
        jf::precompile(rows, "sm_90");
        jf::precompile(jf::sum(jf::random::normal<float, 2>({n, 3}, 7), 0), "sm_90");
    }
}
