// SPDX-License-Identifier: Apache-2.0
// How GPU reductions and cumulative scans share their work (launch_geometry.hpp), and each
// sharing it chooses: short rows read by groups narrower than a warp, long rows and long
// columns of reductions split into chunks that a second pass merges, long scan lines cut into
// chunks started from their predecessors' scanned totals. Checked against plain loops on the
// default device (the emulated GPU runs this file on cuda:0, a 4-SM GPU, so every sharing
// occurs there; the CPU checks the same values).
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <vector>

namespace jf = jitfuse;
using jf::detail::axis_reduction_launch;
using jf::detail::nominal_gpu;
using jf::detail::plan_axis_reduction;

namespace {

/// A rank-3 view: its shape and the element strides the test itself derives for it.
struct view_model {
    std::array<std::int64_t, 3> shape, strides;
};

/// Coordinates of element k along `axis` of the line at output coordinates (o0, o1).
std::array<std::int64_t, 3> coords(int axis, std::int64_t k, std::int64_t o0, std::int64_t o1) {
    std::array<std::int64_t, 3> idx{};
    for (int d = 0, o = 0; d < 3; ++d) idx[d] = d == axis ? k : (o++ == 0 ? o0 : o1);
    return idx;
}

/// Calls `f(o0, o1, xs)` for each line along `axis` of `data` viewed as `v`, in the row-major
/// order of the output coordinates (o0, o1), with the line's elements `xs`.
template <class F>
void for_each_line(const std::vector<float>& data, const view_model& v, int axis, F f) {
    std::array<std::int64_t, 2> outer{};
    for (int d = 0, o = 0; d < 3; ++d)
        if (d != axis) outer[o++] = v.shape[d];
    for (std::int64_t o0 = 0; o0 < outer[0]; ++o0)
        for (std::int64_t o1 = 0; o1 < outer[1]; ++o1) {
            std::vector<float> xs;
            for (std::int64_t k = 0; k < v.shape[axis]; ++k) {
                const auto idx = coords(axis, k, o0, o1);
                xs.push_back(
                    data[idx[0] * v.strides[0] + idx[1] * v.strides[1] + idx[2] * v.strides[2]]);
            }
            f(o0, o1, xs);
        }
}

/// First index of the largest element, NaN counting as largest (NumPy).
std::int64_t first_argmax(const std::vector<float>& xs) {
    std::int64_t best = 0;
    for (std::size_t k = 0; k < xs.size(); ++k) {
        if (std::isnan(xs[best])) break;
        if (std::isnan(xs[k]) || xs[k] > xs[best]) best = static_cast<std::int64_t>(k);
    }
    return best;
}

/// Sum, mean, max, argmax and prod along `axis` of `a` (a view modelled by `v` over `data`),
/// each output against a loop over its line. The values are small integers (and ±1 for the
/// product), so every partial sum and product is exact in float whatever the order: a lost,
/// repeated or misplaced element changes the result, and ties test argmax's first-index rule.
void check_reductions(const jf::array<float, 3>& a, const std::vector<float>& data,
                      const view_model& v, int axis) {
    INFO("shape (" << v.shape[0] << ", " << v.shape[1] << ", " << v.shape[2] << "), axis " << axis);
    REQUIRE(a.shape() == v.shape);
    const std::vector<float> sum = jf::array<float, 2>(jf::sum(a, axis)).to_host();
    const std::vector<float> mean = jf::array<float, 2>(jf::mean(a, axis)).to_host();
    const std::vector<float> max = jf::array<float, 2>(jf::max(a, axis)).to_host();
    const std::vector<std::int64_t> argmax =
        jf::array<std::int64_t, 2>(jf::argmax(a, axis)).to_host();
    const std::vector<float> prod =
        jf::array<float, 2>(jf::prod(jf::where(a > 0, 1.0f, -1.0f), axis)).to_host();
    int wrong = 0;
    std::size_t at = 0;
    for_each_line(
        data, v, axis, [&](std::int64_t o0, std::int64_t o1, const std::vector<float>& xs) {
            long double s = 0, p = 1, m = -std::numeric_limits<long double>::infinity();
            for (const float x : xs) {
                s += x;
                p *= x > 0 ? 1 : -1;
                m = std::max<long double>(m, x);
            }
            const bool nan =
                std::any_of(xs.begin(), xs.end(), [](float x) { return std::isnan(x); });
            // The sum is exact; the mean is that sum divided once (within one float rounding).
            const float want_mean = static_cast<float>(s / static_cast<long double>(xs.size()));
            const bool ok =
                nan ? std::isnan(sum[at]) && std::isnan(mean[at]) && std::isnan(max[at])
                    : sum[at] == static_cast<float>(s) && max[at] == static_cast<float>(m) &&
                          std::fabs(mean[at] - want_mean) <= std::fabs(want_mean) * 1.2e-7f;
            if (!ok || argmax[at] != first_argmax(xs) || prod[at] != static_cast<float>(p)) {
                if (++wrong <= 5)
                    CHECK_MESSAGE(false, "output (" << o0 << ", " << o1 << "): sum " << sum[at]
                                                    << " want " << static_cast<double>(s)
                                                    << ", max " << max[at] << ", argmax "
                                                    << argmax[at] << " want " << first_argmax(xs)
                                                    << ", prod " << prod[at] << " want "
                                                    << static_cast<double>(p));
            }
            ++at;
        });
    CHECK(wrong == 0);
}

/// cumsum and cumprod along `axis` of `a` (modelled by `v`) against running loops over each
/// line; exact for the same reason as above.
void check_scans(const jf::array<float, 3>& a, const std::vector<float>& data, const view_model& v,
                 int axis) {
    INFO("shape (" << v.shape[0] << ", " << v.shape[1] << ", " << v.shape[2] << "), axis " << axis);
    const jf::array<float, 3> sum = jf::cumsum(a, axis);
    const jf::array<float, 3> prod = jf::cumprod(jf::where(a > 0, 1.0f, -1.0f), axis);
    const std::vector<float> sums = sum.to_host(), prods = prod.to_host();
    int wrong = 0;
    for_each_line(
        data, v, axis, [&](std::int64_t o0, std::int64_t o1, const std::vector<float>& xs) {
            long double s = 0, p = 1;
            for (std::int64_t k = 0; k < static_cast<std::int64_t>(xs.size()); ++k) {
                s += xs[k];
                p *= xs[k] > 0 ? 1 : -1;
                const auto idx = coords(axis, k, o0, o1);
                const std::size_t at =
                    static_cast<std::size_t>((idx[0] * v.shape[1] + idx[1]) * v.shape[2] + idx[2]);
                const bool sum_ok = std::isnan(static_cast<float>(s))
                                        ? std::isnan(sums[at])
                                        : sums[at] == static_cast<float>(s);
                if ((!sum_ok || prods[at] != static_cast<float>(p)) && ++wrong <= 5)
                    CHECK_MESSAGE(false, "element (" << idx[0] << ", " << idx[1] << ", " << idx[2]
                                                     << "): cumsum " << sums[at] << " want "
                                                     << static_cast<double>(s) << ", cumprod "
                                                     << prods[at] << " want "
                                                     << static_cast<double>(p));
            }
        });
    CHECK(wrong == 0);
}

/// Integer-valued floats in [-8, 8] of an array of `shape`, with a NaN in a few places.
std::vector<float> small_integers(std::int64_t count, std::mt19937_64& rng) {
    std::uniform_int_distribution<int> value(-8, 8);
    std::vector<float> data(static_cast<std::size_t>(count));
    for (float& x : data) x = static_cast<float>(value(rng));
    for (std::size_t at = 7919; at < data.size(); at += 104729) data[at] = std::nanf("");
    return data;
}

using checker = void (*)(const jf::array<float, 3>&, const std::vector<float>&, const view_model&,
                         int);

/// Runs `check` along every axis of contiguous arrays of `shapes`, then of the transposed view
/// of a (`stored`, 2, 3) array: its last axis strides through memory, its first is contiguous.
void on_views(std::uint64_t seed, std::initializer_list<std::array<std::int64_t, 3>> shapes,
              std::int64_t stored, checker check) {
    std::mt19937_64 rng(seed);
    for (const std::array<std::int64_t, 3>& shape : shapes) {
        const std::vector<float> data = small_integers(shape[0] * shape[1] * shape[2], rng);
        const jf::array<float, 3> a = jf::from_host(std::span<const float>(data), shape);
        for (int axis = 0; axis < 3; ++axis)
            check(a, data, {shape, {shape[1] * shape[2], shape[2], 1}}, axis);
    }
    const std::vector<float> data = small_integers(stored * 6, rng);
    const jf::array<float, 3> a =
        jf::from_host(std::span<const float>(data), {stored, 2, 3}).transpose();
    for (int axis = 0; axis < 3; ++axis) check(a, data, {{3, 2, stored}, {1, 3, 6}}, axis);
}

}  // namespace

