// SPDX-License-Identifier: Apache-2.0
// How the CPU walks elementwise passes, axis reductions and cumulative scans
// (cpu/elementwise.hpp, cpu/reduce.hpp, cpu/scan.hpp). A pass that reads a transposed view
// into a row-major array walks square blocks. Reductions: in the order the input lies in memory whatever the view, short rows and short
// columns read many to a tile, the reduced axis cut into pieces merged afterwards when there
// are too few outputs to share out. Scans: long contiguous lines in parallel chains, one long
// line evaluated and scanned block by block. Rolling windows: blocks of one line rolled side
// by side. Each shape below reaches one of those loops;
// every output is checked exactly against a plain loop over its line (exact_lines.hpp). The
// emulated GPU leaves this suite out: its own sharing is checked by "launch geometry".
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "exact_lines.hpp"

namespace jf = jitfuse;
using exact_lines::check_reductions;
using exact_lines::check_rolling;
using exact_lines::check_scans;
using exact_lines::on_views;

namespace {

/// Integer-valued floats in [-8, 8]: sums and doublings of them are exact.
std::vector<float> integers(std::int64_t count, std::mt19937_64& rng) {
    std::vector<float> v(static_cast<std::size_t>(count));
    for (float& x : v) x = static_cast<float>(static_cast<int>(rng() % 17) - 8);
    return v;
}

/// z = m.T * 2 + y and a clamped shift of m.T, for m of `rows` x `cols`, against loops.
void check_transposing(std::int64_t rows, std::int64_t cols, std::mt19937_64& rng) {
    INFO("m of " << rows << " x " << cols);
    const std::vector<float> md = integers(rows * cols, rng), yd = integers(cols * rows, rng);
    const jf::array<float, 2> m = jf::from_host(std::span<const float>(md), {rows, cols});
    const jf::array<float, 2> y = jf::from_host(std::span<const float>(yd), {cols, rows});
    const std::vector<float> z = jf::array<float, 2>(m.transpose() * 2.0f + y).to_host();
    const std::vector<float> s = jf::array<float, 2>(jf::shift(m.transpose(), {1, -1}, jf::boundary::clamp)).to_host();
    std::int64_t wrong = 0;
    for (std::int64_t i = 0; i < cols; ++i)
        for (std::int64_t j = 0; j < rows; ++j) {
            const std::int64_t at = i * rows + j;
            const std::int64_t si = std::min(i + 1, cols - 1), sj = std::max<std::int64_t>(j - 1, 0);
            wrong += z[at] != md[j * cols + i] * 2 + yd[at] || s[at] != md[sj * cols + si];
        }
    CHECK(wrong == 0);
}

}  // namespace

TEST_SUITE("cpu loops") {
    TEST_CASE("a transposed view copied into a row-major array: blocks, their edges, a shift") {
        std::mt19937_64 rng(29);
        for (const auto& [rows, cols] : {std::array<std::int64_t, 2>{64, 64}, {130, 70}, {1000, 65}, {63, 500}, {3, 2000}})
            check_transposing(rows, cols, rng);
        // Rank 3, the last two axes swapped: blocks under an outer axis.
        const std::vector<float> d = integers(5 * 100 * 67, rng);
        const jf::array<float, 3> a = jf::from_host(std::span<const float>(d), {5, 100, 67});
        const std::vector<float> t = jf::array<float, 3>(a.transpose({0, 2, 1}) + 1.0f).to_host();
        std::int64_t wrong = 0;
        for (std::int64_t b = 0; b < 5; ++b)
            for (std::int64_t i = 0; i < 67; ++i)
                for (std::int64_t j = 0; j < 100; ++j) wrong += t[(b * 67 + i) * 100 + j] != d[(b * 100 + j) * 67 + i] + 1;
        CHECK(wrong == 0);
    }

    TEST_CASE("short rows and columns, few long rows and columns, and axes of one element") {
        on_views(17,
                 {
                     {1, 200000, 3},  // columns of 3 cut into pieces; rows of 3 many to a tile
                     {5, 70000, 8},   // the same under an outer axis; runs of rows end at 70000
                     {2, 3, 600000},  // 6 long rows cut into pieces; a middle axis
                     {3000, 4, 4},    // outputs of 4 x 4 values, many to a tile
                     {2000, 7, 3},
                     {7, 13, 1},      // rows of one element
                     {1, 1, 5},
                 },
                 20, check_reductions);
    }

    TEST_CASE("a transposed view is walked along its contiguous axis") {
        // (3, 2, 300000) with strides (1, 3, 6): the last axis strides through memory, so
        // reducing it accumulates runs of 6 contiguous elements, cut into pieces.
        on_views(19, {}, 300000, check_reductions);
    }

    TEST_CASE("cumulative scans: long contiguous lines, one long line, short rows") {
        // (3, 2, 70000) along its last axis: 6 lines of 4 blocks and a part, each block in
        // parallel chains; (1, 1, 200001): one line, evaluated block by block.
        on_views(23, {{3, 2, 70000}, {1, 1, 200001}, {4000, 3, 7}}, 5000, check_scans);
    }

    TEST_CASE("rolling windows: one long line in segments, blocks rolled side by side, short rows") {
        // (1, 1, 300001): one line (at least 4 segments of about 2^16) cut into segments over
        // the threads, each evaluated, then rolled in groups of interleaved blocks and the
        // remaining blocks one by one; (3, 2, 70000): lines one by one, each rolled the same
        // way; (4000, 3, 7): short rows and columns many at a time.
        on_views(31, {{1, 1, 300001}, {3, 2, 70000}, {4000, 3, 7}}, 5000, check_rolling);
    }
}
