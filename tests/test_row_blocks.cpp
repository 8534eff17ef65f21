// SPDX-License-Identifier: Apache-2.0
// Statements whose nested reductions run along rows, computed on the CPU a block of rows at a
// time (include/jitfuse/detail/row_blocks.hpp). Each big statement is compared with the same
// computation staged by hand (every reduction and the shared exponentials assigned to arrays
// first, so nothing is cut, and every sum folds a contiguous array, as a block's does): the
// same bits; and with a long double loop: within the rounding the sums allow. A cut statement
// allocates its temporaries block by block, which shows that it was cut; statements that must
// not be cut (a reduction across the rows, a target another operand reads through a different
// view) must still be right.
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

/// Blocks of the tests below (the default's eighth, for smaller matrices; the example
/// row_softmax is cut with the default).
constexpr std::int64_t test_block_bytes = 64 << 10;

/// Big enough to be cut with two threads and test_block_bytes: 8 blocks of floats or doubles,
/// and 4 blocks per thread.
shape_vec big_matrix(std::mt19937_64& rng) {
    static constexpr i64 widths[] = {1, 3, 1000, 1001, 4099};
    const i64 cols = widths[rng() % 5];
    return {(i64{1} << 17) / cols + 1 + static_cast<i64>(rng() % 300), cols};
}

template <class T, int R = 2>
view_case<T, R> random_matrix(std::mt19937_64& rng, const shape_vec& shape, layout lay) {
    std::uniform_real_distribution<double> value(-6, 6);
    return make_view<T, R>(rng, shape, lay, [&](auto& g) { return static_cast<T>(value(g)); });
}

/// Only the CPU cuts statements into blocks; elsewhere the values are checked all the same.
bool cuts_statements() { return jf::default_device().is_cpu(); }

/// Sets `jf::config().row_block_bytes` for a scope.
struct row_block_guard {
    std::int64_t saved = jf::config().row_block_bytes;
    explicit row_block_guard(std::int64_t bytes) { jf::config().row_block_bytes = bytes; }
    ~row_block_guard() { jf::config().row_block_bytes = saved; }
    row_block_guard(const row_block_guard&) = delete;
    row_block_guard& operator=(const row_block_guard&) = delete;
};

/// Allocations made by `f()`.
template <class F>
std::uint64_t allocations_of(F&& f) {
    return jft::counted_by(f, "allocations", "count");
}

/// The row softmax of `x` in long double, row-major.
template <class T>
std::vector<long double> softmax_model(const hbuf<T>& x, const shape_vec& shape) {
    std::vector<long double> out(static_cast<std::size_t>(count(shape)));
    for (i64 r = 0; r < shape[0]; ++r) {
        const T* row = &x[r * shape[1]];
        long double hi = row[0], total = 0;
        for (i64 c = 0; c < shape[1]; ++c) hi = std::max<long double>(hi, row[c]);
        for (i64 c = 0; c < shape[1]; ++c) total += std::exp(static_cast<long double>(row[c]) - hi);
        for (i64 c = 0; c < shape[1]; ++c) out[r * shape[1] + c] = std::exp(row[c] - hi) / total;
    }
    return out;
}

/// Each value within (terms + 32) ULP of the model: the sum of a row's cols exponentials
/// rounds by at most cols ULP, the argument x - max by one (which exp scales by |x - max| <= 12),
/// exp and the division by one each.
template <class T>
void check_near_softmax(const jf::array<T, 2>& got, const std::vector<long double>& model, i64 terms) {
    const auto host = got.to_host();
    const long double tol = static_cast<long double>(terms + 32) * std::numeric_limits<T>::epsilon();
    long double worst = 0;
    for (std::size_t i = 0; i < host.size(); ++i) worst = std::max(worst, std::fabs(host[i] - model[i]) / model[i]);
    INFO("worst relative error " << static_cast<double>(worst) << ", tolerance " << static_cast<double>(tol));
    CHECK(worst <= tol);
}

}  // namespace

