// SPDX-License-Identifier: Apache-2.0
// Fused regions of the CPU evaluator (cpu/fused_eval.hpp): groups of cheap operations computed
// in one loop, element by element. Each expression below is a region of several operations
// of mixed types, on lengths around the loop's block of 32 and past the threaded threshold,
// on strided, reversed, broadcast and transposed operands, into strided and converting
// targets. The reference is a plain loop written out here in the same element types: every
// operation involved is exact or correctly rounded, so results are compared bit for bit (NaN
// with NaN). The same file also runs in jitfuse-tests-per-op, built with JITFUSE_CPU_FUSE=0,
// so both evaluators answer to one reference.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <span>
#include <vector>

namespace jf = jitfuse;

namespace {

constexpr std::uint16_t nodata = 65535;
constexpr float nan_f = std::numeric_limits<float>::quiet_NaN();
// Lengths around the block (31, 32, 33), a tile and a part, and one past the threaded threshold.
constexpr std::int64_t lengths[] = {0, 1, 5, 31, 32, 33, 515, 70001};

/// Equal bit for bit, or both NaN.
bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }

/// Reflectance bands 0..10000 with nodata and zero pixels, as rasters have.
std::vector<std::uint16_t> band(std::int64_t n, std::mt19937_64& rng) {
    std::vector<std::uint16_t> v(static_cast<std::size_t>(n));
    for (auto& x : v) {
        const auto r = rng() % 100;
        x = r < 5 ? nodata : r < 10 ? 0 : static_cast<std::uint16_t>(rng() % 10001);
    }
    return v;
}

float ndvi_of(std::uint16_t red, std::uint16_t nir) {
    const float r = red, v = nir;
    return red != nodata && nir != nodata && r + v > 0.f ? (v - r) / (v + r) : nan_f;
}

template <class A, class B>
auto ndvi(const A& red, const B& nir) {
    const auto rf = jf::cast<float>(red), nf = jf::cast<float>(nir);
    return jf::where((red != nodata) && (nir != nodata) && (rf + nf > 0.f), (nf - rf) / (nf + rf), nan_f);
}

/// Values with NaN, infinities, signed zeros, denormals and ties at .5.
std::vector<float> awkward(std::int64_t n, std::mt19937_64& rng) {
    constexpr float specials[] = {nan_f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                                  0.f, -0.f, 1e-40f, -2.5f, 0.5f, 3.f};
    std::vector<float> v(static_cast<std::size_t>(n));
    std::uniform_real_distribution<float> u(-10.f, 10.f);
    for (auto& x : v) x = rng() % 4 == 0 ? specials[rng() % std::size(specials)] : u(rng);
    return v;
}

/// n integer-valued floats in [-half, half]: sums and short products of them are exact in
/// float, in whatever order a fold takes them.
std::vector<float> small_integers(std::int64_t n, int half, std::mt19937_64& rng) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = static_cast<float>(static_cast<int>(rng() % (2 * half + 1)) - half);
    return v;
}

/// Equal as values of T: floats bit for bit (NaN with NaN).
template <class T>
bool same_value(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) return std::isnan(a) ? std::isnan(b) : a == b && std::signbit(a) == std::signbit(b);
    else return a == b;
}

/// (rows, cols) shapes for the reduction paths: one element, few long rows (cut into pieces),
/// many short rows (many to a tile), few long columns, and odd sizes around a lane count.
constexpr std::array<std::int64_t, 2> fold_shapes[] = {{1, 1}, {3, 70001}, {300, 517}, {70001, 3}, {33, 31}};

/// Counts the outputs where reducing `map` along `axis` differs from reducing its stored values
/// the same way. Each output folds its values in an order fixed by the shape, whatever the
/// operands' layout, so the two must agree bit for bit.
template <class Map, class Reduce>
std::int64_t axis_mismatches(const Map& map, Reduce reduce, int axis) {
    const auto got = jf::eval(reduce(map, axis)).to_host(), want = jf::eval(reduce(jf::eval(map), axis)).to_host();
    std::int64_t wrong = 0;
    for (std::size_t i = 0; i < got.size(); ++i) wrong += !same_value(got[i], want[i]);
    return wrong;
}

