// SPDX-License-Identifier: Apache-2.0
// Reductions: sum prod min max mean any all argmin argmax, whole and along every axis, on
// random strided / transposed / broadcast views and fused maps, against host loops
// (long double sums). Empty inputs, result dtypes, NaN rules, float error bounds, use of
// axis results in later expressions, determinism over thread counts, no temporaries.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

enum class red { sum, prod, min, max, mean, any, all, argmin, argmax };
constexpr red all_reds[] = {red::sum, red::prod, red::min, red::max, red::mean,
                            red::any, red::all, red::argmin, red::argmax};
const char* red_name(red k) {
    constexpr const char* names[] = {"sum", "prod", "min", "max", "mean", "any", "all", "argmin", "argmax"};
    return names[static_cast<int>(k)];
}
constexpr bool needs_elements(red k) {
    return k == red::min || k == red::max || k == red::argmin || k == red::argmax;
}

template <red K, class E>
auto reduce(const E& e) {
    if constexpr (K == red::sum) return jf::sum(e);
    else if constexpr (K == red::prod) return jf::prod(e);
    else if constexpr (K == red::min) return jf::min(e);
    else if constexpr (K == red::max) return jf::max(e);
    else if constexpr (K == red::mean) return jf::mean(e);
    else if constexpr (K == red::any) return jf::any(e);
    else if constexpr (K == red::all) return jf::all(e);
    else if constexpr (K == red::argmin) return jf::argmin(e);
    else return jf::argmax(e);
}
template <red K, class E>
auto reduce(const E& e, std::int64_t axis) {
    if constexpr (K == red::sum) return jf::sum(e, axis);
    else if constexpr (K == red::prod) return jf::prod(e, axis);
    else if constexpr (K == red::min) return jf::min(e, axis);
    else if constexpr (K == red::max) return jf::max(e, axis);
    else if constexpr (K == red::mean) return jf::mean(e, axis);
    else if constexpr (K == red::any) return jf::any(e, axis);
    else if constexpr (K == red::all) return jf::all(e, axis);
    else if constexpr (K == red::argmin) return jf::argmin(e, axis);
    else return jf::argmax(e, axis);
}

template <red K, class T>
using result_t = typename decltype(reduce<K>(std::declval<const jf::array<T, 1>&>()))::value_type;

template <class T>
bool isnan_(T v) {
    if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
    else return false;
}

/// The NumPy / JAX result of reducing `v` (in logical order), computed independently:
/// sums and products in long double (floats) or modulo 2^64 (integers, then narrowed,
/// which is the same as wrapping in the result type).
template <red K, class T>
result_t<K, T> reference(const std::vector<T>& v) {
    using RT = result_t<K, T>;
    const std::size_t n = v.size();
    if constexpr (K == red::sum || K == red::mean) {
        if constexpr (std::is_floating_point_v<T>) {
            long double s = 0;
            for (auto x : v) s += x;
            if constexpr (K == red::sum) return static_cast<RT>(s);
            else return n ? static_cast<RT>(s / static_cast<long double>(n)) : std::numeric_limits<RT>::quiet_NaN();
        } else {
            std::uint64_t s = 0;
            long double ls = 0;
            for (auto x : v) {
                s += static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
                ls += static_cast<long double>(x);
            }
            if constexpr (K == red::sum) return static_cast<RT>(s);
            else return n ? static_cast<RT>(ls / static_cast<long double>(n)) : std::numeric_limits<RT>::quiet_NaN();
        }
    } else if constexpr (K == red::prod) {
        if constexpr (std::is_floating_point_v<T>) {
            long double p = 1;
            for (auto x : v) p *= x;
            return static_cast<RT>(p);
        } else {
            std::uint64_t p = 1;
            for (auto x : v) p *= static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
            return static_cast<RT>(p);
        }
    } else if constexpr (K == red::any) {
        bool r = false;
        for (auto x : v) r = r || x != T(0);
        return r;
    } else if constexpr (K == red::all) {
        bool r = true;
        for (auto x : v) r = r && x != T(0);
        return r;
    } else if constexpr (K == red::min || K == red::max) {
        T m = v.at(0);
        for (auto x : v) {
            if (isnan_(x)) return x;
            if (K == red::min ? x < m : x > m) m = x;
        }
        return m;
    } else {
        std::int64_t best = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (isnan_(v[i])) return static_cast<std::int64_t>(i);  // the first NaN wins
            if (K == red::argmin ? v[i] < v[best] : v[i] > v[best]) best = static_cast<std::int64_t>(i);
        }
        (void)v.at(0);
        return best;
    }
}

/// Results are compared exactly (the data are small integers, dyadic values or special
/// values, so every order of evaluation gives the same bits), except `mean`, which divides:
/// the quotient is correctly rounded once in jitfuse (double, then narrowed) and once in the
/// reference (long double, then narrowed); the two may differ by one rounding of the result.
template <red K, class RT>
bool close(RT got, RT want) {
    if constexpr (K == red::mean) {
        if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
        if (got == want) return true;  // also +-inf
        return std::fabs(got - want) <= 2 * std::numeric_limits<RT>::epsilon() * std::fabs(want);
    } else return same_value<RT>(got, want);
}

/// Values for prod that keep every partial product exact and in range: +-1, and rarely 2 or
/// 1/2 (floats: each one in `rare`) or 2, 3 (integers wrap exactly anyway); zeros only where
/// `zeros` says. Over n floats the exponent of a partial product wanders about
/// sqrt(2 n / rare): `rare` must grow with n (n / 128 keeps it about 16, far from float's 127).
template <class T>
T prod_value(std::mt19937_64& rng, std::uint64_t rare = 512) {
    if constexpr (std::is_same_v<T, bool>) return rng() % 8 != 0;
    else if constexpr (std::is_floating_point_v<T>) {
        const auto r = rng() % rare;
        if (r == 0) return T(2);
        if (r == 1) return T(0.5);
        return rng() & 1 ? T(1) : T(-1);
    } else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(1 + rng() % 3);
    else {
        const auto r = rng() % 4;
        return r == 0 ? T(2) : r == 1 ? T(3) : (rng() & 1 ? T(1) : T(-1));
    }
}

