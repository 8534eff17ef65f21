// SPDX-License-Identifier: Apache-2.0
// shift and stencil against plain loops: every boundary, ranks 1-3, random views, offsets
// past the edge (also by far), broadcasting, nesting, reductions, aliasing and tie. A shift
// copies values, and the stencils here sum small integers, so every comparison is exact.
#include "reference.hpp"

namespace {

using namespace jft;
namespace bnd = jf::boundary;

enum class rule { clamp, wrap, reflect, constant };
constexpr rule all_rules[] = {rule::clamp, rule::wrap, rule::reflect, rule::constant};

const char* rule_name(rule r) {
    switch (r) {
        case rule::clamp: return "clamp";
        case rule::wrap: return "wrap";
        case rule::reflect: return "reflect";
        case rule::constant: return "constant";
    }
    return "?";
}

/// Where index i of an axis of n elements reads under rule r, by the definitions themselves
/// (reflection repeated until inside); -1: outside a constant boundary. |i| stays below 3n.
i64 reference_index(rule r, i64 i, i64 n) {
    if (i >= 0 && i < n) return i;
    switch (r) {
        case rule::clamp: return i < 0 ? 0 : n - 1;
        case rule::constant: return -1;
        case rule::wrap:
            while (i < 0) i += n;
            while (i >= n) i -= n;
            return i;
        case rule::reflect:
            if (n == 1) return 0;
            while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
            return i;
    }
    return -1;
}

/// Calls f(boundary object) for rule r; `fill` is the constant boundary's value.
template <class T, class F>
void with_boundary(rule r, T fill, F&& f) {
    switch (r) {
        case rule::clamp: f(bnd::clamp); break;
        case rule::wrap: f(bnd::wrap); break;
        case rule::reflect: f(bnd::reflect); break;
        case rule::constant: f(bnd::constant(fill)); break;
    }
}

/// The host model of shift(values of `shape`, offsets, r, fill).
template <class T>
hbuf<T> reference_shift(const hbuf<T>& values, const shape_vec& shape, const shape_vec& offset, rule r, T fill) {
    const i64 n = count(shape);
    hbuf<T> out(static_cast<std::size_t>(n));
    for (i64 f = 0; f < n; ++f) {
        auto idx = unravel(f, shape);
        bool outside = false;
        for (std::size_t k = 0; k < shape.size(); ++k) {
            idx[k] = reference_index(r, idx[k] + offset[k], shape[k]);
            outside = outside || idx[k] < 0;
        }
        out[f] = outside ? fill : values[ravel(idx, shape)];
    }
    return out;
}

/// An offset to hand to jitfuse and the equivalent small one the reference walks: mostly
/// within a few extents, sometimes far past the edge (2^40 away).
std::pair<i64, i64> random_offset(std::mt19937_64& rng, rule r, i64 n) {
    const i64 small = static_cast<i64>(rng() % static_cast<std::uint64_t>(2 * n + 5)) - (n + 2);
    if (rng() % 4 != 0 || n == 0) return {small, small};
    const i64 far = i64{1} << 40;
    switch (r) {
        case rule::wrap: return {small + far / n * n, small};
        case rule::reflect: {
            const i64 period = n > 1 ? 2 * (n - 1) : 1;
            return {small - far / period * period, small};
        }
        default: {
            const bool up = rng() & 1;
            return {up ? far : -far, up ? n + 1 : -(n + 1)};
        }
    }
}

template <class T>
T fill_value(std::mt19937_64& rng) {
    if constexpr (std::is_floating_point_v<T>)
        if (rng() % 3 == 0) return std::numeric_limits<T>::quiet_NaN();
    return small_value<T>(rng);
}

template <class T, int R>
void check_random_shifts(std::mt19937_64& rng, int rounds) {
    for (int round = 0; round < rounds; ++round) {
        const shape_vec shape = random_shape(rng, R, round % 5 == 4);
        auto v = make_view<T, R>(rng, shape, random_layout(rng));
        for (const rule r : all_rules) {
            shape_vec user(R), ref(R);
            for (int d = 0; d < R; ++d) std::tie(user[d], ref[d]) = random_offset(rng, r, shape[d]);
            const T fill = fill_value<T>(rng);
            const auto want = reference_shift(v.expect, shape, ref, r, fill);
            with_boundary(r, fill, [&](const auto& b) {
                jf::array<T, R> got = jf::shift(v.view, to_shape<R>(user), b);
                check_array(got, shape, want,
                            v.desc + " " + rule_name(r) + " offsets " + str(user) + " (" + type_name<T>() + ")");
            });
        }
    }
}

/// A random grid of small integers as float, with its host copy.
struct grid {
    jf::array<float, 2> a;
    hbuf<float> host;
    i64 rows, cols;
};

grid random_grid(std::mt19937_64& rng, i64 rows, i64 cols) {
    grid g{{}, hbuf<float>(static_cast<std::size_t>(rows * cols)), rows, cols};
    for (i64 i = 0; i < rows * cols; ++i) g.host[i] = small_value<float>(rng);
    g.a = jf::from_host(g.host.span(), {rows, cols});
    return g;
}

/// The 5-point average of g at (i, j) with reads mapped by rule r (fill outside).
float reference_jacobi(const grid& g, i64 i, i64 j, rule r, float fill) {
    const auto at = [&](i64 di, i64 dj) {
        const i64 y = reference_index(r, i + di, g.rows), x = reference_index(r, j + dj, g.cols);
        return y < 0 || x < 0 ? fill : g.host[y * g.cols + x];
    };
    return 0.25f * (at(-1, 0) + at(1, 0) + at(0, -1) + at(0, 1));
}

const auto jacobi = [](auto a) { return 0.25f * (a(-1, 0) + a(1, 0) + a(0, -1) + a(0, 1)); };

}  // namespace

