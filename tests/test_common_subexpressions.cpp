// SPDX-License-Identifier: Apache-2.0
// Common subexpressions: within one statement, a reduction or scan that several parts of the
// expression read is computed once. Each lazy statement is compared with the same computation
// staged by hand (every shared node assigned to an array first): the same values, bit for bit,
// in exactly as many passes. Nodes that differ in any run-time value (a number, an axis, a
// view, a seed, an offset, a fill, a window) must not be taken for one another; statements,
// threads and failed statements share nothing.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

/// Launches made by `f()`, which evaluates one or more statements.
template <class F>
std::uint64_t launches_of(F&& f) {
    jf::reset_stats();
    f();
    return default_device_launches();
}

/// Calls `f(x, shape)` with random small-integer matrices `x` (view_case) of random layouts,
/// the last one big (the multi-threaded path); `nonempty`: no empty axis (max needs elements).
template <class F>
void for_random_matrices(std::uint64_t seed, int trials, bool nonempty, F&& f) {
    std::mt19937_64 rng(seed);
    for (int trial = 0; trial < trials; ++trial) {
        shape_vec shape = random_shape(rng, 2, trial == trials - 1);
        if (nonempty)
            for (auto& d : shape) d = std::max<i64>(d, 1);
        auto x = make_view<std::int32_t, 2>(rng, shape, random_layout(rng));
        INFO(x.desc);
        f(x, shape);
    }
}

}  // namespace

TEST_CASE("a per-row reduction read by the pass and by another reduction is computed once") {
    for_random_matrices(11, 8, true, [](const auto& x, const shape_vec& shape) {
        // Row by row: c = x - max(row), y = c * sum(c) (small integers: exact).
        hbuf<std::int32_t> model(count(shape));
        for (i64 r = 0; r < shape[0]; ++r) {
            std::int32_t hi = x.expect[r * shape[1]], total = 0;
            for (i64 c = 0; c < shape[1]; ++c) hi = std::max(hi, x.expect[r * shape[1] + c]);
            for (i64 c = 0; c < shape[1]; ++c) total += x.expect[r * shape[1] + c] - hi;
            for (i64 c = 0; c < shape[1]; ++c) model[r * shape[1] + c] = (x.expect[r * shape[1] + c] - hi) * total;
        }

        const auto c = x.view - jf::expand_dims(jf::max(x.view, 1), 1);
        jf::array<std::int32_t, 2> lazy;
        const auto lazy_launches = launches_of([&] { lazy = c * jf::expand_dims(jf::sum(c, 1), 1); });
        check_array(lazy, shape, model, "lazy");

        jf::array<std::int32_t, 2> staged;
        const auto staged_launches = launches_of([&] {
            const jf::array<std::int32_t> hi = jf::max(x.view, 1);
            const auto c_staged = x.view - jf::expand_dims(hi, 1);
            const jf::array<std::int32_t> total = jf::sum(c_staged, 1);
            staged = c_staged * jf::expand_dims(total, 1);
        });
        check_array(staged, shape, model, "staged");
        CHECK(lazy_launches == staged_launches);
    });
}

TEST_CASE("standardizing: the mean read three times, once inside the variance, is computed once") {
    std::mt19937_64 rng(22);
    for_each_type(types<float, double>{}, [&](auto type) {
        using T = typename decltype(type)::type;
        for (int trial = 0; trial < 6; ++trial) {
            const shape_vec shape = {2 + static_cast<i64>(rng() % (trial == 5 ? 90000 : 500))};
            std::normal_distribution<double> normal(3.0, 2.0);
            const layout lay = trial % 2 ? layout::strided : layout::contiguous;  // not broadcast: sd > 0
            auto x = make_view<T, 1>(rng, shape, lay, [&](auto& g) { return static_cast<T>(normal(g)); });
            INFO(type_name<T>() << " " << x.desc);

            jf::array<T> lazy;
            const auto lazy_launches = launches_of([&] {
                lazy = (x.view - jf::mean(x.view)) / jf::sqrt(jf::mean(jf::square(x.view - jf::mean(x.view))));
            });
            jf::array<T> staged;
            const auto staged_launches = launches_of([&] {
                const jf::array<T, 0> m = jf::mean(x.view);
                const jf::array<T, 0> var = jf::mean(jf::square(x.view - m));
                staged = (x.view - m) / jf::sqrt(var);
            });
            CHECK(lazy_launches == staged_launches);
            check_array(lazy, shape, staged.to_host(), "the staged computation, bit for bit");

            // Against long double: each sum of n terms is within n ULP of its terms' magnitude;
            // x - mean then carries the mean's error, relative to the deviation |x - mean| / sd.
            const i64 n = shape[0];
            long double mean = 0, var = 0, widest = 0;
            for (i64 i = 0; i < n; ++i) mean += x.expect[i];
            mean /= n;
            for (i64 i = 0; i < n; ++i) var += (x.expect[i] - mean) * (x.expect[i] - mean);
            const long double sd = std::sqrt(var / n);
            for (i64 i = 0; i < n; ++i) widest = std::max(widest, std::fabs(x.expect[i] - mean) / sd);
            const auto got = lazy.to_host();
            const long double scale = std::fabs(mean) / sd + widest;  // magnitudes the sums carry
            const double tol = static_cast<double>((n + 8) * (1 + scale)) * std::numeric_limits<T>::epsilon();
            double worst = 0;
            for (i64 i = 0; i < n; ++i)
                worst = std::max(worst, static_cast<double>(std::fabs(got[i] - (x.expect[i] - mean) / sd)));
            CHECK(worst <= tol);
        }
    });
}

