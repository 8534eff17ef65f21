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
#include <random>

#include "exact_lines.hpp"

namespace jf = jitfuse;
using jf::detail::axis_reduction_launch;
using jf::detail::nominal_gpu;
using jf::detail::plan_axis_reduction;

using exact_lines::check_reductions;
using exact_lines::check_scans;
using exact_lines::on_views;

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
