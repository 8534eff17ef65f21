// SPDX-License-Identifier: Apache-2.0
// Multi-output evaluation: `jf::tie(a, b) = jf::tuple(e1, e2)` in one pass, against host loops.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <random>
#include <string>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

template <int R>
void check_tie_values(std::mt19937_64& rng, int trials) {
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec s = random_shape(rng, R, trial % 3 == 2);
        auto x = make_view<float, R>(rng, s, random_layout(rng));
        auto y = make_view<std::int32_t, R>(rng, s, random_layout(rng));
        layout tl = random_layout(rng);
        if (tl == layout::broadcast) tl = layout::strided;
        auto t0 = make_view<float, R>(rng, s, tl);  // a strided target
        INFO("rank " << R << " trial " << trial << "\n  x: " << x.desc << "\n  y: " << y.desc << "\n  t0: " << t0.desc);
        const std::size_t n = static_cast<std::size_t>(count(s));

        // Different dtypes per output; preallocated, strided and empty targets.
        jf::array<float, R> sum_out = t0.view;
        jf::array<std::int32_t, R> prod_out = jf::zeros<std::int32_t, R>(to_shape<R>(s));
        jf::array<bool, R> cmp_out;
        jf::array<double, R> cast_out;
        jf::reset_stats();
        jf::tie(sum_out, prod_out, cmp_out, cast_out) =
            jf::tuple(x.view + y.view, y.view * 3 - 1, x.view > y.view, jf::cast<double>(x.view) * 0.5);
        CHECK(jft::default_device_launches() == 1);

        hbuf<float> w_sum(n);
        hbuf<std::int32_t> w_prod(n);
        hbuf<bool> w_cmp(n);
        hbuf<double> w_cast(n);
        for (std::size_t i = 0; i < n; ++i) {
            w_sum[i] = x.expect[i] + static_cast<float>(y.expect[i]);
            w_prod[i] = y.expect[i] * 3 - 1;
            w_cmp[i] = x.expect[i] > static_cast<float>(y.expect[i]);
            w_cast[i] = static_cast<double>(x.expect[i]) * 0.5;
        }
        check_array(sum_out, s, w_sum, "x + y into a strided view");
        check_array(prod_out, s, w_prod, "y * 3 - 1");
        check_array(cmp_out, s, w_cmp, "x > y into an empty array");
        check_array(cast_out, s, w_cast, "cast<double>(x) * 0.5 into an empty array");
        CHECK(to_vec(cmp_out.shape()) == s);
        // The strided target wrote through to its base, and only where the view is.
        hbuf<float> base_want = t0.base_host;
        for (std::size_t f = 0; f < t0.map.size(); ++f) base_want[t0.map[f]] = w_sum[f];
        check_array(t0.base, to_vec(t0.base.shape()), base_want, "base of the strided target");
    }
}

}  // namespace

