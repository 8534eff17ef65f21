// SPDX-License-Identifier: Apache-2.0
// expand_dims: of an array, a view with a new axis of extent 1; of an expression, a node pushed
// down to the leaves before the pass, so that it fuses. Checked against a host model on random
// shapes, layouts and every axis (negative ones too), with lower-rank operands, random leaves,
// shifts, scans, tie and aliasing, and a row softmax against long double.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

/// `shape` with an axis of extent 1 inserted at `at`.
shape_vec inserted(shape_vec shape, i64 at) {
    shape.insert(shape.begin() + at, 1);
    return shape;
}

/// Every position of a new axis in an operand of rank R, once as 0..R and once counted
/// from the end (-1 is after the last axis).
template <int R, class F>
void for_each_new_axis(F&& f) {
    for (i64 at = 0; at <= R; ++at) {
        f(at, at);
        f(at - (R + 1), at);
    }
}

}  // namespace

/// Every new axis of a random view of rank R in layout `lay`.
template <int R>
void check_array_views(std::mt19937_64& rng, layout lay) {
    const shape_vec shape = random_shape(rng, R);
    auto v = make_view<std::int32_t, R>(rng, shape, lay);
    for_each_new_axis<R>([&](i64 axis, i64 at) {
        INFO(v.desc << ", axis " << axis);
        const jf::array<std::int32_t, R + 1> e = v.view.expand_dims(axis);
        CHECK(e.buffer() == v.view.buffer());
        CHECK(e.is_contiguous() == v.view.is_contiguous());
        check_array(e, inserted(shape, at), v.expect, "values in the same row-major order");
        CHECK(to_vec(jf::expand_dims(v.view, axis).shape()) == inserted(shape, at));
    });
}

TEST_CASE("expand_dims of an array is a view with a new axis of extent 1") {
    std::mt19937_64 rng(101);
    for (const layout lay : all_layouts) {
        check_array_views<0>(rng, lay);
        check_array_views<1>(rng, lay);
        check_array_views<2>(rng, lay);
        check_array_views<3>(rng, lay);
    }

    SUBCASE("writes go through to the array") {
        jf::array<float, 2> m = jf::zeros<float, 2>({3, 4});
        jf::array<float, 3> column = m(jf::all, 2).expand_dims(1).expand_dims(0);
        CHECK(column.shape() == jf::shape_t<3>{1, 3, 1});
        column = jf::full<float, 3>({1, 3, 1}, 5.f);
        const auto host = m.to_host();
        for (i64 i = 0; i < 12; ++i) CHECK(host[i] == (i % 4 == 2 ? 5.f : 0.f));
    }
    SUBCASE("an axis outside -(rank + 1)..rank is a shape_error naming the shape") {
        const auto m = jf::zeros<float, 2>({3, 4});
        CHECK_THROWS_WITH_AS((void)m.expand_dims(3), doctest::Contains("(3, 4)"), jf::shape_error);
        CHECK_THROWS_WITH_AS((void)m.expand_dims(-4), doctest::Contains("-3..2"), jf::shape_error);
        CHECK_THROWS_AS((void)jf::expand_dims(m * 2.f, std::numeric_limits<i64>::min()), jf::shape_error);
        const jf::array<float, 2> empty;
        CHECK_THROWS_AS((void)empty.expand_dims(0), jf::error);
    }
}

