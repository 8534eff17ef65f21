// SPDX-License-Identifier: Apache-2.0
// NumPy broadcasting: random compatible shapes of rank 0-4 (size-1 axes, missing leading
// axes, zero extents), operands given as strided / transposed / broadcast views, against a
// host loop; incompatible shapes are shape errors naming both shapes.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <random>
#include <string>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

/// NumPy's result shape, or an empty optional-like flag when incompatible.
bool broadcast_ref(const shape_vec& a, const shape_vec& b, shape_vec& out) {
    const std::size_t r = std::max(a.size(), b.size());
    out.assign(r, 1);
    for (std::size_t d = 0; d < r; ++d) {
        const i64 ea = d + a.size() >= r ? a[d + a.size() - r] : 1;
        const i64 eb = d + b.size() >= r ? b[d + b.size() - r] : 1;
        if (ea != eb && ea != 1 && eb != 1) return false;
        out[d] = ea == 1 ? eb : ea;
    }
    return true;
}

/// An operand shape of rank `rank` compatible with `full` (rank >= rank): the trailing axes
/// of `full`, some replaced by 1.
shape_vec operand_shape(std::mt19937_64& rng, const shape_vec& full, int rank) {
    shape_vec s(full.end() - rank, full.end());
    for (auto& d : s)
        if (rng() % 3 == 0) d = 1;
    return s;
}

template <int RA, int RB>
void check_pair(std::mt19937_64& rng, int trials) {
    constexpr int R = RA > RB ? RA : RB;
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec full = random_shape(rng, R, trial % 5 == 4);
        const shape_vec as = operand_shape(rng, full, RA);
        const shape_vec bs = operand_shape(rng, full, RB);
        shape_vec os;
        REQUIRE(broadcast_ref(as, bs, os));
        auto a = make_view<float, RA>(rng, as, random_layout(rng));
        auto b = make_view<std::int32_t, RB>(rng, bs, random_layout(rng));
        INFO("ranks " << RA << ", " << RB << " trial " << trial << ": " << str(as) << " with "
                      << str(bs) << " -> " << str(os) << "\n  a: " << a.desc << "\n  b: " << b.desc);
        const i64 n = count(os);

        // float32 array with int32 array: float32 (JAX promotion).
        auto e = a.view * 2.f + b.view;
        static_assert(std::is_same_v<typename decltype(e)::value_type, float>);
        static_assert(decltype(e)::rank == R);
        CHECK(to_vec(e.shape()) == os);
        jf::array<float, R> r = e;
        hbuf<float> want(static_cast<std::size_t>(n));
        hbuf<bool> want_cmp(static_cast<std::size_t>(n));
        for (i64 f = 0; f < n; ++f) {
            const auto idx = unravel(f, os);
            const float x = a.expect[broadcast_index(idx, as)];
            const std::int32_t y = b.expect[broadcast_index(idx, bs)];
            want[f] = x * 2.f + static_cast<float>(y);
            want_cmp[f] = static_cast<float>(y) < x;
        }
        check_array(r, os, want, "a * 2 + b");

        // The other operand order and a comparison.
        jf::array<bool, R> c = b.view < a.view;
        check_array(c, os, want_cmp, "b < a");

        // Writing the broadcast result into a strided view of the result's shape.
        if constexpr (R > 0) {
            auto t = make_view<float, R>(rng, os, layout::strided_transposed);
            t.view = a.view * 2.f + b.view;
            hbuf<float> base_want = t.base_host;
            for (std::size_t f = 0; f < t.map.size(); ++f) base_want[t.map[f]] = want[f];
            check_array(t.base, to_vec(t.base.shape()), base_want, "into a strided target");
        }
    }
}

template <int RC, int RA, int RB>
void check_where(std::mt19937_64& rng, int trials) {
    constexpr int R = std::max({RC, RA, RB});
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec full = random_shape(rng, R, trial % 4 == 3);
        const shape_vec cs = operand_shape(rng, full, RC);
        const shape_vec as = operand_shape(rng, full, RA);
        const shape_vec bs = operand_shape(rng, full, RB);
        shape_vec t, os;
        REQUIRE(broadcast_ref(cs, as, t));
        REQUIRE(broadcast_ref(t, bs, os));
        auto c = make_view<bool, RC>(rng, cs, random_layout(rng));
        auto a = make_view<double, RA>(rng, as, random_layout(rng));
        auto b = make_view<double, RB>(rng, bs, random_layout(rng));
        INFO("where ranks " << RC << ", " << RA << ", " << RB << ": " << str(cs) << ", " << str(as) << ", "
                            << str(bs) << " -> " << str(os));
        jf::array<double, R> r = jf::where(c.view, a.view, b.view);
        hbuf<double> want(static_cast<std::size_t>(count(os)));
        for (i64 f = 0; f < count(os); ++f) {
            const auto idx = unravel(f, os);
            want[f] = c.expect[broadcast_index(idx, cs)] ? a.expect[broadcast_index(idx, as)]
                                                           : b.expect[broadcast_index(idx, bs)];
        }
        check_array(r, os, want, "where(c, a, b)");
    }
}