/// Small integers, many ties, some zeros; `special` adds NaN and +-inf for floats.
template <class T>
T red_value(std::mt19937_64& rng, int mode) {
    if constexpr (std::is_floating_point_v<T>) {
        if (mode == 2) {
            const auto r = rng() % 64;
            if (r == 0) return std::numeric_limits<T>::quiet_NaN();
            if (r == 1) return std::numeric_limits<T>::infinity();
            if (r == 2) return -std::numeric_limits<T>::infinity();
        }
    }
    if (mode == 1) {  // no zeros: all() can be true
        if constexpr (std::is_same_v<T, bool>) return true;
        else return nonzero_value<T>(rng);
    }
    if constexpr (std::is_same_v<T, bool>) return rng() % 4 != 0;
    else return small_value<T>(rng);
}

/// Checks reduction K of view `v` (contents `expect`, shape `s`) whole and along every axis.
template <red K, class T, int R>
void check_reduction(const jf::array<T, R>& v, const hbuf<T>& expect, const shape_vec& s, const std::string& what) {
    using RT = result_t<K, T>;
    INFO(std::string(red_name(K)) << " of " << type_name<T>() << " " << what);
    const i64 n = count(s);
    // Whole.
    {
        auto e = reduce<K>(v);
        static_assert(std::is_same_v<typename decltype(e)::value_type, RT>);
        static_assert(decltype(e)::rank == 0);
        if (needs_elements(K) && n == 0) {
            CHECK_THROWS_AS((void)e.item(), jf::shape_error);
        } else {
            std::vector<T> all(static_cast<std::size_t>(n));
            for (i64 i = 0; i < n; ++i) all[i] = expect[i];
            const RT want = reference<K, T>(all);
            const RT got = e.item();
            INFO("whole: got " << show(got) << ", want " << show(want));
            CHECK(close<K, RT>(got, want));
        }
    }
    // Along each axis, given as d and as d - R.
    for (int d = 0; d < R; ++d) {
        const std::int64_t axis = (d % 2) ? d - R : d;
        INFO("axis " << axis);
        shape_vec os;
        for (int k = 0; k < R; ++k)
            if (k != d) os.push_back(s[k]);
        if (needs_elements(K) && s[d] == 0) {
            jf::array<RT, R - 1> out;
            CHECK_THROWS_AS(out = reduce<K>(v, axis), jf::shape_error);
            continue;
        }
        jf::array<RT, R - 1> out = reduce<K>(v, axis);
        REQUIRE(to_vec(out.shape()) == os);
        const auto got = out.to_host();
        std::size_t bad = got.size();
        RT bad_want{};
        std::vector<T> line(static_cast<std::size_t>(s[d]));
        for (i64 f = 0; f < count(os); ++f) {
            auto oi = unravel(f, os);
            shape_vec idx(R);
            for (int k = 0, o = 0; k < R; ++k) idx[k] = k == d ? 0 : oi[o++];
            for (i64 j = 0; j < s[d]; ++j) {
                idx[d] = j;
                line[j] = expect[ravel(idx, s)];
            }
            const RT want = reference<K, T>(line);
            if (!close<K, RT>(static_cast<RT>(got[f]), want)) {
                bad = static_cast<std::size_t>(f);
                bad_want = want;
                break;
            }
        }
        INFO("output shape " << str(os));
        const std::string mismatch = bad == got.size() ? std::string("none")
            : "at " + std::to_string(bad) + ": got " + show(static_cast<RT>(got[bad])) + ", want " + show(bad_want);
        INFO("first mismatch: " << mismatch);
        CHECK(bad == got.size());
    }
}

/// Checks every reduction of a random view of shape `s` (red_value's `mode`).
template <class T, int R>
void check_every_reduction(std::mt19937_64& rng, const shape_vec& s, layout lay, int mode, const std::string& trial) {
    auto c = make_view<T, R>(rng, s, lay, [mode](std::mt19937_64& g) { return red_value<T>(g, mode); });
    const std::string what = trial + " mode " + std::to_string(mode) + ": " + c.desc;
    check_reduction<red::sum, T, R>(c.view, c.expect, s, what);
    check_reduction<red::min, T, R>(c.view, c.expect, s, what);
    check_reduction<red::max, T, R>(c.view, c.expect, s, what);
    check_reduction<red::mean, T, R>(c.view, c.expect, s, what);
    check_reduction<red::any, T, R>(c.view, c.expect, s, what);
    check_reduction<red::all, T, R>(c.view, c.expect, s, what);
    check_reduction<red::argmin, T, R>(c.view, c.expect, s, what);
    check_reduction<red::argmax, T, R>(c.view, c.expect, s, what);
    const std::uint64_t rare = std::max<std::uint64_t>(512, static_cast<std::uint64_t>(count(s)) / 128);
    auto p = make_view<T, R>(rng, s, lay, [rare](std::mt19937_64& g) { return prod_value<T>(g, rare); });
    check_reduction<red::prod, T, R>(p.view, p.expect, s, "prod data: " + p.desc);
}

template <class T, int R>
void check_all_reductions(std::mt19937_64& rng, int trials, int mode) {
    for (int trial = 0; trial < trials; ++trial)
        check_every_reduction<T, R>(rng, random_shape(rng, R, trial % 4 == 3), random_layout(rng), mode,
                                    "trial " + std::to_string(trial));
}