/// Counts where reducing `map` (whole, then along each axis) differs from reducing its stored
/// values the same way. A fused fold computes and folds the map in one loop, the library's fold
/// reads the stored tile; over operands laid out as the stored copy both walk the same tiles
/// into the same lanes, so they must agree bit for bit.
template <class Map, class Reduce>
std::int64_t fold_mismatches(const Map& map, Reduce reduce) {
    return !same_value(reduce(map).item(), reduce(jf::eval(map)).item()) + axis_mismatches(map, reduce, 0) +
           axis_mismatches(map, reduce, 1);
}

float nan_max(float a, float b) { return std::isnan(a) || std::isnan(b) ? nan_f : std::fmax(a, b); }
float nan_min(float a, float b) { return std::isnan(a) || std::isnan(b) ? nan_f : std::fmin(a, b); }

}  // namespace

TEST_SUITE("fused regions") {
    TEST_CASE("NDVI: casts, comparisons, logical and, where, a division, on every length") {
        std::mt19937_64 rng(41);
        for (const std::int64_t n : lengths) {
            INFO("n = " << n);
            const auto red = band(n, rng), nir = band(n, rng);
            const auto r = jf::from_host(std::span<const std::uint16_t>(red)), v = jf::from_host(std::span<const std::uint16_t>(nir));
            const std::vector<float> got = jf::array<float, 1>(ndvi(r, v)).to_host();
            std::int64_t wrong = 0;
            for (std::int64_t i = 0; i < n; ++i) wrong += !same(got[i], ndvi_of(red[i], nir[i]));
            CHECK(wrong == 0);
        }
    }

    TEST_CASE("NDVI on reversed, strided and broadcast operands, into a strided target") {
        std::mt19937_64 rng(43);
        const std::int64_t n = 4099;
        const auto red = band(n, rng), nir = band(2 * n, rng), row = band(n, rng);
        const auto r = jf::from_host(std::span<const std::uint16_t>(red));
        const auto v = jf::from_host(std::span<const std::uint16_t>(nir));
        const auto reversed = r(jf::range(n - 1, -1, -1));
        const auto every_other = v(jf::range(0, 2 * n, 2));
        jf::array<float, 1> target = jf::full<float>(3 * n, 7.f);
        auto into = target(jf::range(1, 3 * n, 3));
        into = ndvi(reversed, every_other);
        const std::vector<float> got = target.to_host();
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i < 3 * n; ++i)
            wrong += !same(got[i], i % 3 == 1 ? ndvi_of(red[n - 1 - i / 3], nir[2 * (i / 3)]) : 7.f);
        CHECK(wrong == 0);

        // A (rows, 1) column against a (1, n) row, and a transposed raster.
        const std::int64_t rows = 37;
        const auto col = band(rows, rng), grid = band(rows * n, rng);
        const auto c = jf::from_host(std::span<const std::uint16_t>(col), {rows, 1});
        const auto w = jf::from_host(std::span<const std::uint16_t>(row), {1, n});
        const auto g = jf::from_host(std::span<const std::uint16_t>(grid), {n, rows}).transpose();
        const std::vector<float> b = jf::array<float, 2>(ndvi(c, w)).to_host();
        const std::vector<float> t = jf::array<float, 2>(ndvi(g, w)).to_host();
        std::int64_t wrong_b = 0, wrong_t = 0;
        for (std::int64_t i = 0; i < rows; ++i)
            for (std::int64_t j = 0; j < n; ++j) {
                wrong_b += !same(b[i * n + j], ndvi_of(col[i], row[j]));
                wrong_t += !same(t[i * n + j], ndvi_of(grid[j * rows + i], row[j]));
            }
        CHECK(wrong_b == 0);
        CHECK(wrong_t == 0);
    }

    TEST_CASE("integer regions wrap: int8 products, bit operations, maximum, a comparison") {
        std::mt19937_64 rng(47);
        for (const std::int64_t n : lengths) {
            INFO("n = " << n);
            std::vector<std::int8_t> a(n), b(n);
            for (std::int64_t i = 0; i < n; ++i) a[i] = static_cast<std::int8_t>(rng()), b[i] = static_cast<std::int8_t>(rng());
            const auto x = jf::from_host(std::span<const std::int8_t>(a)), y = jf::from_host(std::span<const std::int8_t>(b));
            const std::vector<std::int8_t> got =
                jf::array<std::int8_t, 1>(jf::where((x ^ y) > 0, x * y + x, jf::maximum(x, y) - (x & y))).to_host();
            const std::vector<std::int64_t> wide = jf::array<std::int64_t, 1>(jf::cast<std::int64_t>(x) * 1000 - y).to_host();
            std::int64_t wrong = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                const int p = a[i], q = b[i];
                // Conversion to int8 is modular (C++20): the wrapping jitfuse promises.
                const auto want = static_cast<std::int8_t>(static_cast<std::int8_t>(p ^ q) > 0 ? p * q + p : std::max(p, q) - (p & q));
                wrong += got[i] != want || wide[i] != std::int64_t{p} * 1000 - q;
            }
            CHECK(wrong == 0);
        }
    }

    TEST_CASE("products are rounded before they are added: no multiply-add contraction") {
        // Each product is rounded to float on its own, as the per-operation kernels do; a fused
        // multiply-add (which AVX-512 always has) would round a * b - c once and differ in the
        // last bits for most random operands. The reference's products pass through a volatile,
        // which no compiler contracts across, whatever flags this file is built with.
        std::mt19937_64 rng(73);
        std::uniform_real_distribution<float> u(-2.f, 2.f);
        for (const std::int64_t n : lengths) {
            INFO("n = " << n);
            std::vector<float> as(n), bs(n), cs(n);
            for (std::int64_t i = 0; i < n; ++i) as[i] = u(rng), bs[i] = u(rng), cs[i] = u(rng);
            const auto a = jf::from_host(std::span<const float>(as)), b = jf::from_host(std::span<const float>(bs));
            const auto c = jf::from_host(std::span<const float>(cs));
            const std::vector<float> got = jf::array<float, 1>(a * b - c + c * a * 3.f).to_host();
            const float dot = jf::sum(a * b + c).item();
            const float dot_stored = jf::sum(jf::eval(jf::cast<float>(jf::cast<double>(a) * b) + c)).item();
            const auto product = [](float p, float q) {
                const volatile float rounded = p * q;
                return rounded;
            };
            std::int64_t wrong = 0;
            for (std::int64_t i = 0; i < n; ++i)
                wrong += !same(got[i], (product(as[i], bs[i]) - cs[i]) + product(product(cs[i], as[i]), 3.f));
            CHECK(wrong == 0);
            CHECK(same(dot, dot_stored));
        }
    }

    TEST_CASE("NaN, infinities and signed zeros through minimum, maximum, abs, floor, predicates") {
        std::mt19937_64 rng(53);
        for (const std::int64_t n : lengths) {
            INFO("n = " << n);
            const auto xs = awkward(n, rng), ys = awkward(n, rng);
            const auto x = jf::from_host(std::span<const float>(xs)), y = jf::from_host(std::span<const float>(ys));
            const std::vector<float> got =
                jf::array<float, 1>(jf::maximum(x, y) - jf::minimum(jf::abs(x), jf::floor(y)) * jf::sign(x)).to_host();
            const std::vector<bool> pred = jf::array<bool, 1>(jf::isnan(x) || (x > y && !jf::isnan(y))).to_host();
            const std::vector<float> clamped = jf::array<float, 1>(jf::clamp(-x * 0.5f, -1.f, 1.f) + 0.f).to_host();
            std::int64_t wrong = 0;
            for (std::int64_t i = 0; i < n; ++i) {
                const float p = xs[i], q = ys[i];
                const float sign = p > 0 ? 1.f : p < 0 ? -1.f : p;
                const float want = nan_max(p, q) - nan_min(std::fabs(p), std::floor(q)) * sign;
                // Zeros compare by value: which signed zero maximum(+0, -0) keeps is not promised.
                wrong += !(got[i] == want || (std::isnan(got[i]) && std::isnan(want)));
                wrong += pred[i] != (std::isnan(p) || (p > q && !std::isnan(q)));
                const float c = std::isnan(p) ? nan_f : std::fmin(std::fmax(-p * 0.5f, -1.f), 1.f) + 0.f;
                wrong += !(clamped[i] == c || (std::isnan(clamped[i]) && std::isnan(c)));
            }
            CHECK(wrong == 0);
        }
    }

    TEST_CASE("a region around operations it does not fuse, in place, converted on store") {
        std::mt19937_64 rng(59);
        const std::int64_t n = 70001;
        const std::vector<float> xs = small_integers(n, 8, rng);
        auto x = jf::from_host(std::span<const float>(xs));
        // sin is a SLEEF tile kernel, the region's input: only its own (u10) rounding differs.
        const std::vector<float> s = jf::array<float, 1>(jf::sin(x) * 2.f + jf::where(x > 0.5f, x, -x)).to_host();
        // Stored into double and into bool: the region's float and bool converted by the store.
        const std::vector<double> d = jf::array<double, 1>(x * 0.5f + 1.f).to_host();
        const std::vector<bool> b = jf::array<bool, 1>((x > 0.f) && (x < 4.f)).to_host();
        x = x * 2.f + x;  // in place: the region reads the elements it writes
        const std::vector<float> tripled = x.to_host();
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            const float p = xs[i];
            const double want = 2.0 * std::sin(static_cast<double>(p)) + std::fabs(p);
            wrong += std::fabs(s[i] - want) > 4 * std::numeric_limits<float>::epsilon() * (2 + std::fabs(p));
            wrong += d[i] != static_cast<double>(p * 0.5f + 1.f) || b[i] != (p > 0.f && p < 4.f) || tripled[i] != 3 * p;
        }
        CHECK(wrong == 0);
    }

    TEST_CASE("a region as the map of whole and axis reductions") {
        std::mt19937_64 rng(61);
        const std::int64_t rows = 300, cols = 517;
        const std::vector<float> xs = small_integers(rows * cols, 8, rng), ys = small_integers(rows * cols, 2, rng);
        const auto x = jf::from_host(std::span<const float>(xs), {rows, cols});
        const auto y = jf::from_host(std::span<const float>(ys), {rows, cols});
        // Integer-valued terms: every sum is exact, whatever the order of the fold.
        const float whole = jf::sum(jf::where(x > 0.f, x, 0.f) * 2.f + 1.f).item();
        const std::vector<float> per_row = jf::array<float, 1>(jf::sum(x * y + 1.f, 1)).to_host();
        double want_whole = 0;
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i < rows; ++i) {
            double row = 0;
            for (std::int64_t j = 0; j < cols; ++j) {
                const float p = xs[i * cols + j], q = ys[i * cols + j];
                want_whole += (p > 0 ? p : 0) * 2 + 1;
                row += p * q + 1;
            }
            wrong += per_row[i] != row;
        }
        CHECK(whole == want_whole);
        CHECK(wrong == 0);
    }

    TEST_CASE("a fused map folds into the same lanes as its stored values") {
        std::mt19937_64 rng(67);
        const auto sum = [](const auto& e, auto... axis) { return jf::sum(e, axis...); };
        const auto prod = [](const auto& e, auto... axis) { return jf::prod(e, axis...); };
        const auto mean = [](const auto& e, auto... axis) { return jf::mean(e, axis...); };
        const auto min = [](const auto& e, auto... axis) { return jf::min(e, axis...); };
        const auto max = [](const auto& e, auto... axis) { return jf::max(e, axis...); };
        const auto argmin = [](const auto& e, auto... axis) { return jf::argmin(e, axis...); };
        const auto argmax = [](const auto& e, auto... axis) { return jf::argmax(e, axis...); };
        const auto any = [](const auto& e, auto... axis) { return jf::any(e, axis...); };
        const auto all = [](const auto& e, auto... axis) { return jf::all(e, axis...); };
        for (const auto& shape : fold_shapes) {
            const std::int64_t n = shape[0] * shape[1];
            INFO("shape " << shape[0] << " x " << shape[1]);
            // Products near 1, so that sums and products of 2 * 10^5 of them stay finite and
            // their rounding shows; then values with NaN, infinities and signed zeros.
            std::uniform_real_distribution<float> near_one(0.99f, 1.01f);
            std::vector<float> xs(n), ys(n);
            for (std::int64_t i = 0; i < n; ++i) xs[i] = near_one(rng), ys[i] = near_one(rng);
            const auto x = jf::from_host(std::span<const float>(xs), shape), y = jf::from_host(std::span<const float>(ys), shape);
            const auto product = x * y;  // a lone operation: fused only into the fold
            CHECK(fold_mismatches(product, sum) == 0);
            CHECK(fold_mismatches(product, prod) == 0);
            CHECK(fold_mismatches(product, mean) == 0);
            CHECK(fold_mismatches(product, min) == 0);
            CHECK(fold_mismatches(product, max) == 0);
            CHECK(fold_mismatches(product, argmax) == 0);
            // min and max fold chunks without NaN by vector min/max, a chunk with one again
            // step by step: a few NaNs leave most chunks clean; against a plain loop too.
            std::vector<float> sparse = xs;
            for (const std::int64_t k : {n / 3, n - 1}) sparse[k] = nan_f;
            const auto s = jf::from_host(std::span<const float>(sparse), shape);
            CHECK(fold_mismatches(s * y, max) == 0);
            CHECK(fold_mismatches(s * y, min) == 0);
            float largest = -std::numeric_limits<float>::infinity();
            for (std::int64_t i = 0; i < n; ++i) largest = std::max(largest, xs[i] * ys[i]);
            CHECK(jf::max(product).item() == largest);
            CHECK(std::isnan(jf::min(s * y).item()));
            const auto region = jf::where(x > y, x - y, y * 0.5f);
            CHECK(fold_mismatches(region, sum) == 0);

            const auto xa = awkward(n, rng), ya = awkward(n, rng);
            const auto p = jf::from_host(std::span<const float>(xa), shape), q = jf::from_host(std::span<const float>(ya), shape);
            CHECK(fold_mismatches(p * q, max) == 0);
            CHECK(fold_mismatches(p * q, argmin) == 0);
            CHECK(fold_mismatches(p > q, any) == 0);
            CHECK(fold_mismatches(p > q, all) == 0);

            // int8 products, summed in int32 (wrapping), from an int8 and a bool operand.
            std::vector<std::int8_t> bs(n);
            for (auto& b : bs) b = static_cast<std::int8_t>(rng());
            const auto b = jf::from_host(std::span<const std::int8_t>(bs), shape);
            CHECK(fold_mismatches(b * b - jf::cast<std::int8_t>(p > q), sum) == 0);
        }
    }

    TEST_CASE("a fused map folds along columns as its stored values do, its operands in place or not") {
        // Sums, means and products of floats along axis 0 compute a fused map's rows as they fold
        // them, several rows at a time, where every operand lies in place (a row of a matrix, a
        // row broadcast down the columns, a scalar), else through a tile; the stored copy is
        // folded by the library's kernel. Shapes: few rows (every band stacked), wide rows with
        // odd tails of a register and of a column, and rows too narrow to stack.
        // A broadcast operand changes the order a whole reduction walks the elements in, not
        // the order each column folds its rows in.
        std::mt19937_64 rng(73);
        const auto column_mismatches = [](const auto& map, const auto& reduce) { return axis_mismatches(map, reduce, 0); };
        const auto sum = [](const auto& e, auto... axis) { return jf::sum(e, axis...); };
        const auto prod = [](const auto& e, auto... axis) { return jf::prod(e, axis...); };
        const auto mean = [](const auto& e, auto... axis) { return jf::mean(e, axis...); };
        for (const std::array<std::int64_t, 2> shape : {std::array<std::int64_t, 2>{3, 70001}, {21, 4131}, {40, 517}}) {
            const auto [rows, cols] = shape;
            INFO("shape " << rows << " x " << cols);
            std::uniform_real_distribution<float> near_one(0.99f, 1.01f);
            std::vector<float> xs(rows * cols), ms(cols), cs(rows);
            for (auto& v : xs) v = near_one(rng);
            for (auto& v : ms) v = near_one(rng);
            for (auto& v : cs) v = near_one(rng);
            const auto x = jf::from_host(std::span<const float>(xs), shape);
            const auto m = jf::from_host(std::span<const float>(ms), {1, cols});
            const auto c = jf::from_host(std::span<const float>(cs), {rows, 1});
            const auto each_map = [&](const auto& reduce) {
                CHECK(column_mismatches(x * x, reduce) == 0);
                CHECK(column_mismatches((x - m) * (x + m) * 0.5f, reduce) == 0);
                CHECK(column_mismatches(x * c - m, reduce) == 0);  // a column broadcast along the rows: a tile
            };
            each_map(sum);
            each_map(mean);
            CHECK(column_mismatches(x * m, prod) == 0);
            CHECK(column_mismatches(x * c, prod) == 0);
            // NaN, infinities and signed zeros, summed; doubles and a float operand converted.
            const auto a = jf::from_host(std::span<const float>(awkward(rows * cols, rng)), shape);
            CHECK(column_mismatches(a * x - m, sum) == 0);
            const auto d = jf::cast<double>(x);
            CHECK(column_mismatches(d * x - 1.0, sum) == 0);
            CHECK(column_mismatches(jf::eval(d) * x, prod) == 0);
        }
    }

    TEST_CASE("a fused fold over reversed and transposed operands") {
        // Integer-valued floats: every sum is exact, whatever order the fold walks in.
        std::mt19937_64 rng(71);
        const std::int64_t rows = 257, cols = 1031;
        const std::vector<float> xs = small_integers(rows * cols, 16, rng), ys = small_integers(rows * cols, 4, rng);
        const auto x = jf::from_host(std::span<const float>(xs), {rows, cols});
        const auto yt = jf::from_host(std::span<const float>(ys), {cols, rows}).transpose();
        const auto reversed = x(jf::range(rows - 1, -1, -1), jf::all);
        const float whole = jf::sum(reversed * yt).item();
        const std::vector<float> per_row = jf::eval(jf::sum(reversed * yt, 1)).to_host();
        const std::vector<float> per_col = jf::eval(jf::sum(reversed * yt, 0)).to_host();
        const std::int64_t at_max = jf::argmax(reversed * yt).item();
        double want = 0;
        std::vector<double> row(rows), col(cols);
        std::int64_t want_at = 0;
        float best = -std::numeric_limits<float>::infinity();
        for (std::int64_t i = 0; i < rows; ++i)
            for (std::int64_t j = 0; j < cols; ++j) {
                const float v = xs[(rows - 1 - i) * cols + j] * ys[j * rows + i];
                want += v, row[i] += v, col[j] += v;
                if (v > best) best = v, want_at = i * cols + j;
            }
        CHECK(whole == want);
        CHECK(at_max == want_at);
        std::int64_t wrong = 0;
        for (std::int64_t i = 0; i < rows; ++i) wrong += per_row[i] != row[i];
        for (std::int64_t j = 0; j < cols; ++j) wrong += per_col[j] != col[j];
        CHECK(wrong == 0);
    }
}