/// `a * 2 - b` (b of lower rank, broadcast) with every new axis, alone and broadcast along
/// it inside a larger expression: one pass each time.
template <int R>
void check_fused_expression(std::mt19937_64& rng, bool big) {
    const shape_vec shape = random_shape(rng, R, big);
    shape_vec low(shape.begin() + 1, shape.end());  // a lower-rank operand, broadcast
    if (!low.empty() && rng() % 2) low[0] = 1;
    auto a = make_view<float, R>(rng, shape, random_layout(rng));
    auto b = make_view<std::int16_t, R - 1>(rng, low, random_layout(rng));
    // Small integers: a * 2 - b is exact, so the model's values are the results' bits.
    hbuf<float> model(count(shape));
    for (i64 i = 0; i < count(shape); ++i)
        model[i] = a.expect[i] * 2.f - static_cast<float>(b.expect[broadcast_index(unravel(i, shape), low)]);
    // A GPU launches nothing for no elements; the CPU counts the pass.
    const std::uint64_t one_pass = count(shape) > 0 || jf::default_device().is_cpu() ? 1 : 0;
    for_each_new_axis<R>([&](i64 axis, i64 at) {
        INFO(a.desc << "\n  b: " << b.desc << "\n  axis " << axis);
        jf::reset_stats();
        const jf::array<float, R + 1> got = jf::expand_dims(a.view * 2.f - b.view, axis);
        CHECK(default_device_launches() == one_pass);
        check_array(got, inserted(shape, at), model);

        shape_vec wide = inserted(shape, at);
        wide[at] = 3;
        const jf::array<float, R + 1> ones = jf::ones<float, R + 1>(to_shape<R + 1>(wide));
        jf::reset_stats();
        const jf::array<float, R + 1> spread = ones * jf::expand_dims(a.view * 2.f - b.view, axis);
        CHECK(default_device_launches() == one_pass);
        hbuf<float> want(count(wide));
        for (i64 i = 0; i < count(wide); ++i) {
            shape_vec idx = unravel(i, wide);
            idx.erase(idx.begin() + at);
            want[i] = model[ravel(idx, shape)];
        }
        check_array(spread, wide, want);
    });
}

TEST_CASE("expand_dims of an expression fuses into the one pass that reads it") {
    std::mt19937_64 rng(202);
    for (int trial = 0; trial < 6; ++trial) {
        check_fused_expression<1>(rng, trial == 5);
        check_fused_expression<2>(rng, trial == 5);
        check_fused_expression<3>(rng, trial == 5);
    }
}

TEST_CASE("expand_dims over reductions, scans, random leaves, shifts and C++ numbers") {
    std::mt19937_64 rng(303);
    const shape_vec shape{5, 7};
    auto x = make_view<double, 2>(rng, shape, layout::strided_transposed);

    SUBCASE("a per-row reduction broadcasts along rows") {
        const jf::array<double, 2> centred = x.view - jf::expand_dims(jf::min(x.view, 1), 1);
        const jf::array<double, 3> per_column = jf::expand_dims(jf::expand_dims(jf::sum(x.view, 0), 0), -1);
        CHECK(per_column.shape() == jf::shape_t<3>{1, 7, 1});
        hbuf<double> want(35), sums(7);
        for (i64 r = 0; r < 5; ++r) {
            double lo = x.expect[r * 7];
            for (i64 c = 0; c < 7; ++c) lo = std::min(lo, x.expect[r * 7 + c]);
            for (i64 c = 0; c < 7; ++c) want[r * 7 + c] = x.expect[r * 7 + c] - lo;
        }
        for (i64 c = 0; c < 7; ++c)
            for (i64 r = 0; r < 5; ++r) sums[c] += x.expect[r * 7 + c];
        check_array(centred, shape, want);
        check_array(per_column, {1, 7, 1}, sums);
        const jf::array<double, 1> whole = jf::expand_dims(jf::sum(x.view), 0);
        CHECK(whole.item() == jf::sum(x.view).item());
    }
    SUBCASE("a scan") {
        const jf::array<double, 3> got = jf::expand_dims(jf::cumsum(x.view, 1), 0);
        hbuf<double> want(35);
        for (i64 r = 0; r < 5; ++r)
            for (i64 c = 0; c < 7; ++c) want[r * 7 + c] = x.expect[r * 7 + c] + (c ? want[r * 7 + c - 1] : 0.0);
        check_array(got, {1, 5, 7}, want);
    }
    SUBCASE("a random leaf keeps its numbers") {
        const auto u = jf::random::uniform<float, 2>({5, 7}, 42);
        const jf::array<float, 2> plain = u;
        const jf::array<float, 3> expanded = jf::expand_dims(u, 1), in_expression = jf::expand_dims(u * 1.f, 0);
        check_array(expanded, {5, 1, 7}, plain.to_host());
        check_array(in_expression, {1, 5, 7}, plain.to_host());
    }
    SUBCASE("a shift") {
        const jf::array<double, 3> got = jf::expand_dims(jf::shift(x.view, {1, -2}, jf::boundary::wrap) + 1.0, 2);
        hbuf<double> want(35);
        for (i64 r = 0; r < 5; ++r)
            for (i64 c = 0; c < 7; ++c) want[r * 7 + c] = x.expect[(r + 1) % 5 * 7 + (c + 5) % 7] + 1.0;
        check_array(got, {5, 7, 1}, want);
    }
    SUBCASE("tie: both expressions in one pass") {
        jf::array<double, 2> a, b;
        jf::tie(a, b) = jf::tuple(x.view + jf::expand_dims(jf::max(x.view, 1), 1), jf::expand_dims(jf::sum(x.view, 0), 0) * 1.0 + x.view);
        hbuf<double> want_a(35), want_b(35);
        for (i64 r = 0; r < 5; ++r)
            for (i64 c = 0; c < 7; ++c) {
                double hi = x.expect[r * 7], col = 0;
                for (i64 k = 0; k < 7; ++k) hi = std::max(hi, x.expect[r * 7 + k]);
                for (i64 k = 0; k < 5; ++k) col += x.expect[k * 7 + c];
                want_a[r * 7 + c] = x.expect[r * 7 + c] + hi;
                want_b[r * 7 + c] = col + x.expect[r * 7 + c];
            }
        check_array(a, shape, want_a);
        check_array(b, shape, want_b);
    }
}

