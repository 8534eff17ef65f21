// SPDX-License-Identifier: Apache-2.0
// How the CPU walks axis reductions and cumulative scans (cpu/reduce.hpp, cpu/scan.hpp).
// Reductions: in the order the input lies in memory whatever the view, short rows and short
// columns read many to a tile, the reduced axis cut into pieces merged afterwards when there
// are too few outputs to share out. Scans: long contiguous lines in parallel chains, one long
// line evaluated and scanned block by block. Each shape below reaches one of those loops;
// every output is checked exactly against a plain loop over its line (exact_lines.hpp). The
// emulated GPU leaves this suite out: its own sharing is checked by "launch geometry".
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include "exact_lines.hpp"

using exact_lines::check_reductions;
using exact_lines::check_scans;
using exact_lines::on_views;

TEST_SUITE("cpu loops") {
    TEST_CASE("short rows and columns, few long rows and columns, and axes of one element") {
        on_views(17,
                 {
                     {1, 200000, 3},  // columns of 3 cut into pieces; rows of 3 many to a tile
                     {5, 70000, 8},   // the same under an outer axis; runs of rows end at 70000
                     {2, 3, 600000},  // 6 long rows cut into pieces; a middle axis
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
}