TEST_CASE("a scan, a shift under expand_dims and the operands of tie are computed once") {
    for_random_matrices(33, 6, false, [](const auto& x, const shape_vec& shape) {

        {  // a scan read twice
            jf::array<std::int32_t, 2> lazy, staged;
            const auto lazy_launches = launches_of([&] { lazy = jf::cumsum(x.view, 1) * (jf::cumsum(x.view, 1) + 1); });
            const auto staged_launches = launches_of([&] {
                const jf::array<std::int32_t, 2> s = jf::cumsum(x.view, 1);
                staged = s * (s + 1);
            });
            CHECK(lazy_launches == staged_launches);
            hbuf<std::int32_t> model(count(shape));
            for (i64 r = 0; r < shape[0]; ++r)
                for (i64 c = 0, run = 0; c < shape[1]; ++c) {
                    run += x.expect[r * shape[1] + c];
                    model[r * shape[1] + c] = static_cast<std::int32_t>(run * (run + 1));
                }
            check_array(lazy, shape, model);
            check_array(staged, shape, model);
        }
        {  // a shift under expand_dims, twice
            const auto moved = jf::expand_dims(jf::shift(x.view, {1, -1}, jf::boundary::clamp), 0);
            jf::array<std::int32_t, 3> lazy, staged;
            const auto lazy_launches = launches_of([&] { lazy = moved * moved - moved; });
            const auto staged_launches = launches_of([&] {
                const jf::array<std::int32_t, 2> s = jf::shift(x.view, {1, -1}, jf::boundary::clamp);
                staged = s.expand_dims(0) * s.expand_dims(0) - s.expand_dims(0);
            });
            CHECK(lazy_launches == staged_launches);
            check_array(lazy, to_vec(staged.shape()), staged.to_host());
        }
        {  // a row sum read by both expressions of tie
            jf::array<std::int32_t, 2> a, b, sa, sb;
            const auto total = jf::expand_dims(jf::sum(x.view, 1), 1);
            const auto lazy_launches = launches_of([&] { jf::tie(a, b) = jf::tuple(x.view - total, x.view * total); });
            const auto staged_launches = launches_of([&] {
                const jf::array<std::int32_t> s = jf::sum(x.view, 1);
                jf::tie(sa, sb) = jf::tuple(x.view - s.expand_dims(1), x.view * s.expand_dims(1));
            });
            CHECK(lazy_launches == staged_launches);
            hbuf<std::int32_t> ma(count(shape)), mb(count(shape));
            for (i64 r = 0; r < shape[0]; ++r) {
                std::int32_t s = 0;
                for (i64 c = 0; c < shape[1]; ++c) s += x.expect[r * shape[1] + c];
                for (i64 c = 0; c < shape[1]; ++c) {
                    ma[r * shape[1] + c] = x.expect[r * shape[1] + c] - s;
                    mb[r * shape[1] + c] = x.expect[r * shape[1] + c] * s;
                }
            }
            check_array(a, shape, ma);
            check_array(b, shape, mb);
        }
    });
}