TEST_SUITE("stencil") {

TEST_CASE("shift matches a plain loop: every boundary, rank and view, offsets past the edge") {
    std::mt19937_64 rng(61);
    for_each_type(types<float, double, std::int32_t, std::uint8_t, bool>{}, [&]<class T>(std::type_identity<T>) {
        check_random_shifts<T, 1>(rng, 12);
        check_random_shifts<T, 2>(rng, 12);
        check_random_shifts<T, 3>(rng, 8);
    });
}

TEST_CASE("reflect and wrap on the smallest axes") {
    const float host[] = {5, 7};
    jf::array<float> two = jf::from_host(std::span<const float>(host));
    // reflect with n = 2: period 2, x[-1] = x[1], x[2] = x[0].
    CHECK(jf::eval(jf::shift(two, {-1}, bnd::reflect)).to_host() == std::vector<float>{7, 5});
    CHECK(jf::eval(jf::shift(two, {3}, bnd::reflect)).to_host() == std::vector<float>{7, 5});
    CHECK(jf::eval(jf::shift(two, {1}, bnd::wrap)).to_host() == std::vector<float>{7, 5});
    jf::array<float> one = jf::full<float>(1, 3.f);
    for (const i64 d : {-5, -1, 1, 4}) {
        CHECK(jf::eval(jf::shift(one, {d}, bnd::reflect)).to_host() == std::vector<float>{3});
        CHECK(jf::eval(jf::shift(one, {d}, bnd::wrap)).to_host() == std::vector<float>{3});
        CHECK(jf::eval(jf::shift(one, {d}, bnd::clamp)).to_host() == std::vector<float>{3});
        CHECK(jf::eval(jf::shift(one, {d}, bnd::constant(-1))).to_host() == std::vector<float>{-1});
    }
    jf::array<float> none = jf::zeros<float>(0);
    CHECK(jf::eval(jf::shift(none, {2}, bnd::wrap)).size() == 0);
}

TEST_CASE("5-point stencil, every boundary, small and multi-threaded grids") {
    std::mt19937_64 rng(62);
    for (const auto& [rows, cols] : {std::pair<i64, i64>{1, 1}, {1, 7}, {6, 1}, {5, 9}, {300, 257}}) {
        const grid g = random_grid(rng, rows, cols);
        for (const rule r : all_rules) {
            const float fill = -2.f;
            hbuf<float> want(static_cast<std::size_t>(rows * cols));
            for (i64 i = 0; i < rows; ++i)
                for (i64 j = 0; j < cols; ++j) want[i * cols + j] = reference_jacobi(g, i, j, r, fill);
            with_boundary(r, fill, [&](const auto& b) {
                jf::array<float, 2> got = jf::stencil(g.a, jacobi, b);
                check_array(got, {rows, cols}, want, std::string(rule_name(r)) + " " + str({rows, cols}));
            });
        }
    }
}

TEST_CASE("stencils of rank 1 and 3") {
    std::mt19937_64 rng(63);
    const auto v = make_view<double, 1>(rng, {40}, layout::strided);
    jf::array<double> smooth = jf::stencil(v.view, [](auto a) { return a(-1) + 2.0 * a(0) + a(1); }, bnd::reflect);
    hbuf<double> want(40);
    for (i64 i = 0; i < 40; ++i) {
        const auto at = [&](i64 d) { return v.expect[reference_index(rule::reflect, i + d, 40)]; };
        want[i] = at(-1) + 2.0 * at(0) + at(1);
    }
    check_array(smooth, {40}, want, "3-tap reflect");

    const shape_vec s3{4, 5, 6};
    const auto c = make_view<std::int32_t, 3>(rng, s3, layout::transposed);
    jf::array<std::int32_t, 3> lap = jf::stencil(c.view, [](auto a) {
        return a(-1, 0, 0) + a(1, 0, 0) + a(0, -1, 0) + a(0, 1, 0) + a(0, 0, -1) + a(0, 0, 1) - 6 * a(0, 0, 0);
    }, bnd::wrap);
    hbuf<std::int32_t> want3(static_cast<std::size_t>(count(s3)));
    for (i64 f = 0; f < count(s3); ++f) {
        const auto idx = unravel(f, s3);
        const auto at = [&](i64 dz, i64 dy, i64 dx) {
            const shape_vec p{reference_index(rule::wrap, idx[0] + dz, 4), reference_index(rule::wrap, idx[1] + dy, 5),
                              reference_index(rule::wrap, idx[2] + dx, 6)};
            return c.expect[ravel(p, s3)];
        };
        want3[f] = at(-1, 0, 0) + at(1, 0, 0) + at(0, -1, 0) + at(0, 1, 0) + at(0, 0, -1) + at(0, 0, 1) - 6 * at(0, 0, 0);
    }
    check_array(lap, s3, want3, "7-point wrap on a transposed view");
}

TEST_CASE("shift of an expression, nested shifts, and shifts broadcast into a larger expression") {
    std::mt19937_64 rng(64);
    const i64 rows = 7, cols = 9;
    const grid g = random_grid(rng, rows, cols);
    const auto rowv = make_view<float, 1>(rng, {cols}, layout::strided);

    // The operand is itself an expression with broadcasting: (g * row + 1) shifted.
    hbuf<float> inner(static_cast<std::size_t>(rows * cols));
    for (i64 i = 0; i < rows * cols; ++i) inner[i] = g.host[i] * rowv.expect[i % cols] + 1;
    jf::array<float, 2> got = jf::shift(g.a * rowv.view + 1, {2, -3}, bnd::wrap);
    check_array(got, {rows, cols}, reference_shift(inner, {rows, cols}, {2, -3}, rule::wrap, 0.f), "shift of g*row+1");

    // A reduction under a shift is computed first, then shifted.
    hbuf<float> row_sums(static_cast<std::size_t>(rows), 0.f);
    for (i64 i = 0; i < rows * cols; ++i) row_sums[i / cols] += g.host[i];
    jf::array<float> sums = jf::shift(jf::sum(g.a, 1), {-1}, bnd::reflect) * 2.f;
    auto twice = reference_shift(row_sums, {rows}, {-1}, rule::reflect, 0.f);
    for (i64 i = 0; i < rows; ++i) twice[i] *= 2.f;
    check_array(sums, {rows}, twice, "shift of a row sum");

    // Nested: a constant boundary around a wrapped shift.
    jf::array<float, 2> nested = jf::shift(jf::shift(g.a, {1, 0}, bnd::wrap), {0, 4}, bnd::constant(-9.f));
    const auto once = reference_shift(g.host, {rows, cols}, {1, 0}, rule::wrap, 0.f);
    check_array(nested, {rows, cols}, reference_shift(once, {rows, cols}, {0, 4}, rule::constant, -9.f), "nested");

    // A shifted row broadcast over the rows of g, and a shift along an axis of extent 1.
    jf::array<float, 2> mixed = g.a + jf::shift(rowv.view, {-2}, bnd::clamp);
    const auto srow = reference_shift(rowv.expect, {cols}, {-2}, rule::clamp, 0.f);
    hbuf<float> want(static_cast<std::size_t>(rows * cols));
    for (i64 i = 0; i < rows * cols; ++i) want[i] = g.host[i] + srow[i % cols];
    check_array(mixed, {rows, cols}, want, "g + shift(row)");

    jf::array<float, 2> column = g.a(jf::all, jf::range(0, 1));  // (rows, 1)
    jf::array<float, 2> past = g.a * jf::shift(column, {0, 1}, bnd::constant(10.f));
    for (i64 i = 0; i < rows * cols; ++i) want[i] = g.host[i] * 10.f;
    check_array(past, {rows, cols}, want, "shift past the edge of an extent-1 axis");
    jf::array<float, 2> down = g.a - jf::shift(column, {1, 5}, bnd::clamp);
    for (i64 i = 0; i < rows; ++i)
        for (i64 j = 0; j < cols; ++j) want[i * cols + j] = g.host[i * cols + j] - g.host[std::min(i + 1, rows - 1) * cols];
    check_array(down, {rows, cols}, want, "clamped shift of a column, broadcast");
}

TEST_CASE("reductions of stencils: whole and along each axis, map fused") {
    std::mt19937_64 rng(65);
    // > 32768 elements: several threads; rows and columns short enough (<= 128) that a
    // reduction of plain arrays would take many of them to a tile, joining their axes.
    for (const auto& [rows, cols] : {std::pair<i64, i64>{130, 300}, {300, 7}, {7, 100}}) {
        CAPTURE(rows);
        CAPTURE(cols);
        const grid g = random_grid(rng, rows, cols);
        long double total = 0;
        hbuf<float> row_max(static_cast<std::size_t>(rows), -INFINITY), col_sum(static_cast<std::size_t>(cols), 0.f);
        for (i64 i = 0; i < rows; ++i)
            for (i64 j = 0; j < cols; ++j) {
                const float v = reference_jacobi(g, i, j, rule::reflect, 0.f);
                total += v;
                row_max[i] = std::max(row_max[i], v);
                col_sum[j] += v * 4;  // small integers: exact in float in any order
            }
        const auto st = jf::stencil(g.a, jacobi, bnd::reflect);
        // Quarter-integers below 2^10 summed over 4e4 elements stay below 2^24 quarters: exact.
        CHECK(static_cast<long double>(jf::sum(st).item()) == total);
        check_array(jf::eval(jf::max(st, 1)), {rows}, row_max, "max along rows");
        check_array(jf::eval(jf::sum(st * 4.f, 0)), {cols}, col_sum, "sum along columns");
    }
}

TEST_CASE("a grid updated from its own neighbours: g = stencil(g) and tie") {
    std::mt19937_64 rng(66);
    const grid g0 = random_grid(rng, 40, 50);
    jf::array<float, 2> ping = g0.a.clone(), pong(jf::shape_t<2>{40, 50});
    jf::array<float, 2> in_place = g0.a.clone();
    for (int step = 0; step < 5; ++step) {
        pong = jf::stencil(ping, jacobi, bnd::wrap);
        std::swap(ping, pong);
        in_place = jf::stencil(in_place, jacobi, bnd::wrap);  // aliasing: through a temporary
    }
    check_array(in_place, {40, 50}, hbuf<float>(ping.to_host()), "in place == ping-pong");

    // A view of the target that is not the target itself, and two outputs in one pass.
    jf::array<float, 2> a = g0.a.clone(), b(jf::shape_t<2>{40, 50});
    const auto sa = reference_shift(g0.host, {40, 50}, {0, 1}, rule::clamp, 0.f);
    jf::tie(a, b) = jf::tuple(jf::shift(a, {0, 1}, bnd::clamp), jf::shift(a, {0, 1}, bnd::clamp) * 2.f);
    hbuf<float> twice(sa.size());
    for (std::size_t i = 0; i < sa.size(); ++i) twice[i] = sa[i] * 2.f;
    check_array(a, {40, 50}, sa, "tie: a");
    check_array(b, {40, 50}, twice, "tie: b");

    // The target read in place beside a shift of another array: no temporary needed.
    jf::array<float, 2> c = g0.a.clone(), other = g0.a.clone();
    const auto allocations = [] { return jf::stats()["allocations"]["count"].get<std::uint64_t>(); };
    const auto before = allocations();
    c = c * 2.f + jf::shift(other, {1, 0}, bnd::wrap);
    CHECK(allocations() == before);
    const auto so = reference_shift(g0.host, {40, 50}, {1, 0}, rule::wrap, 0.f);
    hbuf<float> sum(so.size());
    for (std::size_t i = 0; i < so.size(); ++i) sum[i] = g0.host[i] * 2.f + so[i];
    check_array(c, {40, 50}, sum, "c = c * 2 + shift(other)");

    jf::array<float> line = jf::arange<float>(10);
    jf::array<float> head = line(jf::range(0, 5));
    head = jf::shift(line(jf::range(5, 10)), {1}, bnd::clamp);  // reads another part of the buffer
    CHECK(line.to_host() == std::vector<float>{6, 7, 8, 9, 9, 5, 6, 7, 8, 9});
}

TEST_CASE("NaN and Inf pass through shifts; the fill may be NaN") {
    const float host[] = {1.f, NAN, INFINITY, -INFINITY};
    jf::array<float> x = jf::from_host(std::span<const float>(host));
    const auto got = jf::eval(jf::shift(x, {1}, bnd::constant(NAN)) + jf::shift(x, {-1}, bnd::wrap)).to_host();
    const hbuf<float> want(std::vector<float>{NAN + -INFINITY, INFINITY + 1.f, -INFINITY + NAN, NAN + INFINITY});
    check_exact<float>(got, want, 4, "shifted sums");
}

TEST_CASE("CUDA source of a stencil: strided, one coordinate set per tap, offsets are parameters") {
    const jf::array<float, 2> g = jf::zeros<float, 2>({8, 8});
    const jf::kernel_info k = jf::explain(jf::stencil(g, jacobi, bnd::constant(0.f)));
    CHECK(k.layout == "strided");
    CHECK(k.source.find("jf::shift_coord<jf::boundary::constant, 2>(coord, c2, p2)") != std::string::npos);
    CHECK(k.source.find("in2 ? t1 : p2.fill") != std::string::npos);
    // Other offsets, same kernel: no recompilation when taps move.
    CHECK(jf::explain(jf::shift(g, {1, 2}, bnd::wrap)).source == jf::explain(jf::shift(g, {-7, 30}, bnd::wrap)).source);
    CHECK(jf::explain(jf::shift(g, {1, 2}, bnd::wrap)).source != jf::explain(jf::shift(g, {1, 2}, bnd::reflect)).source);
    // A nested shift reads at coordinates derived from the outer shift's.
    const auto nested = jf::explain(jf::shift(jf::shift(g, {1, 0}, bnd::wrap), {0, 1}, bnd::clamp)).source;
    CHECK(nested.find("jf::shift_coord<jf::boundary::clamp, 2>(coord, c2, p2)") != std::string::npos);
    CHECK(nested.find("jf::shift_coord<jf::boundary::wrap, 2>(c2, c1, p1)") != std::string::npos);
}

TEST_CASE("shift of an empty or moved-from array is an error") {
    jf::array<float, 2> empty;
    CHECK_THROWS_AS(jf::eval(jf::shift(empty, {1, 0}, bnd::clamp)), jf::error);
}

}  // TEST_SUITE