template <int RA, int RB>
void check_incompatible(std::mt19937_64& rng, int trials) {
    constexpr int R = RA > RB ? RA : RB;
    for (int trial = 0; trial < trials; ++trial) {
        shape_vec full = random_shape(rng, R);
        shape_vec as = operand_shape(rng, full, RA);
        shape_vec bs = operand_shape(rng, full, RB);
        // Make one shared axis conflict: both extents >= 2 (or 0 against >= 2) and different.
        const int k = static_cast<int>(rng() % static_cast<unsigned>(std::min(RA, RB)));
        const i64 base = 2 + static_cast<i64>(rng() % 5);
        as[RA - 1 - k] = base;
        bs[RB - 1 - k] = rng() % 4 == 0 ? 0 : base + 1 + static_cast<i64>(rng() % 3);
        INFO(str(as) << " with " << str(bs));
        auto a = jf::zeros<float, RA>(to_shape<RA>(as));
        auto b = jf::zeros<float, RB>(to_shape<RB>(bs));
        for (int order = 0; order < 2; ++order) {
            try {
                if (order == 0) (void)(a + b);
                else (void)(b * a);
                FAIL("no exception");
            } catch (const jf::shape_error& e) {
                const std::string msg = e.what();
                INFO(msg);
                CHECK(msg.find(str(as)) != std::string::npos);
                CHECK(msg.find(str(bs)) != std::string::npos);
            }
        }
    }
}

}  // namespace