TEST_SUITE("launch geometry") {
    TEST_CASE(
        "axis reductions share lines as the size asks: groups as wide as short rows, chunks for "
        "few long lines") {
        const auto plan = [](std::int64_t outputs, std::int64_t length, bool rows) {
            return plan_axis_reduction(outputs, length, rows, nominal_gpu);
        };
        const auto is = [](axis_reduction_launch got, int group, std::int64_t chunks,
                           std::int64_t blocks) {
            return got.group == group && got.chunks == chunks && got.blocks == blocks;
        };
        CHECK(is(plan(1000, 7, true), 8, 1, 32));             // 32 rows of 7 per block
        CHECK(is(plan(1 << 20, 1024, true), 256, 1, 65535));  // a block per row, grid-stride
        // 2 rows of 2^20: 256 chunks of a block each (4096 elements per chunk, 16 per thread).
        CHECK(is(plan(2, 1 << 20, true), 256, 256, 512));
        // 3 columns: chunks of 16 elements per thread (10^6), or enough to fill 132 x 2048 threads
        // (10^7).
        CHECK(is(plan(3, 1000000, false), 1, 62500, 733));
        CHECK(is(plan(3, 10000000, false), 1, 90112, 1056));
        CHECK(is(plan(3, 1000, false), 1, 62, 1));  // at least 16 elements per thread
        CHECK(is(plan(5, 0, true), 1, 1, 1));       // empty lines: nothing to split

        std::mt19937_64 rng(7);
        for (int trial = 0; trial < 2000; ++trial) {
            const std::int64_t outputs = std::int64_t{1} << (rng() % 24),
                               length = static_cast<std::int64_t>(rng() % 5000000);
            const bool rows = rng() % 2;
            const axis_reduction_launch got = plan(outputs, length, rows);
            INFO(outputs << " lines of " << length << (rows ? " (rows)" : " (columns)"));
            REQUIRE(std::has_single_bit(static_cast<unsigned>(got.group)));
            CHECK(got.group <= 256);
            CHECK(got.group ==
                  (rows ? std::min<std::int64_t>(
                              std::bit_ceil<std::uint64_t>(std::max<std::int64_t>(length, 1)), 256)
                        : 1));
            REQUIRE(got.chunks >= 1);
            if (got.chunks > 1) {
                CHECK(got.chunks * got.group * jf::detail::min_elements_per_thread <=
                      length);  // each thread folds enough
                CHECK(outputs * (got.chunks - 1) * got.group <
                      nominal_gpu.resident_threads);  // not more than fills the GPU
            }
            CHECK(got.blocks == jf::detail::blocks_for(outputs * got.chunks * got.group));
        }
    }

    TEST_CASE("threads share a line when it runs through memory: the first array's smallest stride") {
        const jf::array<float, 2> m = jf::zeros<float, 2>({4, 5});
        CHECK(jf::detail::lines_contiguous(m, 1));
        CHECK(!jf::detail::lines_contiguous(m, 0));
        CHECK(jf::detail::lines_contiguous(m.transpose(), 0));  // its rows are m's columns
        CHECK(!jf::detail::lines_contiguous(m.transpose() * 2.0f, 1));
        // A leaf of one element says nothing; the next array decides.
        const jf::array<float, 2> one = jf::zeros<float, 2>({1, 1});
        CHECK(jf::detail::lines_contiguous(one + m.transpose(), 0));
        // Only random leaves: the last axis.
        CHECK(jf::detail::lines_contiguous(jf::random::uniform<float, 2>({4, 5}, 1), 1));
        CHECK(!jf::detail::lines_contiguous(jf::random::uniform<float, 2>({4, 5}, 1), 0));
    }

    TEST_CASE("a whole reduction's first pass is one wave of resident threads at most") {
        CHECK(jf::detail::whole_reduction_blocks(std::int64_t{1} << 24, nominal_gpu) ==
              132 * 2048 / 256);
        CHECK(jf::detail::whole_reduction_blocks(1000, nominal_gpu) == 4);
        CHECK(jf::detail::whole_reduction_blocks(0, nominal_gpu) == 1);
        CHECK(jf::detail::whole_reduction_blocks(std::int64_t{1} << 40, {1}) == 1);
    }

    TEST_CASE(
        "scans cut long lines into chunks of at least 64, enough to busy the GPU, none empty") {
        const auto chunks = [](std::int64_t lines, std::int64_t length) {
            return jf::detail::plan_scan_chunks(lines, length, nominal_gpu);
        };
        CHECK(chunks(1, 1 << 22) == 65536);   // 64 elements each
        CHECK(chunks(1, 1 << 30) == 270328);  // about one per resident thread (3972 each)
        CHECK(chunks(1 << 20, 1000) == 1);    // the lines alone busy the GPU
        CHECK(chunks(3, 100) == 1);           // too short to cut
        CHECK(chunks(1, 0) == 1);
        std::mt19937_64 rng(5);
        for (int trial = 0; trial < 2000; ++trial) {
            const std::int64_t lines = std::int64_t{1} << (rng() % 20),
                               length = static_cast<std::int64_t>(rng() % 10000000);
            const std::int64_t got = chunks(lines, length);
            INFO(lines << " lines of " << length);
            REQUIRE(got >= 1);
            if (got > 1) {
                const std::int64_t span = (length + got - 1) / got;
                CHECK(span >= jf::detail::min_scan_chunk);
                CHECK((got - 1) * span < length);  // the last chunk is not empty
                CHECK(lines * (got - 1) < nominal_gpu.resident_threads);
            }
        }
    }

    TEST_CASE(
        "axis reductions of few long lines, many short ones and strided views match plain loops") {
        // Short rows, rows and columns split into chunks, a middle axis; a transposed view.
        on_views(11, {{1, 3, 70000}, {1, 70000, 3}, {2, 5000, 3}, {4, 20000, 3}, {3, 1, 1}}, 9000,
                 check_reductions);
    }

    TEST_CASE(
        "cumsum and cumprod of one long line, few long columns and strided views match running "
        "loops") {
        on_views(13, {{1, 1, 300001}, {1, 100003, 3}, {2, 700, 5}, {1, 2, 1}}, 20000, check_scans);
    }
}