/// Fused maps feeding reductions: checked through the map's values computed on the host.
template <class T, int R>
void check_fused(std::mt19937_64& rng, int trials) {
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec s = random_shape(rng, R, trial % 3 == 2);
        auto x = make_view<T, R>(rng, s, random_layout(rng));
        auto y = make_view<T, R>(rng, s, random_layout(rng));
        const std::string what = "fused trial " + std::to_string(trial) + ": x " + x.desc + " y " + y.desc;
        hbuf<T> xy(x.expect.size()), dev(x.expect.size());
        for (std::size_t i = 0; i < xy.size(); ++i) {
            xy[i] = x.expect[i] * y.expect[i];
            dev[i] = std::fabs(x.expect[i] - T(1));
        }
        check_reduction<red::sum, T, R>(jf::eval(x.view * y.view), xy, s, what + " (materialized x*y)");
        // The fused forms themselves.
        {
            INFO(what);
            std::vector<T> all(xy.data(), xy.data() + xy.size());
            CHECK(jf::sum(x.view * y.view).item() == reference<red::sum, T>(all));
            if (!all.empty()) CHECK(jf::argmax(x.view * y.view).item() == reference<red::argmax, T>(all));
            for (int d = 0; d < R; ++d) {
                if (s[d] == 0) {
                    CHECK_THROWS_AS((void)jf::eval(jf::max(jf::abs(x.view - T(1)), d)), jf::shape_error);
                    continue;
                }
                jf::array<T, R - 1> got = jf::max(jf::abs(x.view - T(1)), d);
                jf::array<T, R - 1> want = jf::max(jf::eval(jf::abs(x.view - T(1))), d);
                const auto g = got.to_host(), w = want.to_host();
                CHECK(g == w);
                jf::array<T, R - 1> sums = jf::sum(x.view * y.view, d - R);
                jf::array<T, R - 1> sums_ref = jf::sum(jf::eval(x.view * y.view), d);
                CHECK(sums.to_host() == sums_ref.to_host());
            }
        }
        check_reduction<red::max, T, R>(jf::eval(jf::abs(x.view - T(1))), dev, s, what + " (|x - 1|)");
    }
}

/// The error bound for a float sum: a summation tree of depth d has
/// |error| <= d * u * sum|x_i| (Higham, 4.2; u = eps / 2). jitfuse sums 16 lanes of up to
/// 1024 elements each and merges pairwise, so the worst case has a depth of about 1024 +
/// log2(n); but rounding errors of values with random signs and magnitudes add like a random
/// walk, so the error grows like sqrt(depth), far below 2 * (log2(n) + 1) * eps * sum|x_i|
/// for every n tested here (and exactly 0 for n <= 1).
template <class T>
long double sum_tolerance(const std::vector<T>& v) {
    long double abs_sum = 0;
    for (auto x : v) abs_sum += std::fabs(static_cast<long double>(x));
    const long double n = static_cast<long double>(v.size());
    return 2 * (std::log2(std::max<long double>(n, 1)) + 1) * std::numeric_limits<T>::epsilon() * abs_sum;
}

}  // namespace