TEST_CASE("row softmax over many rows: cut into blocks, the bits of the staged passes") {
    const thread_count_guard threads(2);
    const row_block_guard blocks(test_block_bytes);
    std::mt19937_64 rng(41);
    for_each_type(types<float, double>{}, [&](auto type) {
        using T = typename decltype(type)::type;
        for (const layout lay : {layout::contiguous, layout::strided, layout::transposed}) {
            const shape_vec shape = big_matrix(rng);
            auto x = random_matrix<T>(rng, shape, lay);
            INFO(type_name<T>() << " " << x.desc);

            jf::array<T, 2> lazy;
            const auto lazy_allocations = allocations_of([&] {
                const auto e = jf::exp(x.view - jf::expand_dims(jf::max(x.view, 1), 1));
                lazy = e / jf::expand_dims(jf::sum(e, 1), 1);
            });
            const auto passes = default_device_launches();
            jf::array<T, 2> staged;
            const auto staged_allocations = allocations_of([&] {
                const jf::array<T> hi = jf::max(x.view, 1);
                const jf::array<T, 2> e = jf::exp(x.view - jf::expand_dims(hi, 1));
                const jf::array<T> total = jf::sum(e, 1);
                staged = e / jf::expand_dims(total, 1);
            });
            check_array(lazy, shape, staged.to_host(), "the staged passes, bit for bit");
            check_near_softmax(lazy, softmax_model(x.expect, shape), shape[1]);
            // Cut: temporaries per block (the staged passes allocate 4 arrays), and the passes
            // of one block counted (max, the shared exponentials, sum, the quotient), not of each.
            if (cuts_statements()) {
                CHECK(lazy_allocations > 4 * staged_allocations);
                CHECK(passes == 4);
            }
        }
    });
}

TEST_CASE("cut statements: in place, into a strided target, with row and column operands, as a reduction") {
    const thread_count_guard threads(2);
    const row_block_guard blocks(test_block_bytes);
    std::mt19937_64 rng(42);
    for (int trial = 0; trial < 3; ++trial) {
        const shape_vec shape = big_matrix(rng);
        const i64 rows = shape[0], cols = shape[1];
        auto x = random_matrix<float>(rng, shape, layout::contiguous);
        auto w = random_matrix<float, 1>(rng, {cols}, layout::strided);    // one value per column
        auto c = random_matrix<float>(rng, {rows, 1}, layout::strided);    // one value per row
        auto u = random_matrix<float>(rng, {1, cols}, layout::contiguous);  // a row, broadcast along rows
        INFO(x.desc);
        const auto shifted = [&](const auto& v) { return v * c.view + w.view - u.view; };

        // The staged values of y = shifted(x) - mean(shifted(x), 1), and of its row variances.
        const jf::array<float, 2> s = shifted(x.view);
        const jf::array<float> m = jf::mean(s, 1);
        const jf::array<float, 2> centred = s - jf::expand_dims(m, 1);
        const jf::array<float> variance = jf::mean(jf::square(centred), 1);

        // In place: each block reads its rows before it writes them.
        jf::array<float, 2> in_place = x.view.clone();
        const auto allocations = allocations_of([&] { in_place = shifted(in_place) - jf::expand_dims(jf::mean(shifted(in_place), 1), 1); });
        CHECK((allocations > 8 || !cuts_statements()));
        check_array(in_place, shape, centred.to_host(), "in place");

        // Into every other column of a wider array, whose other columns keep their values.
        jf::array<float, 2> wide = jf::full<float>(jf::shape_t<2>{rows, 2 * cols}, -1.f);
        auto even = wide(jf::all, jf::range{0, 2 * cols, 2});
        even = shifted(x.view) - jf::expand_dims(jf::mean(shifted(x.view), 1), 1);
        check_array(even, shape, centred.to_host(), "strided target");
        const auto odd_host = wide(jf::all, jf::range{1, 2 * cols, 2}).to_host();
        CHECK(std::all_of(odd_host.begin(), odd_host.end(), [](float v) { return v == -1.f; }));

        // A reduction along the rows as the statement: one value per row.
        jf::array<float> lazy_variance;
        const auto variance_allocations = allocations_of([&] {
            lazy_variance = jf::mean(jf::square(shifted(x.view) - jf::expand_dims(jf::mean(shifted(x.view), 1), 1)), 1);
        });
        CHECK((variance_allocations > 8 || !cuts_statements()));
        check_array(lazy_variance, {rows}, variance.to_host(), "row variance");
    }
}