TEST_CASE("expand_dims reading the target through another view evaluates through a temporary") {
    std::mt19937_64 rng(404);
    auto m = make_view<float, 2>(rng, {4, 6}, layout::contiguous);
    hbuf<float> want(24);
    for (i64 r = 0; r < 4; ++r)
        for (i64 c = 0; c < 6; ++c) want[r * 6 + c] = m.expect[r * 6 + c] + 2.f * m.expect[r * 6];
    // Column 0 is read by every element of its row: written first, it would be read doubled.
    m.view = m.view + jf::expand_dims(m.view(jf::all, 0) * 2.f, 1);
    check_array(m.view, {4, 6}, want);
}

TEST_CASE("row softmax with expand_dims against long double") {
    std::mt19937_64 rng(505);
    for_each_type(types<float, double>{}, [&](auto type) {
        using T = typename decltype(type)::type;
        for (int trial = 0; trial < 4; ++trial) {
            const i64 rows = 1 + static_cast<i64>(rng() % 40), cols = 1 + static_cast<i64>(rng() % 300);
            std::normal_distribution<double> normal(0.0, 4.0);
            auto x = make_view<T, 2>(rng, {rows, cols}, random_layout(rng), [&](auto& g) { return static_cast<T>(normal(g)); });
            INFO(type_name<T>() << " " << x.desc);
            const auto e = jf::exp(x.view - jf::expand_dims(jf::max(x.view, 1), 1));
            const jf::array<T, 2> softmax = e / jf::expand_dims(jf::sum(e, 1), 1);
            const auto got = softmax.to_host();
            // Relative error, in units of epsilon: x - max rounds to within |x - max| / 2, which
            // exp turns into as much relative error, in the numerator and (averaged) in the sum,
            // so at most the row's spread (max - min); exp itself is within 2 ULP, a sum of
            // `cols` terms within cols ULP, the division half an ULP.
            long double spread = 0;
            for (i64 r = 0; r < rows; ++r) {
                const auto row = x.expect.span().subspan(static_cast<std::size_t>(r * cols), static_cast<std::size_t>(cols));
                const auto [lo, hi] = std::minmax_element(row.begin(), row.end());
                spread = std::max<long double>(spread, static_cast<long double>(*hi) - *lo);
            }
            const double tol = static_cast<double>(cols + 4 + spread) * std::numeric_limits<T>::epsilon();
            double worst = 0;
            for (i64 r = 0; r < rows; ++r) {
                long double hi = x.expect[r * cols], total = 0;
                for (i64 c = 0; c < cols; ++c) hi = std::max<long double>(hi, x.expect[r * cols + c]);
                for (i64 c = 0; c < cols; ++c) total += std::exp(static_cast<long double>(x.expect[r * cols + c]) - hi);
                for (i64 c = 0; c < cols; ++c) {
                    const long double want = std::exp(static_cast<long double>(x.expect[r * cols + c]) - hi) / total;
                    worst = std::max(worst, static_cast<double>(std::fabs((got[r * cols + c] - want) / want)));
                }
            }
            CHECK(worst <= tol);
        }
    });
}