TEST_SUITE("broadcast") {

TEST_CASE("compatible shapes of every rank pair 0..4 against a host loop") {
    const std::uint64_t seed = 0xB0AD;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_rank(std::integer_sequence<int, 0, 1, 2, 3, 4>{}, [&](auto ra) {
        for_each_rank(std::integer_sequence<int, 0, 1, 2, 3, 4>{}, [&](auto rb) {
            check_pair<decltype(ra)::value, decltype(rb)::value>(rng, 10);
        });
    });
}

TEST_CASE("where broadcasts its three operands") {
    const std::uint64_t seed = 0x3E7E;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    check_where<1, 2, 0>(rng, 8);
    check_where<3, 1, 2>(rng, 8);
    check_where<0, 0, 4>(rng, 8);
    check_where<2, 3, 3>(rng, 8);
    check_where<4, 4, 1>(rng, 6);
    // Scalars for a or b.
    auto x = jf::arange<float>(6);
    jf::array<float> w = jf::where(x > 2.f, x, -1.f);
    check_array(w, {6}, std::vector<float>{-1, -1, -1, 3, 4, 5});
}

TEST_CASE("explicit cases: missing leading axes, size-1 axes, zero extents") {
    // (rows, 1) with (cols,): an outer product, over 32768 elements.
    const i64 rows = 300, cols = 211;
    auto col = jf::arange<double>(rows).reshape<2>({rows, 1});
    auto row = jf::arange<double>(cols);
    jf::array<double, 2> outer = col * 1000.0 + row;
    hbuf<double> want(static_cast<std::size_t>(rows * cols));
    for (i64 i = 0; i < rows; ++i)
        for (i64 j = 0; j < cols; ++j) want[i * cols + j] = static_cast<double>(i) * 1000 + static_cast<double>(j);
    check_array(outer, {rows, cols}, want, "(300, 1) * (211,)");

    // Compound assignment broadcasts the right-hand side into the target's shape only.
    jf::array<double, 2> m = jf::zeros<double, 2>({rows, cols});
    m += row;
    m += col;
    for (i64 i = 0; i < rows; ++i)
        for (i64 j = 0; j < cols; ++j) want[i * cols + j] = static_cast<double>(i) + static_cast<double>(j);
    check_array(m, {rows, cols}, want, "m += row; m += col");
    jf::array<double, 2> r = row.reshape<2>({1, cols});
    CHECK_THROWS_AS(r += m, jf::shape_error);  // the result (rows, cols) does not fit (1, cols)
    CHECK_THROWS_AS(r = m + 1.0, jf::shape_error);

    // Zero extents broadcast like any other extent; 1 stretches to 0.
    auto z = jf::zeros<float, 2>({0, 3});
    auto three = jf::ones<float>(3);
    CHECK((z + three).shape() == jf::shape_t<2>{0, 3});
    CHECK(jf::eval(z + three).size() == 0);
    CHECK((jf::ones<float>(1) + jf::zeros<float>(0)).shape() == jf::shape_t<1>{0});
    CHECK_THROWS_AS((void)(jf::ones<float>(2) + jf::zeros<float>(0)), jf::shape_error);

    // Rank 0 with rank 0, and rank 0 with rank 4.
    jf::array<float, 0> s = jf::sum(three);
    jf::array<float, 0> s2 = s * s + 1.f;
    CHECK(s2.to_host().at(0) == 10.f);
    auto big = jf::ones<float, 4>({2, 3, 1, 4});
    jf::array<float, 4> b4 = big * s;
    check_array(b4, {2, 3, 1, 4}, hbuf<float>(24, 3.f));
}

TEST_CASE("a value broadcast along rows longer than a tile is read right on every tile and row") {
    // The CPU fills a tile with a broadcast value once per value: rows of 1300 are three tiles
    // (the last partial), the column is read forwards and reversed, with one thread and two,
    // into a row-major and a transposed target, in a lone op, a fused region and a reduction.
    std::mt19937_64 rng(7);
    const i64 rows = 37, cols = 1300;
    auto x = make_view<float, 2>(rng, {rows, cols}, layout::contiguous);
    auto column = make_view<float, 1>(rng, {rows}, layout::strided);
    auto wide = make_view<float, 2>(rng, {111, 602}, layout::contiguous);
    const auto reversed = column.view(jf::range(rows - 1, -1, -1));
    for (const int threads : {1, 2}) {
        const thread_count_guard guard(threads);
        for (const bool flip : {false, true}) {
            INFO("threads " << threads << std::string(flip ? ", reversed column" : ""));
            const auto col = (flip ? reversed : column.view).expand_dims(1);
            const auto value = [&](i64 r) { return column.expect[flip ? rows - 1 - r : r]; };
            hbuf<float> minus(rows * cols), fused(rows * cols), row_sums(rows);
            for (i64 r = 0; r < rows; ++r) {
                float total = 0;
                for (i64 c = 0; c < cols; ++c) {
                    minus[r * cols + c] = x.expect[r * cols + c] - value(r);
                    fused[r * cols + c] = x.expect[r * cols + c] * 2.f - value(r);
                    total += value(r);  // small integers: exact in any order
                }
                row_sums[r] = total;
            }
            check_array(jf::eval(x.view - col), {rows, cols}, minus, "x - col");
            check_array(jf::eval(x.view * 2.f - col), {rows, cols}, fused, "x * 2 - col");
            check_array(jf::eval(jf::sum(col + jf::zeros<float, 2>({rows, cols}), 1)), {rows}, row_sums, "row sums");
            jf::array<float, 2> across({cols, rows});
            jf::array<float, 2> target = across.transpose();
            target = x.view - col;
            check_array(target, {rows, cols}, minus, "into a transposed target");
            // A rank-0 operand over rows that do not merge into one (601 of 602 columns), in
            // two chunks of 111 rows: the second starts mid-row with a short tile, and the
            // next row's first tile is longer.
            const i64 rows2 = 111, cols2 = 602;
            const jf::array<float, 0> one = jf::sum(column.view);
            float s = 0;
            for (i64 r = 0; r < rows; ++r) s += column.expect[r];
            check_array(jf::eval(wide.view(jf::all, jf::range(0, cols2 - 1)) - one), {rows2, cols2 - 1}, [&] {
                hbuf<float> want(rows2 * (cols2 - 1));
                for (i64 r = 0; r < rows2; ++r)
                    for (i64 c = 0; c + 1 < cols2; ++c) want[r * (cols2 - 1) + c] = wide.expect[r * cols2 + c] - s;
                return want;
            }(), "a row-sliced x - a rank-0 array");
        }
    }
}

TEST_CASE("incompatible shapes are shape errors naming both shapes") {
    auto a = jf::zeros<float, 2>({3, 4});
    auto b = jf::zeros<float>(5);
    try {
        (void)(a + b);
        FAIL("no exception");
    } catch (const jf::shape_error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("(3, 4)") != std::string::npos);
        CHECK(msg.find("(5,)") != std::string::npos);
    }
    CHECK_THROWS_AS((void)jf::where(a > 0.f, a, b), jf::shape_error);
    CHECK_THROWS_AS((void)jf::minimum(b, a), jf::shape_error);
    CHECK_THROWS_AS((void)jf::sum(a * b), jf::shape_error);
    // An error is a jitfuse::error too.
    CHECK_THROWS_AS((void)(a - b), jf::error);

    const std::uint64_t seed = 0x1BAD;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_rank(std::integer_sequence<int, 1, 2, 3, 4>{}, [&](auto ra) {
        for_each_rank(std::integer_sequence<int, 1, 2, 3, 4>{}, [&](auto rb) {
            check_incompatible<decltype(ra)::value, decltype(rb)::value>(rng, 4);
        });
    });
}

}  // TEST_SUITE