namespace {

/// `a + b` in one statement against `a` and `b` assigned apart: the two nodes, of one C++ type,
/// differ in one run-time value and must both be computed. The case can fail: their values differ.
template <class A, class B>
void check_kept_apart(const char* what, const A& a, const B& b) {
    INFO(what);
    using T = typename A::value_type;
    constexpr int R = A::rank;
    static_assert(std::is_same_v<A, B>, "the two nodes must have one C++ type");
    const jf::array<T, R> first = a, second = b;
    const auto fa = first.to_host(), fb = second.to_host();
    bool differ = false;  // bit for bit: NaN == NaN here, which != would not see
    for (std::size_t i = 0; i < fa.size(); ++i) differ = differ || !same_value<T>(fa[i], fb[i]);
    REQUIRE(differ);
    std::vector<T> want(fa.size());
    for (std::size_t i = 0; i < fa.size(); ++i) want[i] = fa[i] + fb[i];
    jf::array<T, R> both;
    const auto both_launches = launches_of([&] { both = a + b; });
    const auto apart_launches = launches_of([&] {
        const jf::array<T, R> ca = a, cb = b;
        jf::array<T, R> sum = ca + cb;
    });
    CHECK(both_launches == apart_launches);
    check_array(both, to_vec(first.shape()), want);
}

}  // namespace

TEST_CASE("nodes that differ in any run-time value are computed apart") {
    const shape_vec shape = {9, 9};
    std::mt19937_64 rng(44);
    auto x = make_view<std::int32_t, 2>(rng, shape, layout::contiguous);
    const jf::array<std::int32_t, 2>& m = x.view;
    check_kept_apart("a C++ number", jf::sum(m * 2, 1), jf::sum(m * 3, 1));
    check_kept_apart("an axis", jf::sum(m, 0), jf::sum(m, 1));
    check_kept_apart("a view's strides", jf::cumsum(m, 1), jf::cumsum(m.transpose(), 1));
    check_kept_apart("a view's address", jf::cumsum(m(jf::range(0, 8), jf::all), 1), jf::cumsum(m(jf::range(1, 9), jf::all), 1));
    check_kept_apart("a window", jf::rolling_max(m, 2, 1), jf::rolling_max(m, 3, 1));
    check_kept_apart("a shift's offset", jf::cumsum(jf::shift(m, {0, 1}, jf::boundary::clamp), 1),
                     jf::cumsum(jf::shift(m, {0, 2}, jf::boundary::clamp), 1));
    check_kept_apart("a shift's fill", jf::cumsum(jf::shift(m, {0, 3}, jf::boundary::constant(1)), 1),
                     jf::cumsum(jf::shift(m, {0, 3}, jf::boundary::constant(2)), 1));
    check_kept_apart("a seed", jf::rolling_max(jf::random::uniform<float, 2>({9, 9}, 1), 2, 1),
                     jf::rolling_max(jf::random::uniform<float, 2>({9, 9}, 2), 2, 1));
    check_kept_apart("a negative zero", jf::cumsum(jf::where(m > 0, 1.f / (m * 0.f), 0.f), 1),
                     jf::cumsum(jf::where(m > 0, 1.f / (m * -0.f), 0.f), 1));
}

TEST_CASE("statements, failed statements and threads share nothing") {
    std::mt19937_64 rng(55);
    auto x = make_view<std::int32_t, 1>(rng, {17}, layout::contiguous);
    const auto centred = [&](const hbuf<std::int32_t>& v, std::int32_t scale) {
        std::int32_t total = 0;
        for (i64 i = 0; i < 17; ++i) total += v[i] * scale;
        hbuf<std::int32_t> out(17);
        for (i64 i = 0; i < 17; ++i) out[i] = v[i] * scale * 17 - total;
        return out;
    };
    jf::array<std::int32_t> y = x.view * 17 - jf::sum(x.view);
    check_array(y, {17}, centred(x.expect, 1));

    // A statement that fails after computing sum(x) keeps nothing: x changes in place (its
    // address stays), and the next statement sees the new sum.
    const jf::array<std::int32_t> empty = jf::zeros<std::int32_t>(0);
    CHECK_THROWS_AS(y = x.view * 17 - jf::sum(x.view) + jf::min(empty), jf::shape_error);
    x.view *= 2;
    y = x.view * 17 - jf::sum(x.view);
    check_array(y, {17}, centred(x.expect, 2), "after a failed statement");

    // Threads evaluating the same expression type on their own arrays at once: each keeps its
    // own list (a shared one would race, which the sanitizer presets report).
    std::vector<std::thread> threads;
    std::vector<int> right(4, 0);
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            const jf::array<std::int32_t> v = jf::full<std::int32_t>(1000, t + 1);
            bool ok = true;
            for (int round = 0; round < 50; ++round) {
                const jf::array<std::int32_t> d = v * (jf::sum(v) - jf::sum(v) + 1);
                ok = ok && d.to_host() == std::vector<std::int32_t>(1000, t + 1);
            }
            right[t] = ok;
        });
    for (auto& th : threads) th.join();
    CHECK(right == std::vector<int>(4, 1));
}