TEST_SUITE("reduce") {

TEST_CASE("every reduction, whole and along every axis, over random views and types") {
    const std::uint64_t seed = 0x5EED5;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (int mode : {0, 1}) {
        check_all_reductions<float, 1>(rng, 6, mode);
        check_all_reductions<float, 2>(rng, 6, mode);
        check_all_reductions<float, 3>(rng, 6, mode);
        check_all_reductions<float, 4>(rng, 5, mode);
        check_all_reductions<std::int32_t, 1>(rng, 6, mode);
        check_all_reductions<std::int32_t, 2>(rng, 6, mode);
        check_all_reductions<std::int32_t, 3>(rng, 5, mode);
        check_all_reductions<std::int32_t, 4>(rng, 5, mode);
        check_all_reductions<double, 2>(rng, 5, mode);
        check_all_reductions<double, 3>(rng, 4, mode);
        check_all_reductions<std::int64_t, 2>(rng, 5, mode);
        check_all_reductions<std::int64_t, 3>(rng, 4, mode);
        check_all_reductions<std::uint8_t, 1>(rng, 5, mode);
        check_all_reductions<std::uint8_t, 3>(rng, 5, mode);
        check_all_reductions<bool, 1>(rng, 5, mode);
        check_all_reductions<bool, 2>(rng, 5, mode);
        check_all_reductions<bool, 3>(rng, 4, mode);
    }
}

TEST_CASE("column reductions of wide rows: bands of many tiles, a part band, a cut reduced axis") {
    // Rows wider than the band of the inner axis that a work unit folds (over more than 8
    // reduced positions 64 KiB of states: 16384 floats for sum, 4096 for argmax) and not a
    // whole number of tiles (512 elements); for float sums enough rows that the reduced axis
    // is cut into pieces, later merged; reduced over 3 positions, bands of one tile. argmin
    // and argmax take 8 rows at a time: an array's where they lie, others stacked (below: a
    // fused map against the same values stored); floating sums, min and max 8 of an array's
    // rows at a time, where their states fill more than 8 KiB or the rows are at most 8.
    const std::uint64_t seed = 0xBA2D;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (layout lay : {layout::contiguous, layout::strided, layout::broadcast}) {
        check_every_reduction<float, 2>(rng, {70, 16384 + 4096 + 700}, lay, 2, "wide");
        check_every_reduction<double, 3>(rng, {3, 40, 8192 + 600}, lay, 0, "wide");
        check_every_reduction<std::int32_t, 2>(rng, {9, 16384 + 513}, lay, 0, "wide");
        // Few values, many ties, and enough rows that argmin and argmax cut them too: two bands
        // (4096 and 700 columns), 5 pieces of 64 rows, folded as arg_columns and merged as states.
        check_every_reduction<float, 2>(rng, {300, 4096 + 700}, lay, 0, "cut");
    }
    auto c = make_view<float, 2>(rng, {37, 5000}, layout::strided, [](std::mt19937_64& g) { return red_value<float>(g, 2); });
    INFO(c.desc);
    for (int d = 0; d < 2; ++d) {
        const jf::array<float, 2> stored = jf::eval(c.view * 2.f + 1.f);
        CHECK(jf::array<std::int64_t>(jf::argmax(c.view * 2.f + 1.f, d)).to_host() ==
              jf::array<std::int64_t>(jf::argmax(stored, d)).to_host());
        CHECK(jf::array<std::int64_t>(jf::argmin(c.view * 2.f + 1.f, d)).to_host() ==
              jf::array<std::int64_t>(jf::argmin(stored, d)).to_host());
    }
}

TEST_CASE("NaN and infinities: min/max propagate NaN, argmin/argmax take the first NaN") {
    const std::uint64_t seed = 0x7A7A;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    check_all_reductions<float, 1>(rng, 8, 2);
    check_all_reductions<float, 2>(rng, 8, 2);
    check_all_reductions<double, 3>(rng, 6, 2);

    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto x = jf::from_host(std::vector<float>{3, nan, -1, nan, 7});
    CHECK(std::isnan(jf::min(x).item()));
    CHECK(std::isnan(jf::max(x).item()));
    CHECK(jf::argmin(x).item() == 1);
    CHECK(jf::argmax(x).item() == 1);
    auto m = jf::from_host(std::vector<float>{1, 5, nan, 2, 2, 0, nan, 9, 4, 4, 4, 4}, {3, 4});
    // Rows: [1 5 nan 2] [2 0 nan 9] [4 4 4 4]
    check_array(jf::eval(jf::argmax(m, 1)), {3}, std::vector<std::int64_t>{2, 2, 0});
    check_array(jf::eval(jf::argmin(m, 1)), {3}, std::vector<std::int64_t>{2, 2, 0});
    // Columns: [1 2 4] [5 0 4] [nan nan 4] [2 9 4]
    check_array(jf::eval(jf::argmax(m, 0)), {4}, std::vector<std::int64_t>{2, 0, 0, 1});
    check_array(jf::eval(jf::argmin(m, 0)), {4}, std::vector<std::int64_t>{0, 1, 0, 0});
    const auto mx = jf::eval(jf::max(m, 0)).to_host();
    CHECK((mx[0] == 4 && mx[1] == 5 && std::isnan(mx[2]) && mx[3] == 9));

    // The first NaN wins also when NaNs sit in different blocks and threads.
    const std::int64_t n = 1 << 20;
    std::vector<double> big(n, 1.0);
    big[700000] = std::nan("");
    big[900000] = std::nan("");
    big[12345] = -5.0;
    big[800000] = 50.0;
    auto b = jf::from_host(big);
    CHECK(jf::argmax(b).item() == 700000);
    CHECK(jf::argmin(b).item() == 700000);
    CHECK(std::isnan(jf::min(b).item()));
    big[700000] = 1.0;
    big[900000] = 1.0;
    b = jf::from_host(big);
    CHECK(jf::argmax(b).item() == 800000);
    CHECK(jf::argmin(b).item() == 12345);
    CHECK(jf::min(b).item() == -5.0);
}

TEST_CASE("argmin and argmax return the first index on ties") {
    auto x = jf::from_host(std::vector<std::int32_t>{3, 1, 1, 3, 2, 1, 3});
    CHECK(jf::argmin(x).item() == 1);
    CHECK(jf::argmax(x).item() == 0);
    CHECK(jf::argmax(x(jf::range(6, -1, -1))).item() == 0);  // index 6 of x
    CHECK(jf::argmin(x(jf::range(6, -1, -1))).item() == 1);  // index 5 of x
    // Over many blocks and threads: the extreme at several places.
    const std::int64_t n = 3'000'001;
    std::vector<std::int64_t> v(n, 5);
    for (std::int64_t i : {2'999'000, 1'500'000, 40'000, 1'000'000}) v[i] = 9;
    for (std::int64_t i : {2'000'000, 17'000, 2'500'000}) v[i] = -9;
    auto b = jf::from_host(v);
    CHECK(jf::argmax(b).item() == 40'000);
    CHECK(jf::argmin(b).item() == 17'000);
    CHECK(jf::argmax(jf::full<float>(100000, 2.f)).item() == 0);
    CHECK(jf::argmin(jf::full<float>(100000, 2.f)).item() == 0);
    // Along the outer axis (reduced across rows).
    auto m = b(jf::range(0, 3'000'000)).reshape<2>({3000, 1000});
    jf::array<std::int64_t> am = jf::argmax(m, 0);
    const auto h = am.to_host();
    CHECK(h[0] == 40);    // rows 40, 1000, 1500, 2999 hold a 9 in column 0 -> the first
    CHECK(h[1] == 0);     // all 5
    jf::array<std::int64_t> an = jf::argmin(m, 0);
    CHECK(an.to_host()[0] == 17);  // 17'000 = row 17 col 0; 2'000'000 = row 2000; 2'500'000 = row 2500
}

TEST_CASE("empty inputs") {
    for (const auto& s : {shape_vec{0}, shape_vec{3, 0}, shape_vec{0, 4}, shape_vec{2, 0, 3}}) {
        INFO("shape " << str(s));
        auto check_shape = [&]<int R>(std::integral_constant<int, R>) {
            auto x = jf::zeros<float, R>(to_shape<R>(s));
            CHECK(jf::sum(x).item() == 0.f);
            CHECK(jf::prod(x).item() == 1.f);
            CHECK(jf::any(x).item() == false);
            CHECK(jf::all(x).item() == true);
            CHECK(std::isnan(jf::mean(x).item()));
            CHECK_THROWS_AS((void)jf::min(x).item(), jf::shape_error);
            CHECK_THROWS_AS((void)jf::max(x).item(), jf::shape_error);
            CHECK_THROWS_AS((void)jf::argmin(x).item(), jf::shape_error);
            CHECK_THROWS_AS((void)jf::argmax(x).item(), jf::shape_error);
            auto xi = jf::zeros<std::int32_t, R>(to_shape<R>(s));
            CHECK(jf::sum(xi).item() == 0);
            CHECK(jf::prod(xi).item() == 1);
            CHECK(std::isnan(jf::mean(xi).item()));
            // The message names the reduction and the shape.
            try {
                (void)jf::max(x).item();
            } catch (const jf::shape_error& e) {
                const std::string msg = e.what();
                INFO(msg);
                CHECK(msg.find("max") != std::string::npos);
                CHECK(msg.find(str(s)) != std::string::npos);
            }
        };
        if (s.size() == 1) check_shape(std::integral_constant<int, 1>{});
        if (s.size() == 2) check_shape(std::integral_constant<int, 2>{});
        if (s.size() == 3) check_shape(std::integral_constant<int, 3>{});
    }
    // Along an empty axis: identities per output, or shape_error; along a non-empty axis of
    // an empty array: an empty result.
    auto x = jf::zeros<float, 2>({3, 0});
    check_array(jf::eval(jf::sum(x, 1)), {3}, hbuf<float>(3, 0.f));
    check_array(jf::eval(jf::prod(x, 1)), {3}, hbuf<float>(3, 1.f));
    check_array(jf::eval(jf::any(x, 1)), {3}, hbuf<bool>(3, false));
    check_array(jf::eval(jf::all(x, -1)), {3}, hbuf<bool>(3, true));
    check_array(jf::eval(jf::mean(x, 1)), {3}, hbuf<float>(3, std::numeric_limits<float>::quiet_NaN()));
    CHECK_THROWS_AS((void)jf::eval(jf::min(x, 1)), jf::shape_error);
    CHECK_THROWS_AS((void)jf::eval(jf::max(x, -1)), jf::shape_error);
    CHECK_THROWS_AS((void)jf::eval(jf::argmin(x, 1)), jf::shape_error);
    CHECK_THROWS_AS((void)jf::eval(jf::argmax(x, 1)), jf::shape_error);
    CHECK(jf::eval(jf::min(x, 0)).shape() == jf::shape_t<1>{0});
    CHECK(jf::eval(jf::argmax(x, 0)).shape() == jf::shape_t<1>{0});
    // An empty reduction used inside a larger expression fails the same way.
    auto y = jf::ones<float>(3);
    CHECK_THROWS_AS((void)jf::eval(y - jf::max(x, 1)), jf::shape_error);
    check_array(jf::eval(y - jf::sum(x, 1)), {3}, hbuf<float>(3, 1.f));
}

TEST_CASE("result dtypes") {
    using jf::array;
    static_assert(std::is_same_v<result_t<red::sum, bool>, std::int32_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::int8_t>, std::int32_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::int16_t>, std::int32_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::uint8_t>, std::uint32_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::uint16_t>, std::uint32_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::int32_t>, std::int32_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::int64_t>, std::int64_t>);
    static_assert(std::is_same_v<result_t<red::sum, std::uint64_t>, std::uint64_t>);
    static_assert(std::is_same_v<result_t<red::sum, float>, float>);
    static_assert(std::is_same_v<result_t<red::sum, double>, double>);
    static_assert(std::is_same_v<result_t<red::prod, std::int8_t>, std::int32_t>);
    static_assert(std::is_same_v<result_t<red::prod, std::uint8_t>, std::uint32_t>);
    static_assert(std::is_same_v<result_t<red::mean, std::int32_t>, float>);
    static_assert(std::is_same_v<result_t<red::mean, std::int64_t>, float>);
    static_assert(std::is_same_v<result_t<red::mean, bool>, float>);
    static_assert(std::is_same_v<result_t<red::mean, double>, double>);
    static_assert(std::is_same_v<result_t<red::min, std::uint8_t>, std::uint8_t>);
    static_assert(std::is_same_v<result_t<red::max, std::int8_t>, std::int8_t>);
    static_assert(std::is_same_v<result_t<red::argmin, float>, std::int64_t>);
    static_assert(std::is_same_v<result_t<red::argmax, std::uint8_t>, std::int64_t>);
    static_assert(std::is_same_v<result_t<red::any, float>, bool>);
    static_assert(std::is_same_v<result_t<red::all, std::int32_t>, bool>);
    static_assert(std::is_same_v<decltype(jf::sum(std::declval<array<std::int8_t, 2>&>(), 0))::value_type, std::int32_t>);
    static_assert(decltype(jf::sum(std::declval<array<std::int8_t, 3>&>(), 1))::rank == 2);

    // Widened sums do not overflow the input type.
    const std::int64_t n = 50000;
    auto i8 = jf::full<std::int8_t>(n, std::int8_t{120});
    CHECK(jf::sum(i8).item() == 120 * n);
    auto u8 = jf::full<std::uint8_t>(n, std::uint8_t{250});
    CHECK(jf::sum(u8).item() == 250u * n);
    auto bl = jf::arange<std::int32_t>(n) % 3 == 0;
    CHECK(jf::sum(bl).item() == (n + 2) / 3);
    auto i16 = jf::full<std::int16_t>(n, std::int16_t{-30000});
    CHECK(jf::sum(i16).item() == -30000 * n);
    // int32 wraps (JAX keeps int32).
    auto big = jf::full<std::int32_t>(n, 100000);
    CHECK(jf::sum(big).item() == static_cast<std::int32_t>(static_cast<std::uint32_t>(100000u * n)));
    // mean of integers is float32, computed without int overflow.
    CHECK(jf::mean(big).item() == 100000.f);
    CHECK(jf::mean(jf::arange<std::int32_t>(101)).item() == 50.f);
    CHECK(jf::mean(bl).item() == doctest::Approx(static_cast<double>((n + 2) / 3) / n));
    jf::array<float> mrows = jf::mean(jf::arange<std::int64_t>(12).reshape<2>({3, 4}), 1);
    check_array(mrows, {3}, std::vector<float>{1.5f, 5.5f, 9.5f});
}

TEST_CASE("axes: negative axes, out-of-range axes are shape errors") {
    auto x = jf::arange<float>(24).reshape<3>({2, 3, 4});
    for (int a = -3; a < 3; ++a) {
        INFO("axis " << a);
        CHECK_NOTHROW((void)jf::eval(jf::sum(x, a)));
    }
    CHECK(jf::eval(jf::sum(x, -1)).shape() == jf::shape_t<2>{2, 3});
    CHECK(jf::eval(jf::sum(x, -3)).shape() == jf::shape_t<2>{3, 4});
    for (int a : {3, 4, -4, -100}) {
        INFO("axis " << a);
        CHECK_THROWS_AS((void)jf::sum(x, a), jf::shape_error);
        CHECK_THROWS_AS((void)jf::argmax(x, a), jf::shape_error);
        CHECK_THROWS_AS((void)jf::all(x, a), jf::shape_error);
        try {
            (void)jf::max(x, a);
        } catch (const jf::shape_error& e) {
            const std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find("(2, 3, 4)") != std::string::npos);
            CHECK(msg.find(std::to_string(a)) != std::string::npos);
        }
    }
    auto v = jf::arange<float>(5);
    CHECK_THROWS_AS((void)jf::sum(v, 1), jf::shape_error);
    CHECK_THROWS_AS((void)jf::sum(v, -2), jf::shape_error);
    CHECK(jf::sum(v, -1).item() == 10.f);
    // The extremes of int64 are axes like any other: out of range.
    for (const std::int64_t a : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
        INFO("axis " << a);
        CHECK_THROWS_AS((void)jf::sum(x, a), jf::shape_error);
        CHECK_THROWS_AS((void)jf::sum(v, a), jf::shape_error);
        CHECK_THROWS_AS((void)jf::all(x, a), jf::shape_error);
    }
}

TEST_CASE("fused maps feeding reductions") {
    const std::uint64_t seed = 0xF05ED;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    check_fused<float, 1>(rng, 6);
    check_fused<float, 2>(rng, 6);
    check_fused<float, 3>(rng, 5);
    check_fused<double, 4>(rng, 4);

    // The examples from the contract.
    const std::int64_t n = 100003;
    std::vector<float> hx(n), hy(n);
    for (std::int64_t i = 0; i < n; ++i) {
        hx[i] = static_cast<float>(i % 7) - 3.f;
        hy[i] = static_cast<float>(i % 5) * 0.5f;
    }
    auto x = jf::from_host(hx), y = jf::from_host(hy);
    long double dot = 0;
    for (std::int64_t i = 0; i < n; ++i) dot += static_cast<long double>(hx[i]) * hy[i];
    CHECK(jf::sum(x * y).item() == static_cast<float>(dot));  // exact: small dyadic values
    auto m = x(jf::range(0, 100000)).reshape<2>({400, 250});
    jf::array<float> rowmax = jf::max(jf::abs(m - 1.0f), 1);
    std::vector<float> want(400);
    for (int r = 0; r < 400; ++r) {
        float mx = -1;
        for (int c = 0; c < 250; ++c) mx = std::max(mx, std::fabs(hx[r * 250 + c] - 1.f));
        want[r] = mx;
    }
    check_array(rowmax, {400}, want, "max(abs(x - 1), 1)");
}

TEST_CASE("float sums and means within the error bound") {
    const std::uint64_t seed = 0xF1047;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_type(types<float, double>{}, [&]<class T>(std::type_identity<T>) {
        for (const std::int64_t n : {std::int64_t{1}, std::int64_t{2}, std::int64_t{100}, std::int64_t{4097},
                                     std::int64_t{(1 << 16) + 3}, std::int64_t{(1 << 20) + 7}, std::int64_t{1} << 22}) {
            for (int dist = 0; dist < 3; ++dist) {
                INFO(type_name<T>() << " n = " << n << " distribution " << dist);
                std::vector<T> v(static_cast<std::size_t>(n));
                std::uniform_real_distribution<T> u(dist == 0 ? T(-1) : T(0), T(1));
                std::uniform_real_distribution<T> e(-20, 20);
                for (auto& x : v) x = dist == 2 ? std::exp2(e(rng)) * (rng() & 1 ? T(1) : T(-1)) : u(rng);
                auto a = jf::from_host(v);
                long double s = 0;
                for (auto x : v) s += x;
                const long double tol = sum_tolerance(v);
                const T got = jf::sum(a).item();
                INFO("sum: got " << show(got) << ", exact " << static_cast<double>(s) << ", tolerance " << static_cast<double>(tol));
                CHECK(std::fabs(static_cast<long double>(got) - s) <= tol);
                const T mean = jf::mean(a).item();
                // The mean adds one rounding of the quotient.
                CHECK(std::fabs(static_cast<long double>(mean) - s / n) <=
                      tol / n + std::numeric_limits<T>::epsilon() * std::fabs(s / n));
                // Reversed: the same bound.
                const T rgot = jf::sum(a(jf::range(n - 1, -1, -1))).item();
                CHECK(std::fabs(static_cast<long double>(rgot) - s) <= tol);
            }
        }
        // Along both axes of a (rows, cols) matrix and its transpose.
        const std::int64_t rows = 517, cols = 1031;
        std::vector<T> v(static_cast<std::size_t>(rows * cols));
        std::uniform_real_distribution<T> u(-1, 1);
        for (auto& x : v) x = u(rng);
        auto m = jf::from_host(v, {rows, cols});
        for (int variant = 0; variant < 2; ++variant) {
            auto src = variant == 0 ? m : m.transpose();
            const i64 R0 = variant == 0 ? rows : cols, C0 = variant == 0 ? cols : rows;
            auto at = [&](i64 i, i64 j) { return variant == 0 ? v[i * cols + j] : v[j * cols + i]; };
            for (int axis = 0; axis < 2; ++axis) {
                INFO(type_name<T>() << (variant ? " transposed" : "") << " axis " << axis);
                jf::array<T> got = jf::sum(src, axis);
                jf::array<T> mean = jf::mean(src, axis);
                const auto g = got.to_host(), mg = mean.to_host();
                const i64 outer = axis == 0 ? C0 : R0, len = axis == 0 ? R0 : C0;
                i64 bad = -1;
                for (i64 o = 0; o < outer && bad < 0; ++o) {
                    std::vector<T> line(static_cast<std::size_t>(len));
                    for (i64 k = 0; k < len; ++k) line[k] = axis == 0 ? at(k, o) : at(o, k);
                    long double s = 0;
                    for (auto x : line) s += x;
                    const long double tol = sum_tolerance(line);
                    if (std::fabs(g[o] - s) > tol) bad = o;
                    if (std::fabs(mg[o] - s / len) > tol / len + std::numeric_limits<T>::epsilon() * std::fabs(s / len)) bad = o;
                }
                CHECK(bad == -1);
            }
        }
    });
}

TEST_CASE("axis results in later expressions: row softmax, x - max(x, 0)") {
    const std::uint64_t seed = 0x50F7;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const std::pair<i64, i64> sizes[] = {{1, 1}, {7, 13}, {300, 257}, {1000, 33}};
    for (auto [rows, cols] : sizes) {
        INFO(rows << " x " << cols);
        std::vector<float> h(static_cast<std::size_t>(rows * cols));
        std::uniform_real_distribution<float> u(-30, 30);
        for (auto& v : h) v = u(rng);
        auto x = jf::from_host(h, {rows, cols});

        jf::array<float> m = jf::max(x, 1);
        auto mc = m.reshape<2>({rows, 1});
        jf::array<float, 2> e = jf::exp(x - mc);
        jf::array<float> s = jf::sum(e, 1);
        jf::array<float, 2> y = e / s.reshape<2>({rows, 1});

        const auto got = y.to_host();
        double worst = 0;
        for (i64 r = 0; r < rows; ++r) {
            long double mx = h[r * cols];
            for (i64 c = 0; c < cols; ++c) mx = std::max<long double>(mx, h[r * cols + c]);
            long double sum = 0;
            for (i64 c = 0; c < cols; ++c) sum += std::exp(static_cast<long double>(h[r * cols + c]) - mx);
            for (i64 c = 0; c < cols; ++c) {
                const long double want = std::exp(static_cast<long double>(h[r * cols + c]) - mx) / sum;
                const long double err = std::fabs(got[r * cols + c] - want);
                // float exp (~1 ulp), a sum of cols terms, a division: relative to max(want, 1/cols)
                worst = std::max<double>(worst, static_cast<double>(err / std::max<long double>(want, 1.0L / cols)));
            }
        }
        CHECK(worst <= 1e-5);

        // A (cols,) axis result broadcast against (rows, cols) directly.
        jf::array<float, 2> centered = x - jf::max(x, 0);
        jf::array<float, 2> centered2 = jf::max(x, 0) - x;
        const auto c1 = centered.to_host(), c2 = centered2.to_host();
        bool ok = true;
        for (i64 c = 0; c < cols && ok; ++c) {
            float mx = h[c];
            for (i64 r = 0; r < rows; ++r) mx = std::max(mx, h[r * cols + c]);
            for (i64 r = 0; r < rows && ok; ++r)
                ok = c1[r * cols + c] == h[r * cols + c] - mx && c2[r * cols + c] == mx - h[r * cols + c];
        }
        CHECK(ok);
        // Whole reductions as operands: rank 0 broadcasts.
        jf::array<float, 2> z = (x - jf::mean(x)) / (jf::max(x) - jf::min(x));
        const auto zh = z.to_host();
        long double sum = 0;
        float mn = h[0], mx = h[0];
        for (auto v : h) {
            sum += v;
            mn = std::min(mn, v);
            mx = std::max(mx, v);
        }
        const long double mean = sum / static_cast<long double>(h.size());
        double zworst = 0;
        for (std::size_t i = 0; i < h.size(); ++i)
            if (mx > mn)
                zworst = std::max<double>(zworst, static_cast<double>(std::fabs(zh[i] - (h[i] - mean) / (mx - mn))));
        CHECK(zworst <= 1e-5);
        // Reductions of reductions.
        CHECK(jf::max(jf::max(x, 1)).item() == mx);
        jf::array<float> colmin_of_rowmax = jf::min(jf::max(x.reshape<3>({rows, 1, cols}), 2), 1);
        check_array(colmin_of_rowmax, {rows}, m.to_host(), "min(max(x, 2), 1) of (rows, 1, cols)");
        CHECK(jf::sum(jf::argmax(x, 1) >= 0).item() == rows);
    }
}

TEST_CASE("determinism: bit-identical results for 1, 2, 3 and 8 threads") {
    const std::uint64_t seed = 0xDE7;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const std::int64_t n = (1 << 21) + 12345;
    std::vector<float> h(static_cast<std::size_t>(n));
    std::uniform_real_distribution<float> u(-1, 1);
    for (auto& v : h) v = u(rng);
    auto x = jf::from_host(h);
    const std::int64_t rows = 1000, cols = 2000;
    auto m = x(jf::range(0, rows * cols)).reshape<2>({rows, cols});
    std::vector<double> hd(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < hd.size(); ++i) hd[i] = h[i] * 1.0000001;
    auto xd = jf::from_host(hd);

    struct results {
        float sum, mean, sum_strided, dot;
        double dsum;
        std::int64_t argmax;
        std::vector<float> rows_sum, cols_sum, t_sum, cols_mean, narrow_cols, long_rows, wide_cols;
    };
    auto run = [&] {
        results r;
        r.sum = jf::sum(x).item();
        r.mean = jf::mean(x).item();
        r.sum_strided = jf::sum(x(jf::range(n - 1, -1, -3))).item();
        r.dot = jf::sum(x * x(jf::range(n - 1, -1, -1))).item();
        r.dsum = jf::sum(xd).item();
        r.argmax = jf::argmax(jf::round(x * 100.f)).item();
        r.rows_sum = jf::eval(jf::sum(m, 1)).to_host();
        r.cols_sum = jf::eval(jf::sum(m, 0)).to_host();
        r.t_sum = jf::eval(jf::sum(m.transpose(), 1)).to_host();
        r.cols_mean = jf::eval(jf::mean(m * 2.f, 0)).to_host();
        // Too few outputs to share out: the reduced axis is cut into pieces, merged in order.
        r.narrow_cols = jf::eval(jf::sum(x(jf::range(0, 8 * 250000)).reshape<2>({250000, 8}), 0)).to_host();
        r.long_rows = jf::eval(jf::sum(x(jf::range(0, 2 << 20)).reshape<2>({2, 1 << 20}), 1)).to_host();
        // Two bands of columns (16384 and 100), each over 8 pieces of rows: a thread's share
        // of the 16 work items starts and ends inside a unit's merge tree.
        r.wide_cols = jf::eval(jf::sum(x(jf::range(0, 120 * 16484)).reshape<2>({120, 16484}), 0)).to_host();
        return r;
    };
    auto bits = [](const auto& a, const auto& b) { return std::memcmp(&a, &b, sizeof(a)) == 0; };
    const int saved = jf::config().num_threads;
    std::vector<results> all;
    for (int threads : {1, 2, 3, 8}) {
        thread_count_guard guard(threads);
        all.push_back(run());
    }
    CHECK(jf::config().num_threads == saved);
    for (std::size_t i = 1; i < all.size(); ++i) {
        INFO("thread count #" << i << " against 1 thread");
        CHECK(bits(all[i].sum, all[0].sum));
        CHECK(bits(all[i].mean, all[0].mean));
        CHECK(bits(all[i].sum_strided, all[0].sum_strided));
        CHECK(bits(all[i].dot, all[0].dot));
        CHECK(bits(all[i].dsum, all[0].dsum));
        CHECK(all[i].argmax == all[0].argmax);
        CHECK(all[i].rows_sum == all[0].rows_sum);
        CHECK(all[i].cols_sum == all[0].cols_sum);
        CHECK(all[i].t_sum == all[0].t_sum);
        CHECK(all[i].cols_mean == all[0].cols_mean);
        CHECK(all[i].narrow_cols == all[0].narrow_cols);
        CHECK(all[i].long_rows == all[0].long_rows);
        CHECK(all[i].wide_cols == all[0].wide_cols);
    }
}

namespace {
/// A reducer whose states spell the merges they took in: two merge trees agree exactly where
/// their states do.
struct spelled_merges {
    template <class T>
    using state = std::string;
    template <class T>
    static void merge(std::string& into, const std::string& other) {
        into = "(" + into + " " + other + ")";
    }
};
}  // namespace

TEST_CASE("pieces merged by the threads that folded them, then the rest: the same tree as merged at the end") {
    // Threads fold consecutive pieces and merge the blocks of the tree wholly theirs as they
    // go (merge_finished_blocks); merge_chunks then does the rest. Every piece count up to 70
    // (powers of two and not), cut among 1 to 8 threads at random points, each thread's
    // pieces merged in turn (the order among threads does not matter: their blocks are
    // disjoint).
    const std::uint64_t seed = 0x7EE;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    const std::int64_t width = 3;
    const auto pieces = [&](std::int64_t chunks) {
        std::vector<std::string> p(static_cast<std::size_t>(chunks * width));
        for (std::size_t i = 0; i < p.size(); ++i) p[i] = std::to_string(i);
        return p;
    };
    for (std::int64_t chunks = 1; chunks <= 70; ++chunks) {
        std::vector<std::string> whole = pieces(chunks);
        jf::cpu::merge_chunks<spelled_merges, int>(whole.data(), chunks, width);
        for (int trial = 0; trial < 8; ++trial) {
            std::vector<std::int64_t> cuts{0, chunks};
            for (int t = std::uniform_int_distribution<int>(0, 7)(rng); t > 0; --t)
                cuts.push_back(std::uniform_int_distribution<std::int64_t>(0, chunks)(rng));
            std::sort(cuts.begin(), cuts.end());
            std::vector<std::string> p = pieces(chunks);
            std::vector<std::uint8_t> levels(static_cast<std::size_t>(chunks), 0);
            for (std::size_t t = cuts.size() - 1; t-- > 0;)  // the last thread first
                for (std::int64_t c = cuts[t]; c < cuts[t + 1]; ++c)
                    jf::cpu::merge_finished_blocks<spelled_merges, int>(p.data(), c, cuts[t], chunks, width, levels.data());
            jf::cpu::merge_chunks<spelled_merges, int>(p.data(), chunks, width, levels.data());
            INFO(chunks << " pieces, trial " << trial);
            for (std::int64_t i = 0; i < width; ++i) CHECK(p[i] == whole[i]);
        }
    }
}

TEST_CASE("a fused map + reduce allocates no temporary and runs one pass") {
    const std::int64_t n = std::int64_t{1} << 22;
    auto x = jf::full<float>(n, 0.5f);
    auto y = jf::full<float>(n, 2.f);
    jf::reset_stats();
    const float s = jf::sum(x * y).item();
    const auto st = jf::stats();
    CHECK(s == static_cast<float>(n));
    INFO(st.dump());
    CHECK(st["allocations"]["bytes"].get<std::uint64_t>() < static_cast<std::uint64_t>(n));  // far below n * 4
    CHECK(jft::default_device_launches() == jft::whole_reduction_launches());
    // The same for an axis reduction: only the (rows,) result is allocated.
    auto m = x.reshape<2>({1024, 4096});
    auto w = y.reshape<2>({1024, 4096});
    jf::reset_stats();
    jf::array<float> r = jf::sum(m * w, 1);
    const auto st2 = jf::stats();
    INFO(st2.dump());
    CHECK(st2["allocations"]["bytes"].get<std::uint64_t>() <= 1024 * sizeof(float) + 4096);
    CHECK(jft::default_device_launches() == 1);
    CHECK(r.to_host()[7] == 4096.f);
}

}  // TEST_SUITE