TEST_CASE("statements kept whole: a reduction across the rows, a target read through another view") {
    const thread_count_guard threads(2);
    const row_block_guard blocks(test_block_bytes);
    std::mt19937_64 rng(43);
    const shape_vec shape = big_matrix(rng);
    const i64 rows = shape[0];
    auto x = random_matrix<float>(rng, shape, layout::contiguous);

    // Columns centred: the mean runs across every row, so no block has what it needs.
    const jf::array<float> column_mean = jf::mean(x.view, 0);
    const jf::array<float, 2> centred = x.view - jf::expand_dims(column_mean, 0);
    jf::array<float, 2> lazy;
    const auto allocations = allocations_of([&] { lazy = x.view - jf::expand_dims(jf::mean(x.view, 0), 0); });
    CHECK((allocations <= 2 || !cuts_statements()));  // the mean and the result: not cut
    check_array(lazy, shape, centred.to_host(), "columns centred");

    // Rows reversed into the array they are read from: a block would overwrite rows another
    // block still reads.
    const jf::array<float> row_max = jf::max(x.view, 1);
    const jf::array<float, 2> staged = x.view - jf::expand_dims(row_max, 1);
    jf::array<float, 2> y = x.view.clone();
    auto reversed = y(jf::range{rows - 1, -1, -1}, jf::all);
    reversed = y - jf::expand_dims(jf::max(y, 1), 1);
    check_array(reversed, shape, staged.to_host(), "reversed rows");
}

TEST_CASE("JITFUSE_ROW_BLOCK_BYTES: small blocks cut small statements; 0 cuts none") {
    std::mt19937_64 rng(44);
    for (int trial = 0; trial < 24; ++trial) {
        // 1 KiB blocks: a few rows each, of random matrices of any layout, on 1 or 2 threads.
        const thread_count_guard threads(1 + trial % 2);
        const row_block_guard blocks(1024);
        const shape_vec shape = {40 + static_cast<i64>(rng() % 400), 1 + static_cast<i64>(rng() % 300)};
        auto x = random_matrix<double>(rng, shape, random_layout(rng));
        auto w = random_matrix<double, 1>(rng, {shape[1]}, random_layout(rng));
        INFO(x.desc << "\n  w: " << w.desc);
        jf::array<double, 2> lazy;
        const auto allocations = allocations_of([&] {
            const auto lazy_e = jf::exp(x.view * w.view - jf::expand_dims(jf::max(x.view * w.view, 1), 1));
            lazy = lazy_e / jf::expand_dims(jf::sum(lazy_e, 1), 1);
        });
        hbuf<double> products(count(shape));  // x * w rounded as jitfuse rounds it
        for (i64 i = 0; i < count(shape); ++i) products[i] = x.expect[i] * w.expect[i % shape[1]];
        // exp scales the rounding of its argument by |x * w - max| <= 72: 72 ULP more.
        check_near_softmax(lazy, softmax_model(products, shape), shape[1] + 72);
        // Cut where the rule says: 8 blocks of 128 doubles in all, rows of at most 2 blocks, and
        // 4 blocks per thread.
        const i64 block = 1024 / sizeof(double), rows = std::max<i64>(1, block / shape[1]);
        if (cuts_statements() && count(shape) >= 8 * block && shape[1] <= 2 * block && shape[0] >= 4 * rows * (1 + trial % 2))
            CHECK(allocations > 4);
    }

    const thread_count_guard threads(2);
    const row_block_guard never(0);
    const shape_vec shape = big_matrix(rng);
    auto x = random_matrix<float>(rng, shape, layout::contiguous);
    jf::array<float, 2> lazy;
    const auto allocations = allocations_of([&] { lazy = x.view - jf::expand_dims(jf::max(x.view, 1), 1); });
    CHECK(allocations <= 2);  // the max and the result: not cut
    const jf::array<float> hi = jf::max(x.view, 1);
    check_array(lazy, shape, jf::array<float, 2>(x.view - jf::expand_dims(hi, 1)).to_host(), "whole");
}