TEST_SUITE("tie") {

TEST_CASE("tie(a, b, ...) = tuple(e1, e2, ...) over random views, one pass") {
    const std::uint64_t seed = 0x71E;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    check_tie_values<1>(rng, 8);
    check_tie_values<2>(rng, 8);
    check_tie_values<3>(rng, 6);
    check_tie_values<4>(rng, 4);
}

TEST_CASE("tie: two outputs, big arrays, one pass, targets keep their buffers") {
    const std::int64_t n = 1 << 20;
    auto x = jf::arange<float>(n);
    jf::array<float> a(n), b(n);
    float* const pa = a.data();
    float* const pb = b.data();
    jf::reset_stats();
    jf::tie(a, b) = jf::tuple(x + 1.f, x * 2.f);
    CHECK(jft::default_device_launches() == 1);
    CHECK(a.data() == pa);
    CHECK(b.data() == pb);
    const auto ha = a.to_host(), hb = b.to_host();
    bool ok = true;
    for (std::int64_t i = 0; i < n && ok; ++i) ok = ha[i] == static_cast<float>(i) + 1.f && hb[i] == static_cast<float>(i) * 2.f;
    CHECK(ok);
    // Broadcasting inside the expressions.
    auto m = jf::zeros<float, 2>({512, 2048});
    auto row = jf::arange<float>(2048);
    auto col = jf::arange<float>(512).reshape<2>({512, 1});
    jf::array<float, 2> p, q;
    jf::reset_stats();
    jf::tie(p, q) = jf::tuple(m + row, col - m);
    CHECK(jft::default_device_launches() == 1);
    CHECK(p.to_host()[2048 * 3 + 5] == 5.f);
    CHECK(q.to_host()[2048 * 3 + 5] == 3.f);
}

TEST_CASE("tie: mismatched shapes are shape errors") {
    auto x = jf::ones<float, 2>({3, 4});
    auto y = jf::ones<float, 2>({4, 3});
    jf::array<float, 2> a = jf::zeros<float, 2>({3, 4});
    jf::array<float, 2> b = jf::zeros<float, 2>({3, 4});
    jf::array<float, 2> wrong = jf::zeros<float, 2>({4, 3});
    CHECK_THROWS_AS(jf::tie(a, b) = jf::tuple(x, y), jf::shape_error);  // expressions differ
    CHECK_THROWS_AS(jf::tie(a, wrong) = jf::tuple(x, x * 2.f), jf::shape_error);  // a target differs
    CHECK_THROWS_AS(jf::tie(wrong, a) = jf::tuple(x, x * 2.f), jf::shape_error);
    // Nothing was written.
    check_array(a, {3, 4}, hbuf<float>(12, 0.f));
    check_array(b, {3, 4}, hbuf<float>(12, 0.f));
    check_array(wrong, {4, 3}, hbuf<float>(12, 0.f));
    try {
        jf::tie(a, b) = jf::tuple(x, y);
    } catch (const jf::shape_error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("expression 2 has shape (4, 3) but expression 1 has shape (3, 4)") != std::string::npos);
    }
    // An empty target stays empty when another target is wrong.
    jf::array<float, 2> fresh;
    CHECK_THROWS_AS(jf::tie(fresh, wrong) = jf::tuple(x, x), jf::shape_error);
    CHECK(fresh.empty());
    // A broadcast view as a target.
    auto bview = jf::ones<float>(4).broadcast_to<2>({3, 4});
    CHECK_THROWS_AS(jf::tie(a, bview) = jf::tuple(x, x), jf::shape_error);
    // A moved-from operand.
    jf::array<float, 2> gone(std::move(y));
    CHECK_THROWS_AS(jf::tie(a, b) = jf::tuple(x, y), jf::error);  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("tie: outputs that are also inputs give the temporary-evaluation result") {
    const std::uint64_t seed = 0xA11A;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (const std::int64_t n : {1, 3, 1000, 70001}) {
        INFO("n = " << n);
        hbuf<float> hx(static_cast<std::size_t>(n)), hy(static_cast<std::size_t>(n));
        for (std::size_t i = 0; i < hx.size(); ++i) {
            hx[i] = small_value<float>(rng);
            hy[i] = small_value<float>(rng);
        }
        hbuf<float> w1(hx.size()), w2(hx.size());
        {
            auto x = jf::from_host(hx.span()), y = jf::from_host(hy.span());
            jf::tie(x, y) = jf::tuple(x + 1.f, x * 2.f);  // y reads the old x
            for (std::size_t i = 0; i < hx.size(); ++i) {
                w1[i] = hx[i] + 1.f;
                w2[i] = hx[i] * 2.f;
            }
            check_array(x, {n}, w1, "x = x + 1");
            check_array(y, {n}, w2, "y = old x * 2");
        }
        {
            auto x = jf::from_host(hx.span()), y = jf::from_host(hy.span());
            jf::tie(x, y) = jf::tuple(y * 1.f, x * 1.f);  // a swap of values
            check_array(x, {n}, hy, "x = old y");
            check_array(y, {n}, hx, "y = old x");
        }
        {
            auto x = jf::from_host(hx.span()), y = jf::from_host(hy.span());
            jf::tie(x, y) = jf::tuple(x(jf::range(n - 1, -1, -1)) + y, x - y(jf::range(n - 1, -1, -1)));
            for (std::size_t i = 0; i < hx.size(); ++i) {
                w1[i] = hx[n - 1 - i] + hy[i];
                w2[i] = hx[i] - hy[n - 1 - i];
            }
            check_array(x, {n}, w1, "x = rev(x) + y");
            check_array(y, {n}, w2, "y = x - rev(y)");
        }
        {
            // Two outputs that are views of one buffer.
            auto both = jf::from_host(hx.span());
            auto z = jf::zeros<float>(2 * n);
            auto lo = z(jf::range(0, n)), hi = z(jf::range(2 * n - 1, n - 1, -1));
            jf::tie(lo, hi) = jf::tuple(both + 1.f, both * 3.f);
            const auto hz = z.to_host();
            bool ok = true;
            for (std::int64_t i = 0; i < n && ok; ++i) ok = hz[i] == hx[i] + 1.f && hz[2 * n - 1 - i] == hx[i] * 3.f;
            CHECK(ok);
        }
        {
            // Reductions inside the tuple are computed first.
            auto x = jf::from_host(hx.span());
            jf::array<float> c, d;
            jf::tie(c, d) = jf::tuple(x - jf::max(x), x * jf::sum(x));
            float mx = hx[0];
            long double s = 0;
            for (std::size_t i = 0; i < hx.size(); ++i) {
                mx = std::max(mx, hx[i]);
                s += hx[i];
            }
            for (std::size_t i = 0; i < hx.size(); ++i) {
                w1[i] = hx[i] - mx;
                w2[i] = hx[i] * static_cast<float>(s);
            }
            check_array(c, {n}, w1, "x - max(x)");
            check_array(d, {n}, w2, "x * sum(x)");
            // A reduction as a whole expression of the tuple.
            auto m2 = x.reshape<2>({1, n});
            jf::array<float> r1, r2;
            jf::tie(r1, r2) = jf::tuple(jf::sum(m2, 0), m2(0, jf::all) * 2.f);
            for (std::size_t i = 0; i < hx.size(); ++i) w2[i] = hx[i] * 2.f;
            check_array(r1, {n}, hx, "sum(m2, 0) in a tuple");
            check_array(r2, {n}, w2, "beside it");
        }
    }
}

}  // TEST_SUITE
